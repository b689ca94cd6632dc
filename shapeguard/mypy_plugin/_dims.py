"""Static reasoning over shapes, on the same tree the parser builds.

A shape the plugin knows about a value is a `ShapeSpec` read as a description of that value:
`FixedDim` is a known size, `NamedDim` a symbol of the scope that declared it, `ExprDim` a
symbolic size, `AnyDim` (and any `#` dim) unknown, `VariadicDim` with a name a symbolic run of
dims, anonymous `VariadicDim` an unknown run. Helpers here only ever answer "same", "different"
or "don't know"; only "different" leads to an error.
"""

from __future__ import annotations

from collections.abc import Sequence

from shapeguard._spec import (
    AnyDim,
    BinOp,
    Const,
    Dim,
    Expr,
    ExprDim,
    FixedDim,
    NamedDim,
    Ref,
    ShapeSpec,
    VariadicDim,
)

UNKNOWN = AnyDim()
UNKNOWN_RUN = VariadicDim(None)
UNKNOWN_SHAPE = ShapeSpec((UNKNOWN_RUN,))


def split(spec: ShapeSpec) -> tuple[tuple[Dim, ...], VariadicDim | None, tuple[Dim, ...]]:
    """(dims before the variadic, the variadic or None, dims after it)."""
    index = spec.variadic_index
    if index is None:
        return spec.dims, None, ()
    var = spec.dims[index]
    assert isinstance(var, VariadicDim)
    return spec.dims[:index], var, spec.dims[index + 1 :]


def rank(spec: ShapeSpec) -> int | None:
    """The exact rank, or None when a variadic makes it unknown."""
    return None if spec.variadic_index is not None else len(spec.dims)


