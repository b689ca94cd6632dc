"""The type-analysis hook for `typing.Annotated`: reads `Float[Tensor, "b h w"]`.

jaxtyping (and shapeguard) declare the dtype families for type checkers as
`from typing import Annotated as Float`, so mypy resolves `Float[...]` to `Annotated`; the
name the user wrote is in `ctx.type.name`. When that name (through the module's imports)
is a dtype family, the shape string is parsed with THE parser and the result rides on the
analysed Instance. Anything else goes back to mypy's own `Annotated` handling unchanged.
"""

from __future__ import annotations

from mypy.nodes import ImportFrom, MypyFile
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
    head, dot, last = name.rpartition(".")
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
    except Exception:  # noqa: BLE001 -- a plugin bug must never take mypy down
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
        except Exception:  # noqa: BLE001
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
