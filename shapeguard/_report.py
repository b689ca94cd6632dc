"""The words of a runtime ShapeError: what was expected, what came, which axis, the fix.

Everything here runs only after a check has failed, so it favours clarity over speed: it
replays the call's checks from the start to learn where each dim was bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._contract import (
    EXPR,
    EXPR_B,
    FIXED,
    FIXED_B,
    NAMED,
    NAMED_B,
    VARIADIC,
    VARIADIC_B,
    ArrayContract,
    dtype_name,
    match,
)
from ._hints import Checker, UnionChecker, check_value
from ._spec import evaluate, expr_names

_SHORT_DTYPES = {
    "float16": "f16",
    "bfloat16": "bf16",
    "float32": "f32",
    "float64": "f64",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "complex64": "c64",
    "complex128": "c128",
    "bool": "bool",
    "bool_": "bool",
}


def summarize(value: Any) -> str:
    """`f32[1,22,22,1]` for an array (never its contents), the type name otherwise."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        if value is None:
            return "None"
        return f"a {type(value).__name__}"
    name = dtype_name(dtype)
    short = _SHORT_DTYPES.get(name, name)
    dims = ",".join(str(int(s)) for s in shape)
    kind = "" if type(value).__module__.startswith("torch") else f" ({type(value).__name__})"
    device = getattr(value, "device", None)
    where = f" on {device}" if device is not None and str(device) not in ("cpu",) else ""
    return f"{short}[{dims}]{kind}{where}"


@dataclass
class Origin:
    """Where a dim name got its size: which argument, which axes."""

    argument: str
    axes: str

    def __str__(self) -> str:
        return f"{self.argument} {self.axes}"


@dataclass
class Replay:
    """Bindings and their origins after re-running the checks that passed."""

    bindings: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)

    def run(self, argument: str, checker: Checker | ArrayContract, value: Any) -> bool:
        before = set(self.bindings)
        ok = check_value(checker, value, self.bindings)
        for name in set(self.bindings) - before:
            self.origins[name] = Origin(argument, _axes_of(checker, name, value))
        return ok

    def describe(self) -> str:
        parts = []
        for name, size in self.bindings.items():
            shown = f"*{name}={_fmt_sizes(size)}" if isinstance(size, tuple) else f"{name}={size}"
            origin = self.origins.get(name)
            parts.append(f"{shown} (from {origin})" if origin else shown)
        return ", ".join(parts)


def _fmt_sizes(sizes: tuple[int, ...]) -> str:
    return repr(tuple(int(s) for s in sizes)).replace(" ", "")


def _axes_of(checker: Checker | ArrayContract, name: str, value: Any) -> str:
    contracts = (checker,) if isinstance(checker, ArrayContract) else checker.contracts()
    rank = len(getattr(value, "shape", ()))
    for contract in contracts:
        for axis, kind, payload in contract.steps:
            if kind in (NAMED, NAMED_B) and payload == name:
                return f"axis {axis % rank if rank else axis}"
            if kind == VARIADIC and payload[0] == name:
                stop = rank - payload[1]
                return f"axes {axis}..{stop - 1}" if stop - 1 > axis else f"axis {axis}"
    return ""


