"""Check a call against a signature that carries contracts (user code or a `typings/` stub)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from mypy.nodes import FuncItem
from mypy.types import CallableType, Type, get_proper_type

from shapeguard._spec import AnyDim, Dim, ExprDim, NamedDim, ShapeSpec, VariadicDim, expr_names

from . import _errors
from ._calls import Arg, Call
from ._stubs import SAME, Stub
from ._types import Shaped, carried_instance, dtypes_conflict, read_alternatives, read_shaped
from ._unify import VALUE, Unifier, _Bound, _BoundRun


@dataclass(frozen=True)
class Formal:
    name: str
    index: int  # position among the formals the call site sees (no self)
    shaped: Shaped | None
    binds_int: bool = False
    alternatives: tuple[Shaped, ...] = ()  # a union of contracts: any one may match


def formals_of(sig: CallableType, *, skip_self: bool) -> tuple[Formal | None, list[Formal]]:
    """(the receiver formal, the other formals) of a mypy signature."""
    receiver: Formal | None = None
    out: list[Formal] = []
    start = 0
    if skip_self and sig.arg_types:
        receiver = Formal(sig.arg_names[0] or "self", -1, read_shaped(sig.arg_types[0]))
        start = 1
    for i in range(start, len(sig.arg_types)):
        name = sig.arg_names[i]
        if name is None:
            name = f"#{i - start}"
        alternatives = tuple(read_alternatives(sig.arg_types[i]))
        shaped = read_shaped(sig.arg_types[i]) if not alternatives else None
        out.append(Formal(name, i - start, shaped, alternatives=alternatives))
    return receiver, out


def formals_of_stub(stub: Stub) -> tuple[Formal | None, list[Formal]]:
    params = list(stub.params)
    receiver: Formal | None = None
    if stub.is_method and params:
        first = params.pop(0)
        receiver = Formal(first.name, -1, first.shaped)
    return receiver, [Formal(p.name, i, p.shaped, p.binds_int) for i, p in enumerate(params)]


def signature_has_contract(sig: CallableType) -> bool:
    if read_shaped(sig.ret_type) is not None:
        return True
    return any(read_shaped(t) is not None or read_alternatives(t) for t in sig.arg_types)


def _actual(call: Call, formal: Formal) -> Arg | None:
    found = call.by_formal(formal.name)
    if found:
        return found[0]
    return call.get(formal.name, formal.index)


def check_contract(
    call: Call,
    receiver: Formal | None,
    formals: list[Formal],
    returns: Shaped | None,
    *,
    symbols: bool = True,
) -> Shaped | None:
    """Unify, report definite conflicts, and return the result's shape (or None)."""
    unifier = Unifier(symbols=symbols)
    first_family: str | None = None
    todo: list[tuple[str, Shaped | Formal, Shaped | None, bool]] = []
    if receiver is not None and receiver.shaped is not None:
        todo.append(("self", receiver.shaped, call.receiver,
                     _is_numpy(getattr(call.ctx, "type", None))))
    for formal in formals:
        arg = _actual(call, formal)
        if formal.binds_int:
            value = call.int_value(arg)
            if value is not None:
                unifier.bind_int(formal.name, value, formal.name)
            continue
        if formal.alternatives:
            todo.append((formal.name, formal, call.shaped(arg), False))
            continue
        if formal.shaped is None:
            continue
        todo.append((formal.name, formal.shaped, call.shaped(arg),
                     _is_numpy(arg.type if arg is not None else None)))
    for name, pattern, actual, numpy in todo:
        if actual is None:
            continue
        if first_family is None:
            first_family = actual.family
        if isinstance(pattern, Formal):
            unifier = _pick_alternative(call, unifier, pattern, actual)
            continue
        where = _where(name, call.name)
        family = pattern.family if pattern.family != SAME else None
        if dtypes_conflict(actual.family, family):
            assert actual.family is not None
            assert family is not None
            _errors.dtype_error(
                call.api, _errors.argument_dtype(where, actual.family, family), call.context
            )
        if pattern.spec is None or actual.spec is None:
            continue
        conflict = unifier.match(pattern.spec, actual.spec, name, numpy=numpy)
        if conflict is not None:
            _errors.shape_error(
                call.api,
                _errors.argument_shape(where, actual.spec, pattern.spec, conflict.detail),
                call.context,
            )
    for conflict in unifier.finish():
        _errors.shape_error(
            call.api,
            _errors.argument_shape(
                _where(conflict.arg, call.name), conflict.actual, conflict.expected, conflict.detail
            ),
            call.context,
        )
    if returns is None:
        return None
    family = returns.family
    if family == SAME:
        family = first_family
    spec = unifier.substitute(returns.spec) if returns.spec is not None else None
    return Shaped(family, spec)


