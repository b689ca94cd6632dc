"""Shape rules for library operations that a contract-language stub cannot express.

One table per kind, keyed by fullname (functions) or method name (Tensor methods). A rule
takes the `Call` and returns what it knows about the result (or None: unknown). It reports
only definite conflicts. Anything not in a table (and not in `typings/`) is unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import (
    EllipsisExpr,
    Expression,
    IndexExpr,
    MemberExpr,
    NameExpr,
    SliceExpr,
    StrExpr,
    TupleExpr,
)
from mypy.types import Instance, get_proper_type

from shapeguard._spec import AnyDim, Dim, FixedDim, ShapeSpec

from ._calls import Call
from ._dims import (
    UNKNOWN,
    broadcast_shapes,
    divide,
    fixed_sizes,
    is_unit,
    make,
    plain,
    product,
    rank,
    resolve_index,
    same,
    split,
)
from ._types import Shaped, is_bool_family, is_float_family, is_integer_family, pair_result

TENSOR = "torch._tensor.Tensor"

Rule = Callable[[Call], "Shaped | None"]

# -- dtypes ------------------------------------------------------------------------------

_DTYPES: dict[str, str] = {
    "float32": "Float32", "float": "Float32", "float64": "Float64", "double": "Float64",
    "float16": "Float16", "half": "Float16", "bfloat16": "BFloat16",
    "int64": "Int64", "long": "Int64", "int32": "Int32", "int": "Int32", "int16": "Int16",
    "short": "Int16", "int8": "Int8", "uint8": "UInt8", "bool": "Bool",
    "complex64": "Complex64", "cfloat": "Complex64", "complex128": "Complex128",
    "cdouble": "Complex128",
}
_NUMPY_DTYPES: dict[str, str] = {
    "float32": "Float32", "float64": "Float64", "float16": "Float16", "int64": "Int64",
    "int32": "Int32", "int16": "Int16", "int8": "Int8", "uint8": "UInt8", "bool": "Bool",
    "bool_": "Bool", "complex64": "Complex64", "complex128": "Complex128",
}
_BUILTIN_DTYPES = {"float": "Float64", "int": "Int64", "bool": "Bool", "complex": "Complex128"}


def dtype_family(expr: Expression | None) -> str | None:
    """`torch.float32`, `np.int64`, `float`, `"float32"` as a family name; None if unknown."""
    if isinstance(expr, MemberExpr):
        fullname = expr.fullname or ""
        module, _, name = fullname.rpartition(".")
        root = module.split(".")[0]
        if root == "torch":
            return _DTYPES.get(name)
        if root == "numpy":
            return _NUMPY_DTYPES.get(name)
        return None
    if isinstance(expr, NameExpr):
        if expr.fullname and expr.fullname.startswith("builtins."):
            return _BUILTIN_DTYPES.get(expr.name)
        return None
    if isinstance(expr, StrExpr):
        return _NUMPY_DTYPES.get(expr.value)
    return None


# -- helpers -----------------------------------------------------------------------------


def _receiver(call: Call) -> tuple[str | None, ShapeSpec] | None:
    r = call.receiver
    if r is None or r.spec is None:
        return None
    return r.family, r.spec


def _keep_family(call: Call, spec: ShapeSpec | None) -> Shaped | None:
    family = call.receiver.family if call.receiver is not None else None
    if spec is None and family is None:
        return None
    return Shaped(family, spec)


def _size_args(call: Call, names: tuple[str, ...] = ("size",)) -> list[Expression] | None:
    for name in names:
        if name in call.kw:
            return call.int_list([call.kw[name]])
    return call.int_list(call.pos)


def _dims_from_sizes(call: Call, exprs: list[Expression]) -> list[Dim]:
    return [call.dim_value(e) for e in exprs]


# -- shape-preserving / dtype conversions -------------------------------------------------


def _same_shape(call: Call) -> Shaped | None:
    return call.receiver


def _convert(family: str) -> Rule:
    def rule(call: Call) -> Shaped | None:
        spec = call.receiver.spec if call.receiver is not None else None
        return Shaped(family, spec)

    return rule


def _to(call: Call) -> Shaped | None:
    """`.to(dtype)`, `.to(device)`, `.to(other)`, `.to(device, dtype)`, `.to(dtype=...)`."""
    r = call.receiver
    if r is None:
        return None
    if call.star:
        return Shaped(None, r.spec)
    candidates = [*call.pos, *([call.kw["dtype"]] if "dtype" in call.kw else [])]
    family: str | None = r.family
    for arg in candidates:
        known = dtype_family(arg.expr)
        if known is not None:
            family = known
            continue
        other = call.shaped(arg)
        if other is not None:
            family = other.family
            continue
        proper = get_proper_type(arg.type)
        if isinstance(proper, Instance) and proper.type.fullname in (
            "builtins.str", "torch.device", "builtins.int",
        ):
            continue
        family = None  # a dtype we cannot read
    return Shaped(family, r.spec)


# -- squeeze / unsqueeze / permute / transpose ------------------------------------------


def _squeeze(call: Call) -> Shaped | None:
    got = _receiver(call)
    if got is None:
        return _keep_family(call, None)
    _, spec = got
    dim_arg = call.get("dim", 0)
    if dim_arg is None:
        if call.pos or call.kw:
            return _keep_family(call, None)
        sizes = fixed_sizes(spec)
        if sizes is None:
            return _keep_family(call, None)
        return _keep_family(call, make([d for d in spec.dims if is_unit(d) is not True]))
    index = call.int_value(dim_arg)
    if index is None:
        return _keep_family(call, None)
    at = resolve_index(spec, index)
    if at is None:
        return _keep_family(call, None)
    dim = plain(spec.dims[at])
    unit = is_unit(dim)
    if unit is False:
        call.shape_error(
            f'dim {index} of "{spec}" has size {dim}, not 1: squeeze({index}) does nothing'
        )
        return _keep_family(call, spec)
    if unit is True:
        return _keep_family(call, make([d for i, d in enumerate(spec.dims) if i != at]))
    return _keep_family(call, None)


def _unsqueeze(call: Call) -> Shaped | None:
    got = _receiver(call)
    index = call.int_value(call.get("dim", 0))
    if got is None or index is None:
        return _keep_family(call, None)
    _, spec = got
    before, var, after = split(spec)
    n = rank(spec)
    one = FixedDim(1)
    dims = list(spec.dims)
    if n is not None:
        if not -n - 1 <= index <= n:
            call.shape_error(f'dim {index} is out of range for "{spec}" (rank {n})')
            return _keep_family(call, None)
        pos = index if index >= 0 else index + n + 1
        return _keep_family(call, make([*dims[:pos], one, *dims[pos:]]))
    if 0 <= index <= len(before):
        return _keep_family(call, make([*dims[:index], one, *dims[index:]]))
    if index < 0 and -index - 1 <= len(after):
        pos = len(dims) + index + 1
        return _keep_family(call, make([*dims[:pos], one, *dims[pos:]]))
    del var
    return _keep_family(call, None)


def _permute(call: Call) -> Shaped | None:
    got = _receiver(call)
    exprs = _size_args(call, ("dims",))
    if got is None or exprs is None:
        return _keep_family(call, None)
    _, spec = got
    order = [call.int_value(e) for e in exprs]
    n = rank(spec)
    if n is None or any(o is None for o in order):
        return _keep_family(call, None)
    if len(order) != n:
        call.shape_error(f'{len(order)} dims given for "{spec}" (rank {n})')
        return _keep_family(call, None)
    picked = [spec.dims[o % n] for o in order if o is not None and -n <= o < n]
    if len(picked) != n or len({o % n for o in order if o is not None}) != n:
        return _keep_family(call, None)
    return _keep_family(call, make(picked))


def _transpose(call: Call) -> Shaped | None:
    got = _receiver(call)
    a = call.int_value(call.get("dim0", 0))
    b = call.int_value(call.get("dim1", 1))
    if got is None or a is None or b is None:
        return _keep_family(call, None)
    _, spec = got
    ia, ib = resolve_index(spec, a), resolve_index(spec, b)
    if ia is None or ib is None:
        return _keep_family(call, None)
    dims = list(spec.dims)
    dims[ia], dims[ib] = dims[ib], dims[ia]
    return _keep_family(call, make(dims))


def _t_attr(shaped: Shaped) -> Shaped | None:
    if shaped.spec is None or rank(shaped.spec) is None:
        return Shaped(shaped.family, None)
    return Shaped(shaped.family, make(list(reversed(shaped.spec.dims))))


def _mt_attr(shaped: Shaped) -> Shaped | None:
    spec = shaped.spec
    if spec is None:
        return Shaped(shaped.family, None)
    _, _, after = split(spec)
    if rank(spec) is None and len(after) < 2:
        return Shaped(shaped.family, None)
    dims = list(spec.dims)
    if len(dims) < 2:
        return Shaped(shaped.family, None)
    dims[-1], dims[-2] = dims[-2], dims[-1]
    return Shaped(shaped.family, make(dims))


# -- view / reshape / flatten / expand / repeat ------------------------------------------


def _view(call: Call) -> Shaped | None:
    got = _receiver(call)
    if got is None:
        return _keep_family(call, None)
    if len(call.pos) == 1 and dtype_family(call.pos[0].expr) is not None:
        return None  # view(dtype)
    exprs = _size_args(call, ("size", "shape"))
    if exprs is None:
        return _keep_family(call, None)
    _, spec = got
    dims: list[Dim] = []
    infer_at: int | None = None
    for i, expr in enumerate(exprs):
        value = call.int_value(expr)
        if value == -1:
            if infer_at is not None:
                call.shape_error("only one dimension can be inferred (-1)")
                return _keep_family(call, None)
            infer_at = i
            dims.append(UNKNOWN)
        else:
            dims.append(call.dim_value(expr))
    total = product(spec.dims) if rank(spec) is not None else UNKNOWN
    if infer_at is not None:
        others = [d for i, d in enumerate(dims) if i != infer_at]
        inferred = divide(total, others) if not isinstance(total, AnyDim) else UNKNOWN
        t_sizes, o_sizes = fixed_sizes(make([total])), fixed_sizes(make(others))
        if t_sizes is not None and o_sizes is not None:
            den = 1
            for s in o_sizes:
                den *= s
            if den == 0 or t_sizes[0] % den != 0:
                call.shape_error(
                    f'cannot view "{spec}" ({t_sizes[0]} elements) as '
                    f'{_shape_text(dims, infer_at)}: {t_sizes[0]} is not a multiple of {den}'
                )
                return _keep_family(call, None)
        dims[infer_at] = inferred
    else:
        new_total = product(dims)
        verdict = same(total, new_total, symbols=False)
        if verdict is False:
            call.shape_error(
                f'cannot view "{spec}" ({total} elements) as "{make(dims)}" '
                f"({new_total} elements)"
            )
            return _keep_family(call, None)
    return _keep_family(call, make(dims))


def _shape_text(dims: list[Dim], infer_at: int) -> str:
    parts = ["-1" if i == infer_at else str(d) for i, d in enumerate(dims)]
    return f"({', '.join(parts)})"


def _flatten(call: Call) -> Shaped | None:
    got = _receiver(call)
    if got is None:
        return _keep_family(call, None)
    _, spec = got
    start = call.int_value(call.get("start_dim", 0)) if call.get("start_dim", 0) else 0
    end = call.int_value(call.get("end_dim", 1)) if call.get("end_dim", 1) else -1
    n = rank(spec)
    if start is None or end is None or n is None:
        return _keep_family(call, None)
    if n == 0:
        return _keep_family(call, make([FixedDim(1)]))
    s, e = start % n, end % n
    if s > e:
        return _keep_family(call, None)
    dims = list(spec.dims)
    return _keep_family(call, make([*dims[:s], product(dims[s : e + 1]), *dims[e + 1 :]]))


def _expand(call: Call) -> Shaped | None:
    got = _receiver(call)
    exprs = _size_args(call, ("size",))
    if got is None or exprs is None:
        return _keep_family(call, None)
    _, spec = got
    n = rank(spec)
    if n is None or len(exprs) < n:
        return _keep_family(call, None)
    lead = len(exprs) - n
    out: list[Dim] = []
    for i, expr in enumerate(exprs):
        value = call.int_value(expr)
        if i < lead:
            out.append(call.dim_value(expr))
            continue
        old = plain(spec.dims[i - lead])
        if value == -1:
            out.append(old)
            continue
        new = call.dim_value(expr)
        if isinstance(old, FixedDim) and old.size != 1 and same(old, new, symbols=False) is False:
            call.shape_error(
                f'cannot expand dim {i - lead} of "{spec}" (size {old.size}) to {new}; '
                "only size-1 dims expand"
            )
            return _keep_family(call, None)
        out.append(new)
    return _keep_family(call, make(out))


def _repeat(call: Call) -> Shaped | None:
    got = _receiver(call)
    exprs = _size_args(call, ("repeats",))
    if got is None or exprs is None:
        return _keep_family(call, None)
    _, spec = got
    n = rank(spec)
    if n is None or len(exprs) < n:
        return _keep_family(call, None)
    lead = len(exprs) - n
    out: list[Dim] = [call.dim_value(e) for e in exprs[:lead]]
    for i in range(n):
        out.append(product([plain(spec.dims[i]), call.dim_value(exprs[lead + i])]))
    return _keep_family(call, make(out))


# -- indexing ----------------------------------------------------------------------------


def _getitem(call: Call) -> Shaped | None:
    got = _receiver(call)
    if got is None or not call.pos:
        return None
    family, spec = got
    index = call.pos[0].expr
    items = list(index.items) if isinstance(index, TupleExpr) else [index]
    if sum(1 for it in items if isinstance(it, EllipsisExpr)) > 1:
        return None
    if not any(isinstance(it, EllipsisExpr) for it in items):
        items.append(EllipsisExpr())
    at = next(i for i, it in enumerate(items) if isinstance(it, EllipsisExpr))
    left, right = items[:at], items[at + 1 :]
    before, var, after = split(spec)
    consumed_left = sum(1 for it in left if not _is_none(it))
    consumed_right = sum(1 for it in right if not _is_none(it))
    dims = list(spec.dims)
    if var is None:
        if consumed_left + consumed_right > len(dims):
            call.shape_error(f'too many indices for "{spec}" (rank {len(dims)})')
            return None
        head = dims[:consumed_left]
        middle = dims[consumed_left : len(dims) - consumed_right]
        tail = dims[len(dims) - consumed_right :]
    else:
        if consumed_left > len(before) or consumed_right > len(after):
            return None
        head = dims[:consumed_left]
        tail = dims[len(dims) - consumed_right :] if consumed_right else []
        middle = dims[consumed_left : len(dims) - consumed_right]
    head_out = _index_part(call, head, left)
    tail_out = _index_part(call, tail, right)
    if head_out is None or tail_out is None:
        return Shaped(family, None)
    return Shaped(family, make([*head_out, *middle, *tail_out]))


def _is_none(expr: Expression) -> bool:
    return isinstance(expr, NameExpr) and expr.name == "None"


def _index_part(call: Call, dims: list[Dim], exprs: list[Expression]) -> list[Dim] | None:
    out: list[Dim] = []
    k = 0
    for expr in exprs:
        if _is_none(expr):
            out.append(FixedDim(1))
            continue
        dim = dims[k]
        k += 1
        if isinstance(expr, SliceExpr):
            out.append(_slice(call, dim, expr))
            continue
        value = call.int_value(expr)
        if value is not None:
            known = isinstance(dim, FixedDim) and not dim.broadcast
            if known and isinstance(dim, FixedDim) and not -dim.size <= value < dim.size:
                call.shape_error(f"index {value} is out of range for a dim of size {dim.size}")
            continue
        if call.is_int_expr(expr):
            continue
        return None  # tensor / list indexing: unknown
    return out


def _slice(call: Call, dim: Dim, expr: SliceExpr) -> Dim:
    if expr.begin_index is None and expr.end_index is None and expr.stride is None:
        return dim
    size = dim.size if isinstance(dim, FixedDim) and not dim.broadcast else None
    start = 0 if expr.begin_index is None else call.int_value(expr.begin_index)
    stop = size if expr.end_index is None else call.int_value(expr.end_index)
    step = 1 if expr.stride is None else call.int_value(expr.stride)
    if size is None or start is None or stop is None or step is None or step <= 0:
        if (
            size is None and expr.begin_index is None and expr.stride is None
            and stop is not None and stop >= 0
        ):
            return UNKNOWN
        return UNKNOWN
    return FixedDim(len(range(size)[slice(start, stop, step)]))


# -- reductions --------------------------------------------------------------------------


def _reduction(result_family: str | None = None, *, same_family: bool = True) -> Rule:
    def rule(call: Call) -> Shaped | None:
        got = _receiver(call) if call.receiver is not None else None
        first = 0
        if got is None and call.receiver is None and call.pos:
            shaped = call.shaped(call.pos[0])
            got = (shaped.family, shaped.spec) if shaped and shaped.spec is not None else None
            first = 1
        family = result_family
        if family is None and same_family:
            family = got[0] if got is not None else None
        if got is None:
            return Shaped(family, None) if family else None
        spec = got[1]
        dim_arg = call.get("dim", first)
        keep_arg = call.get("keepdim", first + 1)
        keep = False
        if keep_arg is not None:
            value = _bool_value(keep_arg.expr)
            if value is None:
                return Shaped(family, None)
            keep = value
        if dim_arg is None or call.is_none(dim_arg):
            return Shaped(family, ShapeSpec(()) if not keep else None)
        if isinstance(dim_arg.expr, TupleExpr):
            indices = [call.int_value(e) for e in dim_arg.expr.items]
        else:
            indices = [call.int_value(dim_arg)]
        positions: list[int] = []
        for index in indices:
            if index is None:
                return Shaped(family, None)
            at = resolve_index(spec, index)
            if at is None:
                return Shaped(family, None)
            positions.append(at)
        dims: list[Dim] = []
        for i, dim in enumerate(spec.dims):
            if i in positions:
                if keep:
                    dims.append(FixedDim(1))
            else:
                dims.append(dim)
        return Shaped(family, make(dims))

    return rule


def _bool_value(expr: Expression) -> bool | None:
    if isinstance(expr, NameExpr) and expr.fullname in ("builtins.True", "builtins.False"):
        return expr.fullname == "builtins.True"
    if isinstance(expr, NameExpr) and expr.name in ("True", "False"):
        return expr.name == "True"
    return None


def _max(call: Call) -> Shaped | None:
    """`max` / `min`, method or function. `max()` is a scalar; `max(other)` broadcasts;
    `max(dim, keepdim)` returns a (values, indices) named tuple: the reduced shape is for
    its values, and `Call.result` gives it (as Int64) to the indices too."""
    if pair_result(call.ctx.default_return_type) is not None:  # the overload mypy picked
        return _reduction()(call)
    if call.receiver is not None and not call.pos and not call.kw:
        return Shaped(call.receiver.family, ShapeSpec(()))
    if call.receiver is None:
        if len(call.pos) == 1 and not call.kw:
            shaped = call.shaped(call.pos[0])
            return Shaped(shaped.family, ShapeSpec(())) if shaped is not None else None
        return None
    if call.pos and call.shaped(call.pos[0]) is not None:
        return _binary(call)
    return None


# -- arithmetic --------------------------------------------------------------------------


def _binary(call: Call, *, comparison: bool = False) -> Shaped | None:
    left = call.receiver
    right_arg = call.get("other", 0)
    if left is None or right_arg is None:
        return None
    right = call.shaped(right_arg)
    proper = get_proper_type(right_arg.type)
    scalar = isinstance(proper, Instance) and proper.type.fullname in (
        "builtins.int", "builtins.float", "builtins.bool", "builtins.complex",
    )
    if right is None and not scalar:
        return None
    if right is None:
        assert isinstance(proper, Instance)
        family = left.family
        if proper.type.fullname == "builtins.float" and not is_float_family(left.family):
            family = None if left.family is None else (
                "Float" if is_integer_family(left.family) or is_bool_family(left.family) else None
            )
        return Shaped("Bool" if comparison else family, left.spec)
    spec: ShapeSpec | None = None
    if left.spec is not None and right.spec is not None:
        spec, conflict = broadcast_shapes(left.spec, right.spec)
        if conflict is not None:
            k, da, db = conflict
            call.shape_error(
                f'shapes "{left.spec}" and "{right.spec}" cannot broadcast: '
                f"dim {k} is {da} vs {db}"
            )
            return None
    if comparison:
        return Shaped("Bool", spec)
    family = left.family if left.family == right.family else None
    if family is None and (is_float_family(left.family) or is_float_family(right.family)):
        family = "Float"
    return Shaped(family, spec)


def _comparison(call: Call) -> Shaped | None:
    return _binary(call, comparison=True)


def _matmul_shapes(call: Call, a: Shaped, b: Shaped) -> Shaped | None:
    family = a.family if a.family == b.family else None
    if a.spec is None or b.spec is None:
        return Shaped(family, None)
    sa, sb = a.spec, b.spec
    ra, rb = rank(sa), rank(sb)
    _, av, aa = split(sa)
    _, bv, ba = split(sb)
    a_tail = aa if av is not None else sa.dims
    b_tail = ba if bv is not None else sb.dims
    if ra == 1 and rb == 1:
        _check_inner(call, sa, sb, sa.dims[0], sb.dims[0])
        return Shaped(family, ShapeSpec(()))
    if len(a_tail) < 1 or len(b_tail) < (1 if rb == 1 else 2):
        return Shaped(family, None)
    k_a = a_tail[-1]
    k_b = b_tail[0] if rb == 1 else b_tail[-2]
    if not _check_inner(call, sa, sb, k_a, k_b):
        return None
    if rb == 1:
        return Shaped(family, make(list(sa.dims[:-1])))
    if ra == 1:
        return Shaped(family, make([*sb.dims[:-2], sb.dims[-1]]))
    if len(a_tail) < 2:
        return Shaped(family, None)
    batch_a = make(list(sa.dims[:-2]))
    batch_b = make(list(sb.dims[:-2]))
    batch, conflict = broadcast_shapes(batch_a, batch_b)
    if conflict is not None:
        call.shape_error(f'batch dims of "{sa}" and "{sb}" cannot broadcast')
        return None
    return Shaped(family, make([*batch.dims, sa.dims[-2], sb.dims[-1]]))


def _check_inner(call: Call, sa: ShapeSpec, sb: ShapeSpec, ka: Dim, kb: Dim) -> bool:
    if same(plain(ka), plain(kb), symbols=False) is False:
        call.shape_error(f'inner dims differ: "{sa}" @ "{sb}" ({ka} vs {kb})')
        return False
    return True


def _matmul_method(call: Call) -> Shaped | None:
    other = call.shaped(call.get("other", 0))
    if call.receiver is None or other is None:
        return None
    return _matmul_shapes(call, call.receiver, other)


def _rmatmul_method(call: Call) -> Shaped | None:
    other = call.shaped(call.get("other", 0))
    if call.receiver is None or other is None:
        return None
    return _matmul_shapes(call, other, call.receiver)


def _matmul_function(call: Call) -> Shaped | None:
    a, b = call.shaped(call.get("input", 0)), call.shaped(call.get("other", 1))
    if a is None or b is None:
        return None
    return _matmul_shapes(call, a, b)


# -- cat / stack -------------------------------------------------------------------------


def _tensors(call: Call) -> list[Shaped] | None:
    arg = call.get("tensors", 0)
    if arg is None:
        return None
    expr = arg.expr
    if not isinstance(expr, (TupleExpr,)) and not hasattr(expr, "items"):
        return None
    items = getattr(expr, "items", None)
    if not isinstance(items, list) or not items:
        return None
    out: list[Shaped] = []
    for item in items:
        if not isinstance(item, Expression):
            return None
        shaped = call.shaped_expr(item)
        if shaped is None or shaped.spec is None or rank(shaped.spec) is None:
            return None
        out.append(shaped)
    return out


def _cat(call: Call) -> Shaped | None:
    parts = _tensors(call)
    dim = call.int_value(call.get("dim", 1)) if call.get("dim", 1) is not None else 0
    if parts is None or dim is None:
        return None
    first = parts[0].spec
    assert first is not None
    n = len(first.dims)
    if not -n <= dim < n:
        return None
    at = dim % n
    out = list(first.dims)
    pieces: list[Dim] = [first.dims[at]]
    for part in parts[1:]:
        spec = part.spec
        assert spec is not None
        if len(spec.dims) != n:
            call.shape_error(f'tensors of rank {n} and {len(spec.dims)} ("{first}", "{spec}")')
            return None
        for i in range(n):
            if i == at:
                continue
            if same(plain(out[i]), plain(spec.dims[i]), symbols=False) is False:
                call.shape_error(
                    f'"{first}" and "{spec}" differ in dim {i} ({out[i]} vs {spec.dims[i]}); '
                    f"only dim {dim} may differ"
                )
                return None
        pieces.append(spec.dims[at])
    out[at] = _sum_dims(pieces)
    families = {p.family for p in parts}
    return Shaped(families.pop() if len(families) == 1 else None, make(out))


def _sum_dims(dims: list[Dim]) -> Dim:
    from shapeguard._spec import BinOp

    from ._dims import dim_of_expr, expr_of_dim

    total = None
    for dim in dims:
        expr = expr_of_dim(plain(dim))
        if expr is None:
            return UNKNOWN
        total = expr if total is None else BinOp("+", total, expr)
    return dim_of_expr(total) if total is not None else UNKNOWN


def _stack(call: Call) -> Shaped | None:
    parts = _tensors(call)
    dim = call.int_value(call.get("dim", 1)) if call.get("dim", 1) is not None else 0
    if parts is None or dim is None:
        return None
    first = parts[0].spec
    assert first is not None
    for part in parts[1:]:
        spec = part.spec
        assert spec is not None
        if len(spec.dims) != len(first.dims):
            call.shape_error(f'all tensors must have the same shape: "{first}" vs "{spec}"')
            return None
        for i, (x, y) in enumerate(zip(first.dims, spec.dims, strict=False)):
            if same(plain(x), plain(y), symbols=False) is False:
                call.shape_error(
                    f'all tensors must have the same shape: "{first}" vs "{spec}" (dim {i})'
                )
                return None
    n = len(first.dims)
    if not -n - 1 <= dim <= n:
        return None
    at = dim if dim >= 0 else dim + n + 1
    dims = list(first.dims)
    families = {p.family for p in parts}
    return Shaped(
        families.pop() if len(families) == 1 else None,
        make([*dims[:at], FixedDim(len(parts)), *dims[at:]]),
    )


# -- factories ---------------------------------------------------------------------------


def _factory(default_family: str | None, *, numpy: bool = False) -> Rule:
    def rule(call: Call) -> Shaped | None:
        family = default_family
        dtype = call.kw.get("dtype")
        if dtype is not None:
            family = dtype_family(dtype.expr)
        exprs: list[Expression] | None
        if numpy:
            shape = call.get("shape", 0)
            exprs = call.int_list([shape]) if shape is not None else None
            if shape is not None and not isinstance(shape.expr, TupleExpr) and (
                call.int_value(shape) is None
            ):
                exprs = None  # np.zeros(n) with n unknown, or np.zeros(some_tuple)
        else:
            exprs = _size_args(call, ("size",))
        if exprs is None:
            return Shaped(family, None) if family else None
        return Shaped(family, make(_dims_from_sizes(call, exprs)))

    return rule


def _full(*, numpy: bool = False) -> Rule:
    def rule(call: Call) -> Shaped | None:
        size = call.get("shape" if numpy else "size", 0)
        fill = call.get("fill_value", 1)
        family: str | None = None
        dtype = call.kw.get("dtype")
        if dtype is not None:
            family = dtype_family(dtype.expr)
        elif fill is not None:
            proper = get_proper_type(fill.type)
            if isinstance(proper, Instance):
                family = {
                    "builtins.float": "Float", "builtins.int": "Int", "builtins.bool": "Bool",
                }.get(proper.type.fullname)
        if size is None:
            return Shaped(family, None) if family else None
        exprs = call.int_list([size])
        if exprs is None:
            return Shaped(family, None) if family else None
        return Shaped(family, make(_dims_from_sizes(call, exprs)))

    return rule


def _randint(call: Call) -> Shaped | None:
    size = call.kw.get("size")
    if size is None:
        for arg in call.pos:
            if isinstance(arg.expr, TupleExpr) or (
                hasattr(arg.expr, "items") and not isinstance(arg.expr, IndexExpr)
            ):
                size = arg
                break
    family = "Int64"
    dtype = call.kw.get("dtype")
    if dtype is not None:
        family = dtype_family(dtype.expr) or "Int64"
    if size is None:
        return Shaped(family, None)
    exprs = call.int_list([size])
    if exprs is None:
        return Shaped(family, None)
    return Shaped(family, make(_dims_from_sizes(call, exprs)))


def _like(default_family: str | None = None) -> Rule:
    def rule(call: Call) -> Shaped | None:
        source = call.shaped(call.get("input", 0))
        family = source.family if source is not None else None
        if default_family is not None:
            family = default_family
        dtype = call.kw.get("dtype")
        if dtype is not None:
            family = dtype_family(dtype.expr)
        spec = source.spec if source is not None else None
        if spec is None and family is None:
            return None
        return Shaped(family, spec)

    return rule


# -- torch.nn.functional -----------------------------------------------------------------


def _reduction_mode(call: Call) -> str:
    arg = call.kw.get("reduction")
    if arg is None:
        return "mean"
    value = call.literal_str(arg)
    return value if value is not None else "?"


def _class_loss(*, allow_probabilities: bool) -> Rule:
    """cross_entropy / nll_loss: input (N, C, d...) or (C,); target (N, d...) class indices
    of an integer dtype, or (cross_entropy only) probabilities with the input's shape."""

    def rule(call: Call) -> Shaped | None:
        inp = call.shaped(call.get("input", 0))
        tgt = call.shaped(call.get("target", 1))
        mode = _reduction_mode(call)
        scalar = Shaped("Float", ShapeSpec(()))
        out = scalar if mode in ("mean", "sum") else None
        if inp is None or tgt is None or inp.spec is None or tgt.spec is None:
            if tgt is not None and inp is not None:
                _class_dtype(call, tgt, inp, allow_probabilities, probabilities=None)
            return out
        si, st = inp.spec, tgt.spec
        ri, rt = rank(si), rank(st)
        if ri is None or rt is None:
            return out
        if allow_probabilities and rt == ri and not is_integer_family(tgt.family):
            for i, (x, y) in enumerate(zip(si.dims, st.dims, strict=False)):
                if same(plain(x), plain(y), symbols=False) is False:
                    call.shape_error(
                        f'target "{st}" (probabilities) must have the input\'s shape "{si}": '
                        f"dim {i} is {y} vs {x}"
                    )
                    return out
            _class_dtype(call, tgt, inp, allow_probabilities, probabilities=True)
            if mode == "none":
                per_item = make([si.dims[0], *si.dims[2:]]) if ri > 1 else ShapeSpec(())
                return Shaped(inp.family, per_item)
            return out
        expected = [si.dims[0], *si.dims[2:]] if ri >= 2 else []
        if rt != len(expected):
            hint = ""
            if ri >= 2 and rt == ri - 1:
                hint = ""
            elif rt == 1 and ri > 2:
                hint = "; flatten both: input.reshape(-1, C) and target.reshape(-1)"
            call.shape_error(
                f'target "{st}" has rank {rt}; for input "{si}" (N, C, d...) class-index '
                f'targets have shape "{make(expected)}" (rank {len(expected)}){hint}'
            )
            return out
        for i, (x, y) in enumerate(zip(expected, st.dims, strict=False)):
            if same(plain(x), plain(y), symbols=False) is False:
                hint = ""
                if ri >= 3 and i >= 1:
                    hint = (
                        "; input is read as channels-first (N, C, d...): for channels-last "
                        "logits use logits.permute(0, -1, *range(1, ndim-1)) or "
                        "movedim(-1, 1)"
                    )
                call.shape_error(
                    f'target "{st}" does not match input "{si}": target dim {i} is {y}, '
                    f'input gives {x} (target shape must be "{make(expected)}"){hint}'
                )
                return out
        _class_dtype(call, tgt, inp, allow_probabilities, probabilities=False)
        if mode == "none":
            return Shaped(inp.family, make(expected))
        return out

    return rule


