"""The type-analysis hook for `typing.Annotated`: reads `Float[Tensor, "b h w"]`.

jaxtyping (and shapeguard) declare the dtype families for type checkers as
`from typing import Annotated as Float`, so mypy resolves `Float[...]` to `Annotated`; the
name the user wrote is in `ctx.type.name`. When that name (through the module's imports)
is a dtype family, the shape string is parsed with THE parser and the result rides on the
analysed Instance. Anything else goes back to mypy's own `Annotated` handling unchanged.
"""

from __future__ import annotations

from mypy.nodes import (
    AssignmentStmt,
    Expression,
    ImportFrom,
    IndexExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    StrExpr,
    TupleExpr,
)
from mypy.plugin import AnalyzeTypeContext
from mypy.types import (
    AnyType,
    Instance,
    RawExpressionType,
    Type,
    TypeOfAny,
    UnboundType,
    get_proper_type,
)

from shapeguard._errors import SpecError
from shapeguard._spec import ShapeSpec, parse_shape

from . import _errors
from ._types import FAMILIES, Shaped, attach


def _current_file(ctx: AnalyzeTypeContext) -> MypyFile | None:
    sem = getattr(ctx.api, "api", None)
    node = getattr(sem, "cur_mod_node", None)
    return node if isinstance(node, MypyFile) else None


def family_of(ctx: AnalyzeTypeContext) -> str | None:
    """The dtype family the written name stands for, resolving import aliases."""
    name = ctx.type.name
    _, dot, last = name.rpartition(".")
    if dot:
        # `jt.Float`, `jaxtyping.Float`, `shapeguard.Float`: mypy resolved it to Annotated.
        return last if last in FAMILIES else None
    original = _imported_name(ctx, name)
    if original is not None:
        return original if original in FAMILIES else None
    return name if name in FAMILIES else None


def _imported_name(ctx: AnalyzeTypeContext, name: str) -> str | None:
    """`JF` in `from jaxtyping import Float as JF` gives `Float`; None when not imported."""
    tree = _current_file(ctx)
    if tree is None:
        return None
    for imp in tree.imports:
        if isinstance(imp, ImportFrom):
            for original, alias in imp.names:
                if (alias or original) == name:
                    return original
    return None


def _shape_text(arg: Type) -> str | None:
    if isinstance(arg, RawExpressionType):
        value = arg.literal_value
        if arg.base_type_name == "builtins.str" and isinstance(value, str):
            return value
        return None
    if isinstance(arg, UnboundType) and arg.original_str_expr is not None:
        return arg.original_str_expr
    return None


def analyze_annotated(ctx: AnalyzeTypeContext) -> Type:
    """The hook. Never raises: an unexpected input falls back to mypy's own handling."""
    try:
        result = _analyze(ctx)
    except Exception:
        result = None
    if result is not None:
        return result
    return _fallback(ctx)


def _fallback(ctx: AnalyzeTypeContext) -> Type:
    """mypy's own treatment of `Annotated[...]` (which the hook pre-empted)."""
    special = getattr(ctx.api, "try_analyze_special_unbound_type", None)
    if special is not None:
        try:
            out = special(ctx.type, "typing.Annotated")
        except Exception:
            out = None
        if out is not None:
            return out  # type: ignore[no-any-return]
    if len(ctx.type.args) < 2:
        ctx.api.fail(
            "Annotated[...] must have exactly one type argument and at least one annotation",
            ctx.context,
        )
        return AnyType(TypeOfAny.from_error)
    return ctx.api.analyze_type(ctx.type.args[0])


def _analyze(ctx: AnalyzeTypeContext) -> Type | None:
    args = ctx.type.args
    if len(args) != 2:
        return None
    family = family_of(ctx)
    if family is None:
        return None
    text = _shape_text(args[1])
    if text is None:
        return None
    spec: ShapeSpec | None
    try:
        spec = parse_shape(text)
    except SpecError as error:
        _errors.spec_error(ctx.api, error, ctx.context)
        spec = None
    base = ctx.api.analyze_type(args[0])
    proper = get_proper_type(base)
    if not isinstance(proper, Instance):
        return base
    str_type = ctx.api.named_type("builtins.str", [])
    return attach(proper, Shaped(family, spec), str_type)


# -- type aliases --------------------------------------------------------------------------
#
# mypy strips `Annotated[...]` from the right-hand side of a type alias before analysing it
# (`Logits = Float[Tensor, "b 23 23 1"]` becomes an alias of plain `Tensor`), so the
# `Annotated` hook never sees it. The hook for the array class itself does: while the alias
# is analysed, the semantic analyser's current statement is the alias assignment, whose
# right-hand side still holds the family and the shape string. The alias target then
# carries the spec, and that survives the cache like any other type.

TENSOR_FULLNAME = "torch._tensor.Tensor"


def analyze_tensor(ctx: AnalyzeTypeContext) -> Type:
    base = ctx.api.named_type(TENSOR_FULLNAME, [])
    try:
        found = _alias_spec(ctx)
    except Exception:
        found = None
    if found is None:
        return base
    return attach(base, found, ctx.api.named_type("builtins.str", []))


def _alias_spec(ctx: AnalyzeTypeContext) -> Shaped | None:
    if ctx.type.args:
        return None
    sem = getattr(ctx.api, "api", None)
    stmt = getattr(sem, "statement", None)
    if not isinstance(stmt, AssignmentStmt):
        return None
    rvalue = stmt.rvalue
    if not isinstance(rvalue, IndexExpr) or not isinstance(rvalue.index, TupleExpr):
        return None
    items = rvalue.index.items
    if len(items) != 2 or not isinstance(items[1], StrExpr):
        return None
    first = items[0]
    if not isinstance(first, (NameExpr, MemberExpr)) or _written(first) != ctx.type.name:
        return None
    written = _written(rvalue.base)
    if written is None:
        return None
    _, dot, last = written.rpartition(".")
    family = (last if last in FAMILIES else None) if dot else _family_name(ctx, written)
    if family is None:
        return None
    try:
        spec: ShapeSpec | None = parse_shape(items[1].value)
    except SpecError as error:
        _errors.spec_error(ctx.api, error, ctx.context)
        spec = None
    return Shaped(family, spec)


def _family_name(ctx: AnalyzeTypeContext, name: str) -> str | None:
    original = _imported_name(ctx, name)
    if original is not None:
        return original if original in FAMILIES else None
    return name if name in FAMILIES else None


def _written(expr: Expression) -> str | None:
    if isinstance(expr, NameExpr):
        return expr.name
    if isinstance(expr, MemberExpr):
        inner = _written(expr.expr)
        return f"{inner}.{expr.name}" if inner is not None else None
    return None