def _pick_alternative(call: Call, unifier: Unifier, formal: Formal, actual: Shaped) -> Unifier:
    """Adopt the first member of a union contract that the argument satisfies; report when
    it satisfies none (with the member whose dtype fits, else the first)."""
    failures: list[tuple[Shaped, str | None, bool]] = []
    for pattern in formal.alternatives:
        trial = unifier.clone()
        dtype_bad = dtypes_conflict(actual.family, pattern.family)
        detail: str | None = None
        if pattern.spec is not None and actual.spec is not None:
            conflict = trial.match(
                pattern.spec, actual.spec, formal.name, numpy=_is_numpy(_arg_type(call, formal))
            )
            detail = conflict.detail if conflict is not None else None
        if detail is None and not dtype_bad:
            return trial
        failures.append((pattern, detail, dtype_bad))
    pattern, detail, dtype_bad = next((f for f in failures if not f[2]), failures[0])
    where = _where(formal.name, call.name)
    if dtype_bad and pattern.family is not None and actual.family is not None:
        _errors.dtype_error(
            call.api, _errors.argument_dtype(where, actual.family, " or ".join(
                str(p.family) for p in formal.alternatives)), call.context
        )
    elif detail is not None and pattern.spec is not None and actual.spec is not None:
        _errors.shape_error(
            call.api, _errors.argument_shape(where, actual.spec, pattern.spec, detail),
            call.context,
        )
    return unifier


def _arg_type(call: Call, formal: Formal) -> Type | None:
    arg = _actual(call, formal)
    return arg.type if arg is not None else None


def _is_numpy(typ: Type | None) -> bool:
    """Whether a value is a NumPy array (fixes are spelled `np.expand_dims`, not `unsqueeze`)."""
    inst = carried_instance(typ)
    return inst is not None and inst.type.fullname.startswith("numpy.")


def _where(name: str, callee: str) -> str:
    if name == "self":
        return f'Receiver of "{callee}"'
    if name.startswith("#"):
        return f'Argument {int(name[1:]) + 1} to "{callee}"'
    return f'Argument "{name}" to "{callee}"'


# -- returns ---------------------------------------------------------------------------


DECLARATION = "the declaration"


class ReturnChecker:
    """`return <call>` against the declared return contract, via the type context.

    The call's type context is the declared return type exactly when the call is the
    returned expression (in argument position the context is the outer callee's formal).
    Names of the declared return spec that no parameter annotation of the function (or of
    an enclosing function) mentions are bound by the return itself, as at run time.
    """

    def check(self, call: Call, result: Shaped | None) -> None:
        api = call.api
        contexts = api.type_context
        expected_type = contexts[-1] if contexts else None
        returns = getattr(api, "return_types", None)
        if expected_type is None or not returns or returns[-1] is not expected_type:
            return
        declared = read_shaped(expected_type)
        if declared is None or result is None:
            return
        if dtypes_conflict(result.family, declared.family):
            assert result.family is not None
            assert declared.family is not None
            message = _errors.return_dtype(f'"{call.name}"', result.family, declared.family)
            _errors.dtype_error(api, message, call.context)
        if declared.spec is not None and result.spec is not None:
            symbols = _scope_symbols(api)
            names = spec_names(declared.spec)
            if symbols is None:  # scope unreadable: nothing is rigid, nothing is local
                detail = compare_to_declaration(declared.spec, result.spec, names)
            else:
                actual = localize(result.spec, symbols)
                detail = compare_to_declaration(declared.spec, actual, names - symbols)
            if detail is not None:
                message = _errors.return_shape(
                    f'"{call.name}"', result.spec, declared.spec, detail
                )
                _errors.shape_error(api, message, call.context)


