"""One call site, seen through mypy's function/method hook context.

`Call` gives rules and contract checks what they need: the actual arguments as written
(positional and keyword), their types and shapes, literal ints, the receiver of a method,
and error reporting that names the callee.
"""

from __future__ import annotations

from dataclasses import dataclass

from mypy.constant_fold import constant_fold_expr
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    CallExpr,
    Context,
    Expression,
    IndexExpr,
    IntExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import AnyType, Instance, Type, TypeOfAny, get_proper_type

from shapeguard._spec import Dim, FixedDim

from . import _errors
from ._dims import UNKNOWN, resolve_index
from ._types import Shaped, attach_to, read_shaped

HookContext = FunctionContext | MethodContext


@dataclass
class Arg:
    expr: Expression
    type: Type


class Call:
    def __init__(self, ctx: HookContext, name: str, receiver: Shaped | None = None) -> None:
        self.ctx = ctx
        self.api = ctx.api
        self.name = name
        self.receiver = receiver
        self.pos: list[Arg] = []
        self.kw: dict[str, Arg] = {}
        self.star = False  # a `*args` / `**kwargs` at the call: positions are unknown
        grouped = zip(ctx.args, ctx.arg_types, ctx.arg_kinds, ctx.arg_names, strict=False)
        for exprs, types, kinds, names in grouped:
            for expr, typ, kind, name_ in zip(exprs, types, kinds, names, strict=False):
                if kind == ARG_POS:
                    self.pos.append(Arg(expr, typ))
                elif kind == ARG_NAMED and name_ is not None:
                    self.kw[name_] = Arg(expr, typ)
                else:
                    self.star = True
        # Positional order: mypy groups actuals by formal; positional actuals keep call order
        # when sorted by their position in the source.
        self.pos.sort(key=lambda a: (a.expr.line, a.expr.column))
        self.module = _module_id(ctx)

    # -- arguments ----------------------------------------------------------------------

    def get(self, name: str, index: int | None = None) -> Arg | None:
        """The actual for parameter `name` (or positional `index`)."""
        if name in self.kw:
            return self.kw[name]
        if index is not None and 0 <= index < len(self.pos) and not self.star:
            return self.pos[index]
        return None

    def by_formal(self, name: str) -> list[Arg]:
        """Actuals mapped by mypy to the callee's formal `name`."""
        ctx = self.ctx
        try:
            i = ctx.callee_arg_names.index(name)
        except ValueError:
            return []
        return [Arg(e, t) for e, t in zip(ctx.args[i], ctx.arg_types[i], strict=False)]

    @property
    def context(self) -> Context:
        return self.ctx.context

    def shaped(self, arg: Arg | None) -> Shaped | None:
        if arg is None:
            return None
        return read_shaped(arg.type)

    def shaped_expr(self, expr: Expression) -> Shaped | None:
        lookup = getattr(self.api, "lookup_type_or_none", None)
        if lookup is None:
            return None
        typ = lookup(expr)
        return read_shaped(typ) if typ is not None else None

    def is_int_expr(self, expr: Expression) -> bool:
        lookup = getattr(self.api, "lookup_type_or_none", None)
        typ = lookup(expr) if lookup is not None else None
        proper = get_proper_type(typ) if typ is not None else None
        return isinstance(proper, Instance) and proper.type.fullname == "builtins.int"

    def int_value(self, arg: Arg | Expression | None) -> int | None:
        if arg is None:
            return None
        expr = arg.expr if isinstance(arg, Arg) else arg
        value = constant_fold_expr(expr, self.module)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return None

    def literal_str(self, arg: Arg | None) -> str | None:
        if arg is None:
            return None
        value = constant_fold_expr(arg.expr, self.module)
        return value if isinstance(value, str) else None

    def is_none(self, arg: Arg | None) -> bool:
        return arg is not None and isinstance(arg.expr, NameExpr) and arg.expr.name == "None"

    def dim_value(self, expr: Expression) -> Dim:
        """A size argument as a dim: a literal int, `x.shape[i]`, `x.size(i)`, else unknown."""
        value = self.int_value(expr)
        if value is not None:
            return FixedDim(value) if value >= 0 else UNKNOWN
        source: Expression | None = None
        index: int | None = None
        if (
            isinstance(expr, IndexExpr)
            and isinstance(expr.base, MemberExpr)
            and expr.base.name == "shape"
        ):
            source, index = expr.base.expr, self.int_value(expr.index)
        elif (
            isinstance(expr, CallExpr)
            and isinstance(expr.callee, MemberExpr)
            and expr.callee.name == "size"
            and len(expr.args) == 1
        ):
            source, index = expr.callee.expr, self.int_value(expr.args[0])
        if source is None or index is None:
            return UNKNOWN
        shaped = self.shaped_expr(source)
        if shaped is None or shaped.spec is None:
            return UNKNOWN
        at = resolve_index(shaped.spec, index)
        if at is None:
            return UNKNOWN
        dim = shaped.spec.dims[at]
        return dim if not getattr(dim, "broadcast", False) else UNKNOWN

    def int_list(self, args: list[Arg]) -> list[Expression] | None:
        """Sizes given as `f(2, 3)` or `f((2, 3))` / `f([2, 3])`, as expressions."""
        if self.star:
            return None
        if len(args) == 1 and isinstance(args[0].expr, (TupleExpr, ListExpr)):
            return list(args[0].expr.items)
        if len(args) == 1 and self.int_value(args[0]) is None and not _looks_int(args[0]):
            return None
        return [a.expr for a in args]

    # -- reporting ----------------------------------------------------------------------

    def shape_error(self, problem: str) -> None:
        _errors.shape_error(self.api, _errors.op_error(self.name, problem), self.context)

    def dtype_error(self, problem: str) -> None:
        _errors.dtype_error(self.api, _errors.op_error(self.name, problem), self.context)

    def result(self, shaped: Shaped | None) -> Type:
        """The default return type carrying `shaped`."""
        typ = self.ctx.default_return_type
        if shaped is None:
            return typ
        return attach_to(typ, shaped, self.api.named_generic_type("builtins.str", []))

    def result_like(self, shaped: Shaped | None, fallback: Type) -> Type:
        proper = get_proper_type(fallback)
        if shaped is None or not isinstance(proper, Instance):
            return self.ctx.default_return_type
        return attach_to(proper, shaped, self.api.named_generic_type("builtins.str", []))


def _looks_int(arg: Arg) -> bool:
    proper = get_proper_type(arg.type)
    return isinstance(proper, Instance) and proper.type.fullname in ("builtins.int", "torch.SymInt")


def _module_id(ctx: HookContext) -> str:
    tree = getattr(ctx.api, "tree", None)
    name = getattr(tree, "fullname", "")
    return name if isinstance(name, str) else ""


def negative_int(expr: Expression) -> bool:
    return isinstance(expr, UnaryExpr) and expr.op == "-" and isinstance(expr.expr, IntExpr)


def any_type() -> Type:
    return AnyType(TypeOfAny.special_form)