def _class_dtype(
    call: Call, tgt: Shaped, inp: Shaped, allow_probabilities: bool, *, probabilities: bool | None
) -> None:
    if probabilities is False and (is_float_family(tgt.family) or is_bool_family(tgt.family)):
        call.dtype_error(
            f"class-index target has dtype {tgt.family}; expected an integer dtype (Int64): "
            "use target.long()"
        )
    elif probabilities is True and (is_bool_family(tgt.family)):
        call.dtype_error(f"probability target has dtype {tgt.family}; expected Float")
    if inp.family is not None and (is_integer_family(inp.family) or is_bool_family(inp.family)):
        call.dtype_error(f"input has dtype {inp.family}; expected Float logits")


def _interpolate(call: Call) -> Shaped | None:
    src = call.shaped(call.get("input", 0))
    size = call.get("size", 1)
    if src is None or src.spec is None:
        return None
    spec = src.spec
    n = rank(spec)
    if size is None or call.is_none(size) or n is None or n < 3:
        return Shaped(src.family, None)
    if isinstance(size.expr, TupleExpr) or hasattr(size.expr, "items"):
        exprs = call.int_list([size])
        if exprs is None:
            return Shaped(src.family, None)
        if len(exprs) != n - 2:
            call.shape_error(
                f'size has {len(exprs)} values; input "{spec}" (N, C, d...) has '
                f"{n - 2} spatial dims"
            )
            return None
        spatial = _dims_from_sizes(call, exprs)
    else:
        spatial = [call.dim_value(size.expr)] * (n - 2)
    return Shaped(src.family, make([spec.dims[0], spec.dims[1], *spatial]))


