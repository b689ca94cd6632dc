"""Where a shape lives on a mypy type, and the dtype families.

The parsed spec rides on the analysed `Instance` (`Tensor`, `ndarray`, ...) in `extra_attrs`,
under keys that are not identifiers, as two `Literal[str]` types: the canonical spelling of
the shape and the dtype family name. Both survive assignment, the incremental cache and dmypy;
joins and unhooked calls drop them, which reads back as "unknown". TypeVar solving does not
(mypy hands back the argument's own Instance): `drop_solved_shapes` removes them from the
result of a generic call.
"""

from __future__ import annotations

from dataclasses import dataclass

from mypy.typeops import get_all_type_vars
from mypy.types import (
    CallableType,
    ExtraAttrs,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeVarId,
    TypeVarLikeType,
    UnionType,
    get_proper_type,
)

from shapeguard._errors import SpecError
from shapeguard._spec import ShapeSpec, parse_shape

SHAPE_KEY = "shapeguard:shape"
DTYPE_KEY = "shapeguard:dtype"

_FLOAT = frozenset({"float16", "bfloat16", "float32", "float64"})
_SINT = frozenset({"int8", "int16", "int32", "int64"})
_UINT = frozenset({"uint8", "uint16", "uint32", "uint64"})
_COMPLEX = frozenset({"complex64", "complex128"})
_BOOL = frozenset({"bool"})
_ALL = _FLOAT | _SINT | _UINT | _COMPLEX | _BOOL

#: The dtype families of jaxtyping (and shapeguard), as the concrete dtypes each admits.
FAMILIES: dict[str, frozenset[str]] = {
    "Shaped": _ALL,
    "Num": _FLOAT | _SINT | _UINT | _COMPLEX,
    "Real": _FLOAT | _SINT | _UINT,
    "Inexact": _FLOAT | _COMPLEX,
    "Integer": _SINT | _UINT,
    "Int": _SINT,
    "UInt": _UINT,
    "Float": _FLOAT,
    "Complex": _COMPLEX,
    "Bool": _BOOL,
    "Key": _ALL,
    "BFloat16": frozenset({"bfloat16"}),
    "Float16": frozenset({"float16"}),
    "Float32": frozenset({"float32"}),
    "Float64": frozenset({"float64"}),
    "Int8": frozenset({"int8"}),
    "Int16": frozenset({"int16"}),
    "Int32": frozenset({"int32"}),
    "Int64": frozenset({"int64"}),
    "UInt8": frozenset({"uint8"}),
    "UInt16": frozenset({"uint16"}),
    "UInt32": frozenset({"uint32"}),
    "UInt64": frozenset({"uint64"}),
    "Complex64": frozenset({"complex64"}),
    "Complex128": frozenset({"complex128"}),
}


def family_dtypes(family: str | None) -> frozenset[str] | None:
    """The dtypes of a family name, or of `A|B` (a union of families); None if unknown."""
    if family is None:
        return None
    out: frozenset[str] = frozenset()
    for part in family.split("|"):
        found = FAMILIES.get(part)
        if found is None:
            return None
        out |= found
    return out


def dtypes_conflict(actual: str | None, expected: str | None) -> bool:
    """True only when no dtype belongs to both families (a definite conflict)."""
    a, e = family_dtypes(actual), family_dtypes(expected)
    if a is None or e is None:
        return False
    return not (a & e)


def is_integer_family(family: str | None) -> bool:
    found = family_dtypes(family)
    return found is not None and found <= (_SINT | _UINT)


def is_float_family(family: str | None) -> bool:
    found = family_dtypes(family)
    return found is not None and found <= _FLOAT


def is_bool_family(family: str | None) -> bool:
    return family == "Bool"


@dataclass(frozen=True)
class Shaped:
    """What the plugin knows about one array value: dtype family and shape, each maybe None."""

    family: str | None
    spec: ShapeSpec | None


def _literal(attrs: dict[str, Type], key: str) -> str | None:
    value = attrs.get(key)
    if value is None:
        return None
    proper = get_proper_type(value)
    if isinstance(proper, LiteralType) and isinstance(proper.value, str):
        return proper.value
    return None