def _scope_symbols(api: object) -> frozenset[str] | None:
    """The dim names of the parameter annotations of the functions being checked (innermost
    and enclosing), or None when mypy's checker scope cannot be read."""
    stack = getattr(getattr(api, "scope", None), "stack", None)
    if not isinstance(stack, list):
        return None
    out: set[str] = set()
    for item in stack:
        if not isinstance(item, FuncItem):
            continue
        sig = get_proper_type(item.type) if item.type is not None else None
        if not isinstance(sig, CallableType):
            continue
        for arg in sig.arg_types:
            shaped = read_shaped(arg)
            if shaped is not None and shaped.spec is not None:
                out |= spec_names(shaped.spec)
    return frozenset(out)


def spec_names(spec: ShapeSpec) -> frozenset[str]:
    """Every dim name a spec mentions: named dims, named variadics, names in expressions."""
    out: set[str] = set()
    for dim in spec.dims:
        if isinstance(dim, (NamedDim, VariadicDim)) and dim.name is not None:
            out.add(dim.name)
        elif isinstance(dim, ExprDim):
            out |= expr_names(dim.expr)
    return frozenset(out)


def localize(spec: ShapeSpec, symbols: Set[str]) -> ShapeSpec:
    """`spec` with every name that is not one of the scope's `symbols` made unknown (a local
    name of an inferred shape says nothing about its size)."""
    dims: list[Dim] = []
    for dim in spec.dims:
        if isinstance(dim, NamedDim) and dim.name not in symbols:
            dims.append(AnyDim())
        elif isinstance(dim, VariadicDim) and dim.name is not None and dim.name not in symbols:
            dims.append(VariadicDim(None))
        elif isinstance(dim, ExprDim) and not expr_names(dim.expr) <= symbols:
            dims.append(AnyDim())
        else:
            dims.append(dim)
    return ShapeSpec(tuple(dims))


def compare_to_declaration(
    declared: ShapeSpec, actual: ShapeSpec, free: Set[str] = frozenset()
) -> str | None:
    """Why `actual` definitely conflicts with a declared spec (return or annotated value),
    or None.

    The declared spec's names are the current scope's own symbols (rigid: `b` matches only
    `b` or an unknown), except the names in `free`: those are bound by this comparison, on
    first occurrence, and must then match consistently within `declared` (a name that only
    the return annotation mentions, like `n` in `(x: "b") -> "n"`).
    """
    unifier = Unifier(symbols=True)
    for dim in declared.dims:
        if isinstance(dim, NamedDim) and not dim.broadcast and dim.name not in free:
            unifier.dims[dim.name] = _Bound(NamedDim(dim.name), DECLARATION)
        elif (
            isinstance(dim, VariadicDim)
            and dim.name is not None
            and not dim.broadcast
            and dim.name not in free
        ):
            unifier.runs[dim.name] = _BoundRun((VariadicDim(dim.name),), DECLARATION)
    conflict = unifier.match(declared, actual, VALUE)
    if conflict is not None:
        return conflict.detail
    found = unifier.finish()
    return found[0].detail if found else None


__all__ = [
    "Formal",
    "ReturnChecker",
    "check_contract",
    "compare_to_declaration",
    "formals_of",
    "localize",
    "signature_has_contract",
    "spec_names",
]