def explain_array(
    contract: ArrayContract, value: Any, bindings: dict[str, Any], name: str = "x"
) -> tuple[str, str]:
    """Why `value` fails `contract` under `bindings`: (the reason, a fix hint or "")."""
    array_type = contract.array_type
    if array_type is not None and not isinstance(value, array_type):
        hint = ""
        if array_type.__module__.startswith("torch") and hasattr(value, "shape"):
            hint = f"convert it with torch.as_tensor({name})"
        elif array_type.__name__ == "ndarray" and hasattr(value, "numpy"):
            hint = f"convert it with {name}.detach().cpu().numpy()"
        return (
            f"expected a {array_type.__module__}.{array_type.__name__}, got {summarize(value)}",
            hint,
        )
    shape = tuple(int(s) for s in value.shape)
    if not contract.accepts_dtype(value.dtype):
        return _explain_dtype(contract, value.dtype, name, _is_numpy(value))
    rank = len(shape)
    spec = str(contract.spec)
    if contract.exact_rank >= 0 and rank != contract.exact_rank:
        reason = f"rank {rank}, but {spec!r} has {contract.exact_rank} dims"
        return reason, _reshape_hint(contract, shape, bindings, name, _is_numpy(value))
    if rank < contract.min_rank:
        reason = f"rank {rank}, but {spec!r} needs at least {contract.min_rank} dims"
        return reason, _reshape_hint(contract, shape, bindings, name, _is_numpy(value))
    trial = dict(bindings)
    failed = match(contract.steps, shape, trial)
    if failed < 0:  # pragma: no cover - callers explain only failures
        return "it matches on replay", ""
    axis, kind, payload = contract.steps[failed]
    hint = _reshape_hint(contract, shape, bindings, name, _is_numpy(value))
    return _explain_step(axis, kind, payload, shape, trial), hint


def _explain_step(
    axis: int, kind: int, payload: Any, shape: tuple[int, ...], bindings: dict[str, Any]
) -> str:
    rank = len(shape)
    if kind in (VARIADIC, VARIADIC_B):
        name, after = payload
        got = shape[axis : rank - after]
        bound = _fmt_sizes(bindings.get(name) or ())
        where = f"axes {axis}..{rank - after - 1}" if got else "no axes"
        verb = "do not broadcast with" if kind == VARIADIC_B else "but"
        return f"*{name} matches {where}, sizes {_fmt_sizes(got)}, {verb} *{name}={bound}"
    at = axis % rank
    size = shape[axis]
    if kind in (FIXED, FIXED_B):
        extra = " (or 1)" if kind == FIXED_B else ""
        return f"axis {at} has size {size}, expected {payload}{extra}"
    if kind in (NAMED, NAMED_B):
        return f"axis {at} ({payload}) has size {size}, but {payload}={bindings[payload]}"
    assert kind in (EXPR, EXPR_B)
    try:
        want = evaluate(payload, bindings)
    except ZeroDivisionError:
        return f"axis {at} ({payload}) divides by zero with {_names_in(payload, bindings)}"
    names = _names_in(payload, bindings)
    return f"axis {at} ({payload}) has size {size}, but {payload}={want} with {names}"


def _names_in(expr: Any, bindings: dict[str, Any]) -> str:
    return ", ".join(f"{n}={bindings.get(n)}" for n in sorted(expr_names(expr)))


# The conversion into a dtype family, for torch and for numpy.
_TO_FAMILY = {
    "Float": (".float()", ".astype(np.float32)"),
    "Float32": (".float()", ".astype(np.float32)"),
    "Float64": (".double()", ".astype(np.float64)"),
    "Float16": (".half()", ".astype(np.float16)"),
    "BFloat16": (".bfloat16()", ""),
    "Int": (".long()", ".astype(np.int64)"),
    "Int64": (".long()", ".astype(np.int64)"),
    "Int32": (".int()", ".astype(np.int32)"),
    "Integer": (".long()", ".astype(np.int64)"),
    "Bool": (".bool()", ".astype(bool)"),
}


def _is_numpy(value: Any) -> bool:
    return type(value).__module__.startswith("numpy")


def _explain_dtype(contract: ArrayContract, dtype: Any, name_: str, numpy: bool) -> tuple[str, str]:
    name = dtype_name(dtype)
    family = contract.dtype_family
    wanted = contract.dtypes if isinstance(contract.dtypes, tuple) else ()
    common = [
        w
        for w in wanted
        if isinstance(w, str)
        and not w.startswith(("float8", "float4", "int2", "int4", "uint2", "uint4"))
    ]
    reason = f"dtype {name} is not in {family} ({', '.join(common) or 'any'})"
    conversion = _TO_FAMILY.get(family, ("", ""))[numpy]
    hint = f"convert it with {name_}{conversion}" if conversion else ""
    if family in ("Int", "Int64", "Integer") and name.startswith("float"):
        hint += (
            " if these are class indices; if they are one-hot or probabilities, "
            "argmax(-1) them or use a loss that takes probabilities"
        )
    return reason, hint