def carried_instance(typ: Type | None) -> Instance | None:
    """The Instance that carries (or could carry) a shape: unwraps `X | None`."""
    if typ is None:
        return None
    proper: ProperType = get_proper_type(typ)
    if isinstance(proper, UnionType):
        items = [get_proper_type(t) for t in proper.items]
        rest = [t for t in items if not isinstance(t, NoneType)]
        if len(rest) != 1:
            return None
        proper = rest[0]
    if isinstance(proper, Instance):
        return proper
    return None


def read_shaped(typ: Type | None) -> Shaped | None:
    """The shape and family a type carries, or None when it carries nothing.

    A union of shaped types with one spelling of the shape (`Float[T, "b h"] | Bool[T, "b h"]`)
    reads as that shape with the union of the families.
    """
    if typ is None:
        return None
    proper = get_proper_type(typ)
    if isinstance(proper, UnionType):
        items = [get_proper_type(t) for t in proper.items]
        items = [t for t in items if not isinstance(t, NoneType)]
        if len(items) > 1:
            found = [_read_instance(t) if isinstance(t, Instance) else None for t in items]
            if any(f is None for f in found):
                return None
            specs = {str(f.spec) if f is not None else "" for f in found}
            families = [f.family for f in found if f is not None]
            if len(specs) != 1 or any(fam is None for fam in families):
                return None
            first = found[0]
            assert first is not None
            family = "|".join(dict.fromkeys(fam for fam in families if fam is not None))
            return Shaped(family, first.spec)
    inst = carried_instance(typ)
    if inst is None:
        return None
    return _read_instance(inst)


def read_alternatives(typ: Type | None) -> list[Shaped]:
    """The shaped members of a union formal (`Int[T, "b h w"] | Float[T, "b h w n"]`).

    Empty unless every member other than None carries a contract.
    """
    if typ is None:
        return []
    proper = get_proper_type(typ)
    if not isinstance(proper, UnionType):
        return []
    items = [get_proper_type(t) for t in proper.items]
    out: list[Shaped] = []
    for item in items:
        if isinstance(item, NoneType):
            continue
        found = _read_instance(item) if isinstance(item, Instance) else None
        if found is None:
            return []
        out.append(found)
    return out if len(out) > 1 else []


def _read_instance(inst: Instance) -> Shaped | None:
    if inst.extra_attrs is None:
        return None
    attrs = inst.extra_attrs.attrs
    text = _literal(attrs, SHAPE_KEY)
    family = _literal(attrs, DTYPE_KEY)
    if text is None and family is None:
        return None
    spec: ShapeSpec | None = None
    if text is not None:
        try:
            spec = parse_shape(text)
        except SpecError:
            spec = None
    return Shaped(family or None, spec)


def attach(inst: Instance, shaped: Shaped, str_type: Instance) -> Instance:
    """A copy of `inst` that carries `shaped` (replacing whatever it carried)."""
    new = inst.copy_modified()
    attrs: dict[str, Type] = {}
    immutable: set[str] = set()
    if inst.extra_attrs is not None:
        attrs = {
            k: v for k, v in inst.extra_attrs.attrs.items() if k not in (SHAPE_KEY, DTYPE_KEY)
        }
        immutable = set(inst.extra_attrs.immutable)
    if shaped.spec is not None:
        attrs[SHAPE_KEY] = LiteralType(str(shaped.spec), str_type)
    if shaped.family is not None:
        attrs[DTYPE_KEY] = LiteralType(shaped.family, str_type)
    new.extra_attrs = ExtraAttrs(attrs, immutable) if attrs else None
    return new


def attach_to(typ: Type, shaped: Shaped | None, str_type: Instance) -> Type:
    """`typ` carrying `shaped` if `typ` is an Instance; otherwise `typ` unchanged.

    A (values, indices) named tuple (`pair_result`) carries `shaped` on its values item and
    the same shape, as Int64, on its indices item.
    """
    if shaped is None or (shaped.spec is None and shaped.family is None):
        return typ
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        return attach(proper, shaped, str_type)
    pair = pair_result(typ)
    if pair is not None:
        values = attach_to(pair.items[0], shaped, str_type)
        indices = attach_to(pair.items[1], Shaped("Int64", shaped.spec), str_type)
        return pair.copy_modified(items=[values, indices])
    return typ