# -- tables ------------------------------------------------------------------------------

_CONVERSIONS = {
    "float": "Float32", "double": "Float64", "half": "Float16", "bfloat16": "BFloat16",
    "long": "Int64", "int": "Int32", "short": "Int16", "char": "Int8", "byte": "UInt8",
    "bool": "Bool",
}

TENSOR_RULES: dict[str, Rule] = {
    **{name: _convert(family) for name, family in _CONVERSIONS.items()},
    "to": _to,
    "squeeze": _squeeze,
    "unsqueeze": _unsqueeze,
    "permute": _permute,
    "transpose": _transpose,
    "view": _view,
    "reshape": _view,
    "flatten": _flatten,
    "expand": _expand,
    "repeat": _repeat,
    "__getitem__": _getitem,
    "sum": _reduction(),
    "mean": _reduction(),
    "prod": _reduction(),
    "amax": _reduction(),
    "amin": _reduction(),
    "logsumexp": _reduction(),
    "argmax": _reduction("Int64"),
    "argmin": _reduction("Int64"),
    "any": _reduction("Bool"),
    "all": _reduction("Bool"),
    "max": _max,
    "min": _max,
    "matmul": _matmul_method,
    "__matmul__": _matmul_method,
    "__rmatmul__": _rmatmul_method,
    **{
        f"__{op}__": _binary
        for op in (
            "add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "floordiv",
            "rfloordiv", "pow", "rpow", "mod", "and", "rand", "or", "ror", "xor", "rxor",
        )
    },
    **{f"__{op}__": _comparison for op in ("lt", "le", "gt", "ge", "eq", "ne")},
    "add": _binary,
    "sub": _binary,
    "mul": _binary,
    "div": _binary,
    "contiguous": _same_shape,
    "detach": _same_shape,
    "clone": _same_shape,
    "cpu": _same_shape,
    "cuda": _same_shape,
    "requires_grad_": _same_shape,
}

