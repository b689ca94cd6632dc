"""Array contracts compiled for the hot path: one `ArrayContract` per jaxtyping annotation.

A contract is compiled once from the annotation (`Float[Tensor, "*batch h w 1"]`): its shape
string is parsed by `_spec.parse_shape` and lowered to a flat tuple of steps that `match`
runs with plain tuple/dict operations. Nothing is re-derived per call; the dtype family test
is a dict lookup keyed on the dtype object, filled the first time a dtype is seen.
"""

from __future__ import annotations

import re
from typing import Any

from ._spec import (
    AnyDim,
    Dim,
    ExprDim,
    FixedDim,
    NamedDim,
    ShapeSpec,
    VariadicDim,
    evaluate,
    expr_names,
    parse_shape,
)

# Step kinds. Small ints compared with `is`-free `==` are the cheapest dispatch in CPython.
FIXED, FIXED_B, NAMED, NAMED_B, EXPR, EXPR_B, VARIADIC, VARIADIC_B = range(8)

Step = tuple[int, int, Any]  # (axis or start, kind, payload)


class ArrayContract:
    """The compiled form of one jaxtyping array annotation."""

    __slots__ = (
        "accepted_dtypes",
        "annotation",
        "array_type",
        "dtype_family",
        "dtype_ok",
        "dtypes",
        "exact_rank",
        "min_rank",
        "spec",
        "steps",
    )

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation
        self.spec: ShapeSpec = parse_shape(annotation.dim_str)
        array_type = annotation.array_type
        self.array_type: type | None = array_type if isinstance(array_type, type) else None
        self.dtype_family: str = annotation.dtype.__name__
        self.dtypes: Any = annotation.dtypes  # a tuple of str / re.Pattern, or "any dtype"
        # dtype object -> bool, filled lazily; shared by every call of every function
        # using an equal annotation (jaxtyping caches the annotation classes).
        self.dtype_ok: dict[Any, bool] = {}
        # The dtypes seen and found in the family: the fast path's test is `in` this set.
        self.accepted_dtypes: set[Any] = set()
        self.min_rank = self.spec.min_rank
        self.exact_rank = self.min_rank if self.spec.variadic_index is None else -1
        self.steps: tuple[Step, ...] = lower(self.spec)

    def accepts_dtype(self, dtype: Any) -> bool:
        ok = self.dtype_ok.get(dtype)
        if ok is None:
            ok = self.dtype_ok[dtype] = dtype_in_family(dtype, self.dtypes)
            if ok:
                self.accepted_dtypes.add(dtype)
        return ok

    def __repr__(self) -> str:
        return f"<ArrayContract {self.text}>"

    @property
    def text(self) -> str:
        """The annotation as the user would write it: `Float[Tensor, "b h"]`."""
        return f'{self.dtype_family}[{_type_name(self.annotation.array_type)}, "{self.spec}"]'


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def dtype_name(dtype: Any) -> str:
    """The dtype's name as jaxtyping spells it: numpy's scalar type name, torch's repr tail."""
    scalar_type = getattr(dtype, "type", None)
    if scalar_type is not None and hasattr(scalar_type, "__name__"):
        name: str = scalar_type.__name__
        if name == "void" and getattr(dtype, "names", None):
            return str(dtype)
        return name
    if isinstance(dtype, str):
        return dtype
    return repr(dtype).rsplit(".", 1)[-1]


def dtype_in_family(dtype: Any, dtypes: Any) -> bool:
    if not isinstance(dtypes, tuple):  # jaxtyping's "any dtype" sentinel (Shaped)
        return True
    name = dtype_name(dtype)
    for wanted in dtypes:
        if isinstance(wanted, re.Pattern):
            if wanted.match(name):
                return True
        elif wanted == name:
            return True
    return False


def lower(spec: ShapeSpec) -> tuple[Step, ...]:
    """Steps in the order `match` runs them: plain dims first, expressions last.

    Expressions go after the dims that bind their names, so `"n+1 n"` works as well as
    `"n n+1"`. Dims after a variadic use negative axes: they count from the end.
    """
    dims = spec.dims
    vi = spec.variadic_index
    plain: list[Step] = []
    exprs: list[Step] = []
    for i, dim in enumerate(dims):
        axis = i if vi is None or i < vi else i - len(dims)
        step = _lower_dim(dim, axis, i, vi, len(dims))
        if step is None:
            continue
        (exprs if step[1] in (EXPR, EXPR_B) else plain).append(step)
    return tuple(plain + exprs)


def _lower_dim(dim: Dim, axis: int, index: int, vi: int | None, ndims: int) -> Step | None:
    if isinstance(dim, FixedDim):
        return (axis, FIXED_B if dim.broadcast else FIXED, dim.size)
    if isinstance(dim, NamedDim):
        return (axis, NAMED_B if dim.broadcast else NAMED, dim.name)
    if isinstance(dim, ExprDim):
        return (axis, EXPR_B if dim.broadcast else EXPR, dim.expr)
    if isinstance(dim, VariadicDim):
        if dim.name is None:
            return None
        # payload: (name, number of dims after the variadic)
        return (index, VARIADIC_B if dim.broadcast else VARIADIC, (dim.name, ndims - index - 1))
    assert isinstance(dim, AnyDim)
    return None


def match(steps: tuple[Step, ...], shape: Any, bindings: dict[str, Any]) -> int:
    """Check `shape` against `steps`, binding names into `bindings`.

    Returns -1 on success, else the index of the failing step. The rank has been checked.
    Sizes are read one axis at a time: slicing a torch.Size builds a new one and costs more
    than the whole check of a small spec.
    """
    for n, (axis, kind, payload) in enumerate(steps):
        if kind == NAMED:
            size = shape[axis]
            if bindings.setdefault(payload, size) != size:
                return n
        elif kind == FIXED:
            if shape[axis] != payload:
                return n
        elif kind == VARIADIC:
            name, after = payload
            sizes = tuple(shape[axis : len(shape) - after])
            if bindings.setdefault(name, sizes) != sizes:
                return n
        elif kind in (EXPR, EXPR_B):
            size = shape[axis]
            if kind == EXPR_B and size == 1:
                continue
            try:
                want = evaluate(payload, bindings)
            except ZeroDivisionError:
                return n
            if want is not None and want != size:
                return n
        elif kind == NAMED_B:
            size = shape[axis]
            if size != 1 and bindings.setdefault(payload, size) != size:
                return n
        elif kind == FIXED_B:
            size = shape[axis]
            if size != 1 and size != payload:
                return n
        else:  # VARIADIC_B
            name, after = payload
            sizes = tuple(shape[axis : len(shape) - after])
            bound = bindings.get(name)
            if bound is None:
                bindings[name] = sizes
            else:
                merged = broadcast_sizes(bound, sizes)
                if merged is None:
                    return n
                bindings[name] = merged
    return -1


def broadcast_sizes(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """numpy's broadcasting of two shapes, or None when they do not broadcast."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def bound_names(steps: tuple[Step, ...]) -> frozenset[str]:
    """Names that a successful match of `steps` binds (broadcast dims may not bind)."""
    names = set()
    for _axis, kind, payload in steps:
        if kind == NAMED:
            names.add(payload)
        elif kind == VARIADIC:
            names.add(payload[0])
    return frozenset(names)


def referenced_names(steps: tuple[Step, ...]) -> frozenset[str]:
    """Names that expressions among `steps` need bound."""
    out: frozenset[str] = frozenset()
    for _axis, kind, payload in steps:
        if kind in (EXPR, EXPR_B):
            out |= expr_names(payload)
    return out
