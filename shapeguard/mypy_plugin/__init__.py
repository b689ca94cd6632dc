"""shapeguard's mypy plugin: static shape and dtype checking of jaxtyping-style contracts.

Enable with `plugins = ["shapeguard.mypy_plugin"]`. This module is the thin entry point:
it dispatches on fullnames; the work is in the modules beside it.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from mypy.nodes import (
    Decorator,
    FuncDef,
    OverloadedFuncDef,
    TypeAlias,
    TypeInfo,
    Var,
)
from mypy.options import Options
from mypy.plugin import (
    AnalyzeTypeContext,
    AttributeContext,
    FunctionContext,
    MethodContext,
    Plugin,
    ReportConfigContext,
)
from mypy.plugins.default import DefaultPlugin
from mypy.types import CallableType, Instance, Overloaded, Type, TypeVarId, get_proper_type

from ._annotations import TENSOR_FULLNAME, analyze_annotated, analyze_tensor
from ._calls import Call
from ._contracts import (
    Formal,
    ReturnChecker,
    check_contract,
    formals_of,
    formals_of_stub,
    signature_has_contract,
)
from ._rules import METHOD_RULES, TENSOR, TENSOR_ATTRIBUTES, TENSOR_RULES, Rule, function_rule
from ._stubs import Stub, load_stubs, typings_dirs
from ._types import (
    PAIR_RESULTS,
    Shaped,
    drop_solved_shapes,
    own_type_vars,
    pair_result,
    read_shaped,
)

__version__ = "0.1.0"

ANNOTATED_NAMES = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
REVEAL_SHAPE = "shapeguard._reveal.reveal_shape"
MODULE = "torch.nn.modules.module.Module"
#: The fields of the `PAIR_RESULTS` named tuples, by item index.
PAIR_ITEMS = {"values": 0, "indices": 1}

Hook = Callable[[Any], Type]


def _signatures(node: object) -> tuple[list[CallableType], bool]:
    """(signatures, is a method taking self) of a function node: one per overload item."""
    if isinstance(node, OverloadedFuncDef):
        sigs: list[CallableType] = []
        is_method = False
        for item in node.items:
            found, is_method = _signatures(item)
            sigs += found
        return sigs, is_method
    if isinstance(node, Decorator):
        node = node.func
    if isinstance(node, FuncDef):
        sig = get_proper_type(node.type) if node.type is not None else None
        if isinstance(sig, CallableType):
            return [sig], bool(node.info) and not node.is_static and not node.is_class
    return [], False


def _generic_returns(node: object) -> list[tuple[CallableType, frozenset[TypeVarId]]]:
    """The signatures of a callee (function, method, or variable of a callable type) whose
    return type mentions type variables of their own, with those variables' ids."""
    if isinstance(node, Var):
        typ = get_proper_type(node.type) if node.type is not None else None
        sigs = [typ] if isinstance(typ, CallableType) else (
            list(typ.items) if isinstance(typ, Overloaded) else [])
    else:
        sigs = _signatures(node)[0]
    out = []
    for sig in sigs:
        ids = own_type_vars(sig)
        if ids:
            out.append((sig, ids))
    return out


def _drop_solved(generic: list[tuple[CallableType, frozenset[TypeVarId]]], typ: Type) -> Type:
    # With overloads, the item mypy picked is not known here: drop what any generic item
    # could have solved (dropping a shape is never wrong, only less precise).
    for sig, ids in generic:
        typ = drop_solved_shapes(sig.ret_type, typ, ids)
    return typ


def _solved_call(
    generic: list[tuple[CallableType, frozenset[TypeVarId]]],
    inner: Hook | None,
    ctx: FunctionContext | MethodContext,
) -> Type:
    """A call of a generic callee shapeguard has no contract for: mypy's result (or the
    default plugin's, whose hook this one stands in front of) minus solved shapes."""
    typ = inner(ctx) if inner is not None else ctx.default_return_type
    try:
        return _drop_solved(generic, typ)
    except Exception:
        return typ


def _contract_signatures(node: object) -> tuple[list[CallableType], bool] | None:
    sigs, is_method = _signatures(node)
    sigs = [s for s in sigs if signature_has_contract(s)]
    return (sigs, is_method) if sigs else None


def _pick(sigs: list[CallableType], ctx: FunctionContext | MethodContext) -> CallableType:
    """The overload item mypy matched: same parameter names and the same return contract."""
    if len(sigs) == 1:
        return sigs[0]
    want = read_shaped(ctx.default_return_type)
    names = list(ctx.callee_arg_names)
    for sig in sigs:
        if read_shaped(sig.ret_type) == want and [n for n in sig.arg_names if n not in
                                                  ("self", "cls")][: len(names)] == names:
            return sig
    for sig in sigs:
        if read_shaped(sig.ret_type) == want:
            return sig
    return sigs[0]


class ShapeguardPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._returns = ReturnChecker()
        # Consulted for the generic callees whose results shapeguard cleans (see
        # `_solved_call`): the first plugin with a hook wins, so ours must run mypy's.
        self._default = DefaultPlugin(options)
        self._stubs = load_stubs()
        self._tensor_methods = frozenset(
            name.rpartition(".")[2] for name in self._stubs if name.startswith(TENSOR + ".")
        ) | frozenset(TENSOR_RULES)

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        # Any change to the plugin or to the stubs invalidates mypy's cache.
        return {"shapeguard": __version__, "fingerprint": _fingerprint()}

    # -- annotations ----------------------------------------------------------------------

    def get_type_analyze_hook(self, fullname: str) -> Callable[[AnalyzeTypeContext], Type] | None:
        if fullname in ANNOTATED_NAMES:
            return analyze_annotated
        if fullname == TENSOR_FULLNAME:
            return analyze_tensor
        # `x: Logits` where `Logits = Float[Tensor, "..."]`: mypy expands such a bare alias
        # eagerly to a fresh Instance, dropping what the alias target carries; put it back.
        sym = self.lookup_fully_qualified(fullname)
        node = sym.node if sym is not None else None
        if isinstance(node, TypeAlias) and node.no_args:
            target = get_proper_type(node.target)
            if isinstance(target, Instance) and read_shaped(target) is not None:
                return partial(_alias_use, target)
        return None

    # -- calls ----------------------------------------------------------------------------

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname == REVEAL_SHAPE:
            return _reveal_shape
        rule = function_rule(fullname)
        stub = self._stubs.get(fullname)
        if rule is not None or stub is not None:
            return partial(self._library_call, fullname, rule, stub)
        sym = self.lookup_fully_qualified(fullname)
        found = _contract_signatures(sym.node) if sym is not None else None
        if found is not None:
            return partial(self._contract_call, fullname, found[0], found[1])
        generic = _generic_returns(sym.node) if sym is not None else []
        if generic:
            return partial(_solved_call, generic, self._default.get_function_hook(fullname))
        return None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname in METHOD_RULES:
            return partial(self._library_call, fullname, METHOD_RULES[fullname], None)
        cls, _, method = fullname.rpartition(".")
        if method in self._tensor_methods and self._is_tensor(cls):
            key = f"{TENSOR}.{method}"
            return partial(self._library_call, key, TENSOR_RULES.get(method), self._stubs.get(key))
        sym = self.lookup_fully_qualified(cls)
        info = sym.node if sym is not None else None
        if not isinstance(info, TypeInfo):
            return None
        if method == "__call__" and info.has_base(MODULE):
            method = "forward"
        node = info.get_method(method)
        found = _contract_signatures(node)
        if found is not None:
            name = f"{info.name}.{method}"
            return partial(self._contract_call, name, found[0], found[1])
        generic = _generic_returns(node)
        if generic:
            return partial(_solved_call, generic, self._default.get_method_hook(fullname))
        return None

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        cls, _, attr = fullname.rpartition(".")
        rule = TENSOR_ATTRIBUTES.get(attr)
        if rule is not None and self._is_tensor(cls):
            return partial(_attribute, rule)
        if cls in PAIR_RESULTS and attr in PAIR_ITEMS:
            return partial(_pair_item, PAIR_ITEMS[attr])
        return None

    def _is_tensor(self, cls: str) -> bool:
        if cls in (TENSOR, "torch._C.TensorBase"):
            return True
        sym = self.lookup_fully_qualified(cls)
        return sym is not None and isinstance(sym.node, TypeInfo) and sym.node.has_base(TENSOR)

    # -- hook bodies ----------------------------------------------------------------------

    def _library_call(
        self, name: str, rule: Rule | None, stub: Stub | None, ctx: FunctionContext | MethodContext
    ) -> Type:
        try:
            receiver = read_shaped(ctx.type) if isinstance(ctx, MethodContext) else None
            call = Call(ctx, _display(name), receiver)
            result: Shaped | None = None
            if rule is not None:
                result = rule(call)
            elif stub is not None:
                recv, formals = formals_of_stub(stub)
                result = check_contract(call, recv, formals, stub.returns, symbols=False)
                if (
                    stub.reduction_none is not None
                    and result is not None
                    and call.literal_str(call.get("reduction")) == "none"
                ):
                    result = check_contract_quiet(call, recv, formals, stub.reduction_none)
            if pair_result(ctx.default_return_type) is None:  # a tuple is no tensor contract
                self._returns.check(call, result)
            return call.result(result)
        except Exception:
            return ctx.default_return_type

    def _contract_call(
        self,
        name: str,
        sigs: list[CallableType],
        skip_self: bool,
        ctx: FunctionContext | MethodContext,
    ) -> Type:
        try:
            sig = _pick(sigs, ctx)
            receiver = read_shaped(ctx.type) if isinstance(ctx, MethodContext) else None
            call = Call(ctx, _display(name), receiver)
            recv, formals = formals_of(sig, skip_self=skip_self)
            if recv is not None and receiver is None:
                recv = None
            result = check_contract(call, recv, formals, read_shaped(sig.ret_type))
            self._returns.check(call, result)
            default = _drop_solved(
                [(s, ids) for s in sigs if (ids := own_type_vars(s))], ctx.default_return_type
            )
            if result is None:
                return default
            return call.result_like(result, sig.ret_type if _is_any(default) else default)
        except Exception:
            return ctx.default_return_type