TENSOR_ATTRIBUTES: dict[str, Callable[[Shaped], Shaped | None]] = {
    "T": _t_attr,
    "mT": _mt_attr,
}

FUNCTION_RULES: dict[str, Rule] = {
    # factories
    **{f"torch._C._VariableFunctions.{name}": _factory("Float") for name in (
        "zeros", "ones", "empty", "rand", "randn",
    )},
    **{f"torch.{name}": _factory("Float") for name in ("zeros", "ones", "empty", "rand", "randn")},
    "torch._C._VariableFunctions.full": _full(),
    "torch.full": _full(),
    "torch._C._VariableFunctions.randint": _randint,
    "torch.randint": _randint,
    **{f"torch._C._VariableFunctions.{name}_like": _like() for name in (
        "zeros", "ones", "empty", "full", "rand", "randn",
    )},
    **{
        f"torch.{name}_like": _like()
        for name in ("zeros", "ones", "empty", "full", "rand", "randn")
    },
    "torch._C._VariableFunctions.randint_like": _like(),

    # combinators
    "torch._C._VariableFunctions.cat": _cat,
    "torch._C._VariableFunctions.concat": _cat,
    "torch._C._VariableFunctions.concatenate": _cat,
    "torch._C._VariableFunctions.stack": _stack,
    "torch._C._VariableFunctions.matmul": _matmul_function,
    "torch.cat": _cat,
    "torch.stack": _stack,
    "torch.matmul": _matmul_function,
    # reductions as functions
    **{f"torch._C._VariableFunctions.{name}": _reduction() for name in ("sum", "mean", "amax")},
    "torch._C._VariableFunctions.argmax": _reduction("Int64"),
    "torch._C._VariableFunctions.max": _max,
    "torch._C._VariableFunctions.min": _max,
    # functional
    "torch.nn.functional.cross_entropy": _class_loss(allow_probabilities=True),
    "torch.nn.functional.nll_loss": _class_loss(allow_probabilities=False),
    "torch.nn.functional.interpolate": _interpolate,
}

#: numpy functions are matched by their last name under `numpy.` (numpy moves them between
#: private modules across versions: `numpy._core.multiarray.zeros`, `numpy.core.numeric.ones`).
NUMPY_RULES: dict[str, Rule] = {
    **{name: _factory("Float64", numpy=True) for name in ("zeros", "ones", "empty")},
    "full": _full(numpy=True),
    **{f"{name}_like": _like() for name in ("zeros", "ones", "empty", "full")},
}


#: Callable objects: `np.zeros`, `np.ones`, `np.empty` are `_ConstructorEmpty` instances.
METHOD_RULES: dict[str, Rule] = {
    "numpy._core.multiarray._ConstructorEmpty.__call__": _factory("Float64", numpy=True),
}


def function_rule(fullname: str) -> Rule | None:
    rule = FUNCTION_RULES.get(fullname)
    if rule is None and fullname.startswith("numpy."):
        rule = NUMPY_RULES.get(fullname.rpartition(".")[2])
    return rule


__all__ = [
    "FUNCTION_RULES",
    "METHOD_RULES",
    "TENSOR",
    "TENSOR_ATTRIBUTES",
    "TENSOR_RULES",
    "Rule",
    "dtype_family",
    "function_rule",
]