#: The (values, indices) named tuples of `torch.return_types` whose items the reduction
#: rules give shapes (`x.max(dim=1)`, `torch.min(x, 1, keepdim=True)`).
PAIR_RESULTS = frozenset({"torch.return_types.max", "torch.return_types.min"})


def pair_result(typ: Type | None) -> TupleType | None:
    """`typ` if it is one of the `PAIR_RESULTS` named tuples, as mypy types them (a tuple of
    two items whose fallback is the named tuple class); otherwise None."""
    if typ is None:
        return None
    proper = get_proper_type(typ)
    if (
        isinstance(proper, TupleType)
        and len(proper.items) == 2
        and proper.partial_fallback.type.fullname in PAIR_RESULTS
    ):
        return proper
    return None


# -- shapes that TypeVar solving carried over ----------------------------------------------


def erase_shapes(typ: Type) -> Type:
    """`typ` with every shape and dtype family it carries, at any depth, removed."""
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        args = [erase_shapes(a) for a in proper.args]
        attrs = proper.extra_attrs
        carries = attrs is not None and (SHAPE_KEY in attrs.attrs or DTYPE_KEY in attrs.attrs)
        if not carries and all(a is b for a, b in zip(args, proper.args, strict=True)):
            return typ
        new = proper.copy_modified(args=args)
        if attrs is not None and carries:
            rest = {k: v for k, v in attrs.attrs.items() if k not in (SHAPE_KEY, DTYPE_KEY)}
            new.extra_attrs = (
                ExtraAttrs(rest, set(attrs.immutable), attrs.mod_name) if rest else None
            )
        return new
    if isinstance(proper, TupleType):
        items = [erase_shapes(t) for t in proper.items]
        if all(a is b for a, b in zip(items, proper.items, strict=True)):
            return typ
        return proper.copy_modified(items=items)
    if isinstance(proper, UnionType):
        items = [erase_shapes(t) for t in proper.items]
        if all(a is b for a, b in zip(items, proper.items, strict=True)):
            return typ
        return UnionType(items, proper.line, proper.column)
    if isinstance(proper, CallableType):
        ret = erase_shapes(proper.ret_type)
        arg_types = [erase_shapes(t) for t in proper.arg_types]
        return proper.copy_modified(arg_types=arg_types, ret_type=ret)
    return typ


def own_type_vars(sig: CallableType) -> frozenset[TypeVarId]:
    """The ids of the type variables a signature binds itself (not its class's) that its
    return type mentions; empty for a non-generic return."""
    if not sig.variables:
        return frozenset()
    ids = frozenset(v.id for v in sig.variables)
    return frozenset(v.id for v in get_all_type_vars(sig.ret_type) if v.id in ids)


def drop_solved_shapes(declared: Type, actual: Type, ids: frozenset[TypeVarId]) -> Type:
    """The result type `actual` of a call of a signature returning `declared`, with the
    shapes removed from every part that mypy solved from one of the type variables `ids`.

    mypy solves `def f(x: T) -> T` to the argument's own Instance, shape included; but the
    shape is a refinement mypy does not know: `T` promises the argument's class, not its
    shape (`align_labels(labels, like=logits)` returns a `Tensor` of another grid). Parts of
    `declared` without those variables (a `Float[Tensor, "b"]` of its own) keep theirs.
    """
    if not ids:
        return actual
    d = get_proper_type(declared)
    if isinstance(d, TypeVarLikeType):
        return erase_shapes(actual) if d.id in ids else actual
    if not any(v.id in ids for v in get_all_type_vars(d)):
        return actual
    a = get_proper_type(actual)
    if (
        isinstance(d, Instance)
        and isinstance(a, Instance)
        and d.type is a.type
        and len(d.args) == len(a.args)
    ):
        args = [drop_solved_shapes(x, y, ids) for x, y in zip(d.args, a.args, strict=True)]
        return a.copy_modified(args=args)
    if isinstance(d, TupleType) and isinstance(a, TupleType) and len(d.items) == len(a.items):
        items = [drop_solved_shapes(x, y, ids) for x, y in zip(d.items, a.items, strict=True)]
        return a.copy_modified(items=items)
    return erase_shapes(actual)