def check_contract_quiet(
    call: Call, recv: Formal | None, formals: list[Formal], spec: Any
) -> Shaped | None:
    """The result shape for an alternative return spec, without reporting again."""
    from ._unify import Unifier

    unifier = Unifier(symbols=False)
    todo = []
    if recv is not None and recv.shaped is not None and call.receiver is not None:
        todo.append((recv.shaped, call.receiver))
    for formal in formals:
        if formal.shaped is not None:
            found = call.by_formal(formal.name)
            actual = call.shaped(found[0] if found else call.get(formal.name, formal.index))
            if actual is not None:
                todo.append((formal.shaped, actual))
    family = None
    for pattern, actual in todo:
        family = family or actual.family
        if pattern.spec is not None and actual.spec is not None:
            unifier.match(pattern.spec, actual.spec, "")
    return Shaped(family, unifier.substitute(spec))


@functools.lru_cache(maxsize=1)
def _fingerprint() -> str:
    digest = hashlib.sha256()
    files = sorted(Path(__file__).parent.glob("*.py"))
    for root in typings_dirs():
        files += sorted(root.rglob("*.pyi"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _is_any(typ: Type) -> bool:
    from mypy.types import AnyType

    return isinstance(get_proper_type(typ), AnyType)


def _display(name: str) -> str:
    parts = name.split(".")
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return f"{parts[-2]}.{parts[-1]}"
    return parts[-1]


def _reveal_shape(ctx: FunctionContext) -> Type:
    from . import _errors

    try:
        typ = ctx.arg_types[0][0] if ctx.arg_types and ctx.arg_types[0] else None
        shaped = read_shaped(typ)
        _errors.reveal(
            ctx.api,
            shaped.family if shaped else None,
            shaped.spec if shaped else None,
            ctx.context,
        )
        return typ if typ is not None else ctx.default_return_type
    except Exception:
        return ctx.default_return_type


def _attribute(rule: Callable[[Shaped], Shaped | None], ctx: AttributeContext) -> Type:
    try:
        shaped = read_shaped(ctx.type)
        if shaped is None or ctx.is_lvalue:
            return ctx.default_attr_type
        result = rule(shaped)
        if result is None:
            return ctx.default_attr_type
        from ._types import attach_to

        return attach_to(
            ctx.default_attr_type, result, ctx.api.named_generic_type("builtins.str", [])
        )
    except Exception:
        return ctx.default_attr_type


def _pair_item(index: int, ctx: AttributeContext) -> Type:
    """`.values` / `.indices` of a (values, indices) named tuple: its item's shape."""
    try:
        pair = pair_result(ctx.type)
        if pair is None or ctx.is_lvalue:
            return ctx.default_attr_type
        from ._types import attach_to

        return attach_to(
            ctx.default_attr_type,
            read_shaped(pair.items[index]),
            ctx.api.named_generic_type("builtins.str", []),
        )
    except Exception:
        return ctx.default_attr_type


def _alias_use(target: Instance, ctx: AnalyzeTypeContext) -> Type:
    if ctx.type.args:
        ctx.api.fail(f'"{ctx.type.name}" takes no type arguments', ctx.context)
    out = target.copy_modified()
    out.set_line(ctx.context)
    return out


SUPPORTED_MYPY_MAJOR = 2


class _InactivePlugin(Plugin):
    """What an unsupported mypy gets: nothing, rather than hooks built on private APIs that
    may have changed under them."""


def plugin(version: str) -> type[Plugin]:
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) != SUPPORTED_MYPY_MAJOR:
        print(
            f"shapeguard.mypy_plugin: mypy {version} is not supported (mypy "
            f"{SUPPORTED_MYPY_MAJOR}.x is); shape checks are off for this run",
            file=sys.stderr,
        )
        return _InactivePlugin
    return ShapeguardPlugin