def _reshape_hint(
    contract: ArrayContract,
    shape: tuple[int, ...],
    bindings: dict[str, Any],
    name: str,
    numpy: bool = False,
) -> str:
    """A one-line fix when a unit dim or a moved channel axis would make the shape match."""
    for candidate, fix in _candidate_fixes(shape, name, numpy):
        if _fits(contract, candidate, bindings):
            return f"{fix} would match"
    return _off_by_k(contract, shape, bindings)


def _candidate_fixes(
    shape: tuple[int, ...], name: str, numpy: bool
) -> list[tuple[tuple[int, ...], str]]:
    """(a reshaped shape, the expression that produces it), in the array library's words."""
    rank = len(shape)
    out: list[tuple[tuple[int, ...], str]] = []
    for d in range(rank):
        if shape[d] == 1:
            out.append((shape[:d] + shape[d + 1 :], f"{name}.squeeze({d})"))
    for d in range(rank + 1):
        axis = -1 if d == rank else d
        fix = f"np.expand_dims({name}, {axis})" if numpy else f"{name}.unsqueeze({axis})"
        out.append(((*shape[:d], 1, *shape[d:]), fix))
    if rank >= 3:
        verb = "transpose" if numpy else "permute"
        out.append(
            (
                shape[:1] + shape[2:] + shape[1:2],
                f"{name}.{verb}({_perm_first_to_last(rank)})  (channels-first to channels-last)",
            )
        )
        out.append(
            (
                shape[:1] + shape[-1:] + shape[1:-1],
                f"{name}.{verb}({_perm_last_to_first(rank)})  (channels-last to channels-first)",
            )
        )
    return out


def _perm_first_to_last(rank: int) -> str:
    return ", ".join(str(i) for i in [0, *range(2, rank), 1])


def _perm_last_to_first(rank: int) -> str:
    return ", ".join(str(i) for i in [0, rank - 1, *range(1, rank - 1)])


def _fits(contract: ArrayContract, shape: tuple[int, ...], bindings: dict[str, Any]) -> bool:
    rank = len(shape)
    if contract.exact_rank >= 0 and rank != contract.exact_rank:
        return False
    if rank < contract.min_rank:
        return False
    return match(contract.steps, shape, dict(bindings)) < 0


def _off_by_k(contract: ArrayContract, shape: tuple[int, ...], bindings: dict[str, Any]) -> str:
    rank = len(shape)
    if (contract.exact_rank >= 0 and rank != contract.exact_rank) or rank < contract.min_rank:
        return ""
    trial = dict(bindings)
    failed = match(contract.steps, shape, trial)
    if failed < 0:
        return ""
    axis, kind, payload = contract.steps[failed]
    if kind not in (NAMED, FIXED):
        return ""
    want = bindings.get(payload) if kind == NAMED else payload
    got = shape[axis]
    if not isinstance(want, int) or abs(got - want) > 4:
        return ""
    diff = got - want
    return (
        f"off by {abs(diff)} on axis {axis % rank}: a padding or cropping mismatch? "
        f"fix the preprocessing, or resize labels explicitly with shapeguard.align_labels"
    )


def describe_union(
    checker: UnionChecker, value: Any, bindings: dict[str, Any], name: str = "x"
) -> tuple[str, str]:
    reasons = []
    hint = ""
    for contract in checker.arrays:
        reason, fix = explain_array(contract, value, bindings, name)
        reasons.append(f"{contract.text}: {reason}")
        hint = hint or fix
    if checker.allows_none:
        reasons.append("None: it is not None")
    return "no member of the union matches: " + "; ".join(reasons), hint