def fold(expr: Expr) -> Expr:
    """Constant-fold an expression tree (and drop `*1`, `+0`)."""
    if not isinstance(expr, BinOp):
        return expr
    left, right = fold(expr.left), fold(expr.right)
    if isinstance(left, Const) and isinstance(right, Const):
        if expr.op == "+":
            return Const(left.value + right.value)
        if expr.op == "-" and left.value >= right.value:
            return Const(left.value - right.value)
        if expr.op == "*":
            return Const(left.value * right.value)
        if expr.op == "//" and right.value != 0:
            return Const(left.value // right.value)
    if expr.op == "*":
        if isinstance(left, Const) and left.value == 1:
            return right
        if isinstance(right, Const) and right.value == 1:
            return left
    if expr.op in ("+", "-") and isinstance(right, Const) and right.value == 0:
        return left
    return BinOp(expr.op, left, right)


def dim_of_expr(expr: Expr) -> Dim:
    """An expression as a dim: a constant becomes a `FixedDim`, a name a `NamedDim`."""
    expr = fold(expr)
    if isinstance(expr, Const):
        return FixedDim(expr.value) if expr.value >= 0 else UNKNOWN
    if isinstance(expr, Ref):
        return NamedDim(expr.name)
    return ExprDim(expr)


def expr_of_dim(dim: Dim) -> Expr | None:
    """The size of a dim as an expression, or None when unknown."""
    if isinstance(dim, FixedDim) and not dim.broadcast:
        return Const(dim.size)
    if isinstance(dim, NamedDim) and not dim.broadcast:
        return Ref(dim.name)
    if isinstance(dim, ExprDim) and not dim.broadcast:
        return dim.expr
    return None


def _monomial(expr: Expr) -> tuple[int, tuple[str, ...]] | None:
    """`2*h*w` as (2, ("h", "w")); None if the expression is not a product of terms."""
    if isinstance(expr, Const):
        return expr.value, ()
    if isinstance(expr, Ref):
        return 1, (expr.name,)
    if isinstance(expr, BinOp) and expr.op == "*":
        left, right = _monomial(expr.left), _monomial(expr.right)
        if left is None or right is None:
            return None
        return left[0] * right[0], tuple(sorted(left[1] + right[1]))
    return None


def _canonical(expr: Expr) -> object:
    mono = _monomial(fold(expr))
    return mono if mono is not None else str(fold(expr))


def same(a: Dim, b: Dim, *, symbols: bool = True) -> bool | None:
    """Are two known dims the same size? True, False (definitely not) or None (unknown).

    With `symbols`, two different names are a definite conflict (they are independent dims
    of the declaring scope); without it only two different integers are.
    """
    if isinstance(a, FixedDim) and isinstance(b, FixedDim):
        if a.broadcast or b.broadcast:
            return None
        return a.size == b.size
    ea, eb = expr_of_dim(a), expr_of_dim(b)
    if ea is None or eb is None:
        return None
    if _canonical(ea) == _canonical(eb):
        return True
    if symbols and isinstance(a, NamedDim) and isinstance(b, NamedDim):
        return False
    return None


def product(dims: Sequence[Dim]) -> Dim:
    """The product of dims (for view/flatten); unknown if any factor is unknown."""
    total: Expr = Const(1)
    for dim in dims:
        expr = expr_of_dim(dim)
        if expr is None:
            return UNKNOWN
        total = BinOp("*", total, expr)
    return dim_of_expr(total)


def divide(total: Dim, dims: Sequence[Dim]) -> Dim:
    """`total / prod(dims)` when it simplifies to a product of terms; unknown otherwise."""
    num_expr = expr_of_dim(total)
    if num_expr is None:
        return UNKNOWN
    num = _monomial(fold(num_expr))
    den_dim = product(dims)
    den_expr = expr_of_dim(den_dim)
    if num is None or den_expr is None:
        return UNKNOWN
    den = _monomial(fold(den_expr))
    if den is None or den[0] == 0 or num[0] % den[0] != 0:
        return UNKNOWN
    names = list(num[1])
    for name in den[1]:
        if name not in names:
            return UNKNOWN
        names.remove(name)
    out: Expr = Const(num[0] // den[0])
    # Keep the numerator's order of names for readable output.
    ordered = _names_in_order(num_expr)
    for name in ordered:
        if name in names:
            names.remove(name)
            out = BinOp("*", out, Ref(name))
    return dim_of_expr(out)


def _names_in_order(expr: Expr) -> list[str]:
    if isinstance(expr, Ref):
        return [expr.name]
    if isinstance(expr, BinOp):
        return _names_in_order(expr.left) + _names_in_order(expr.right)
    return []


def plain(dim: Dim) -> Dim:
    """A dim as a description of a value: `#` dims are unknown, labels kept."""
    if isinstance(dim, (NamedDim, ExprDim)) and dim.broadcast:
        return UNKNOWN
    if isinstance(dim, FixedDim) and dim.broadcast:
        return UNKNOWN
    if isinstance(dim, VariadicDim) and dim.broadcast:
        return UNKNOWN_RUN
    return dim


def make(dims: Sequence[Dim]) -> ShapeSpec:
    """A spec from dims, keeping at most one variadic (an extra one makes all unknown)."""
    if sum(1 for d in dims if isinstance(d, VariadicDim)) > 1:
        return UNKNOWN_SHAPE
    return ShapeSpec(tuple(dims))


def fixed_sizes(spec: ShapeSpec) -> list[int] | None:
    """All sizes when every dim is a known int."""
    out: list[int] = []
    for dim in spec.dims:
        if not isinstance(dim, FixedDim) or dim.broadcast:
            return None
        out.append(dim.size)
    return out


def resolve_index(spec: ShapeSpec, index: int) -> int | None:
    """Position in `spec.dims` of tensor dim `index` (negative allowed), None if unknown."""
    before, var, after = split(spec)
    if var is None:
        n = len(before)
        if -n <= index < n:
            return index % n
        return None
    if 0 <= index < len(before):
        return index
    if -len(after) <= index < 0:
        return len(spec.dims) + index
    return None


def is_unit(dim: Dim) -> bool | None:
    if isinstance(dim, FixedDim) and not dim.broadcast:
        return dim.size == 1
    return None


def broadcast_shapes(a: ShapeSpec, b: ShapeSpec) -> tuple[ShapeSpec, tuple[int, Dim, Dim] | None]:
    """Broadcast two shapes: (result, first definite conflict as (-k, dim_a, dim_b) or None)."""
    ab, av, aa = split(a)
    bb, bv, ba = split(b)
    a_tail = aa if av is not None else ab
    b_tail = ba if bv is not None else bb
    k = min(len(a_tail), len(b_tail))
    conflict: tuple[int, Dim, Dim] | None = None
    tail: list[Dim] = []
    for i in range(1, k + 1):
        da, db = plain(a_tail[-i]), plain(b_tail[-i])
        tail.append(_broadcast_dim(da, db))
        if (
            conflict is None
            and isinstance(da, FixedDim)
            and isinstance(db, FixedDim)
            and da.size != db.size
            and 1 not in (da.size, db.size)
        ):
            conflict = (-i, da, db)
    tail.reverse()
    if av is None and bv is None:
        longer = ab if len(ab) >= len(bb) else bb
        head = list(longer[: len(longer) - k])
        return make(head + tail), conflict
    if str(a) == str(b):
        return a, conflict
    if bv is None and av is not None and len(bb) <= len(aa):
        return make([*ab, av, *aa[: len(aa) - k], *tail]), conflict
    if av is None and bv is not None and len(ab) <= len(ba):
        return make([*bb, bv, *ba[: len(ba) - k], *tail]), conflict
    return make([UNKNOWN_RUN, *tail]), conflict


def _broadcast_dim(a: Dim, b: Dim) -> Dim:
    if is_unit(a):
        return b
    if is_unit(b):
        return a
    # A known size other than 1 is the result whenever the program runs at all.
    if isinstance(a, FixedDim) and not a.broadcast:
        return a
    if isinstance(b, FixedDim) and not b.broadcast:
        return b
    if same(a, b, symbols=False):
        return a
    return UNKNOWN
