"""`@check`: the runtime guard.

At decoration time the signature is read once and compiled into a `_Plan`: for each
annotated parameter its position, its name and its checker, and, for the common signatures,
a fast kernel (`_fastpath`) that checks a whole call with a few tuple slices and comparisons.
On any doubt the call takes the general path, which is the reference semantics: the plan run
over the arguments with one local dict of dim bindings (so calls are independent:
thread-safe, async-safe, re-entrant), then the return value against the same bindings. Only
when a check fails does shapeguard spend time, replaying the checks to write a message that
says where every dim was bound.
"""

from __future__ import annotations

import ast
import contextvars
import dataclasses
import functools
import inspect
import os
import sys
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from ._contract import ArrayContract, bound_names, match, referenced_names
from ._errors import ShapeError, SpecError
from ._fastpath import FastKernel, check_array, compile_fast
from ._hints import (
    Checker,
    ClassChecker,
    SequenceChecker,
    UnionChecker,
    array_contract,
    check_value,
    compile_hint,
    is_array_annotation,
)
from ._report import Replay, describe_union, explain_array, summarize
from ._spec import FixedDim, parse_shape

_F = TypeVar("_F", bound=Callable[..., Any])

# pytest hides this module's frames from the tracebacks of failing tests: the report is in
# the ShapeError's message, and the line that matters is the caller's.
__tracebackhide__ = True

_MISSING = object()
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


# --- configuration -------------------------------------------------------------------


@dataclasses.dataclass
class Config:
    """Global switches. `enabled=False` makes `check` return functions unchanged."""

    enabled: bool = os.environ.get("SHAPEGUARD_DISABLE", "").strip().lower() not in (
        "1",
        "true",
        "yes",
    )


_config = Config()


def config(*, enabled: bool | None = None) -> Config:
    """Read or change shapeguard's settings; returns the settings in force.

    `shapeguard.config(enabled=False)` has the effect of `SHAPEGUARD_DISABLE=1`: functions
    decorated afterwards are returned as they are, at zero cost. Functions already decorated
    stay checked.
    """
    if enabled is not None:
        _config.enabled = enabled
    return dataclasses.replace(_config)


# --- the current call, for assert_shape ----------------------------------------------

# (code object of the checked function, its bindings). Only set by functions whose body
# calls assert_shape: the others pay nothing.
_current_call: contextvars.ContextVar[tuple[Any, dict[str, Any]] | None] = contextvars.ContextVar(
    "shapeguard_current_call", default=None
)


def assert_shape(value: Any, annotation: Any) -> None:
    """Check `value` against `annotation` inside a checked call, with that call's bindings.

    Called from the body of a `@check`-ed function, dim names bound by its arguments must
    agree (and new names become bound for the return value). Called anywhere else, the
    value is checked on its own.
    """
    checker = _compile_annotation(annotation, "assert_shape")
    if checker is None:
        return
    current = _current_call.get()
    caller = sys._getframe(1).f_code
    bindings = current[1] if current is not None and current[0] is caller else {}
    if not _check_one(checker, value, bindings):
        frame = sys._getframe(1)
        where = f"{frame.f_code.co_name} ({_short_path(frame.f_code.co_filename)}:{frame.f_lineno})"
        replay = Replay(bindings=dict(bindings))
        reason, hint = _explain(checker, value, bindings)
        raise ShapeError(
            _format(
                f"assert_shape failed in {where}",
                _annotation_text(checker),
                value,
                reason,
                replay,
                hint,
            )
        )


def _compile_annotation(annotation: Any, where: str) -> Checker | ArrayContract | None:
    try:
        return compile_hint(annotation)
    except SpecError:
        raise
    except Exception as exc:  # an annotation we cannot read is a bug to report, not skip
        raise SpecError(
            repr(annotation), 0, f"cannot read this annotation in {where}: {exc}"
        ) from exc


_check_one = check_value


# --- the plan --------------------------------------------------------------------------


@dataclasses.dataclass
class _Param:
    name: str
    index: int  # position in the signature
    kind: Any  # inspect.Parameter kind
    checker: Checker | ArrayContract


class _Plan:
    """Everything `check` learns about a function at decoration time."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.qualname = getattr(fn, "__qualname__", repr(fn))
        code = getattr(fn, "__code__", None)
        self._code = code
        signature = self.signature = inspect.signature(fn)
        hints = _type_hints(fn)
        self.params: list[_Param] = []
        self.names: list[str] = []
        self.simple = True  # only positional-or-keyword parameters: args map by position
        self.defaults: list[Any] = []
        for index, (name, param) in enumerate(signature.parameters.items()):
            self.names.append(name)
            # Omitted arguments are not checked: a default is the author's choice, not the
            # caller's input (and `x: Float[...] = None` is common).
            self.defaults.append(_MISSING)
            if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                self.simple = False
            hint = hints.get(name, _MISSING)
            if hint is _MISSING:
                continue
            checker = _compile_annotation(hint, f"parameter {name!r} of {self.qualname}")
            if checker is not None:
                self.params.append(_Param(name, index, param.kind, checker))
        self.nparams = len(self.names)
        self.index_of = {
            name: i
            for i, (name, param) in enumerate(signature.parameters.items())
            if param.kind is not inspect.Parameter.POSITIONAL_ONLY
        }
        self.npositional = sum(1 for p in signature.parameters.values() if p.kind in _POSITIONAL)
        returns = hints.get("return", _MISSING)
        self.returns = (
            None
            if returns is _MISSING
            else _compile_annotation(returns, f"the return of {self.qualname}")
        )
        # Fast loop data: (index, contract, array type, dtype cache, exact rank, min rank, steps)
        self.arrays: list[tuple[Any, ...]] = []
        self.others: list[_Param] = []
        for p in self.params:
            if isinstance(p.checker, ArrayContract) and p.kind in _POSITIONAL:
                c = p.checker
                self.arrays.append(
                    (p.index, c, c.array_type, c.dtype_ok, c.exact_rank, c.min_rank, c.steps, p)
                )
            else:
                self.others.append(p)
        self._validate_names()
        self.fast = self._compile_fast()

    def _compile_fast(self) -> FastKernel | None:
        if any(
            not isinstance(p.checker, ArrayContract) and p.checker.contracts() for p in self.others
        ):
            return None  # a union or container of arrays shares bindings: general path
        if any(isinstance(p.checker, ArrayContract) for p in self.others):
            return None  # an array keyword-only or *args parameter
        returns = self.returns
        if returns is not None and not isinstance(returns, ArrayContract):
            if returns.contracts():
                return None
            returns = None  # checked by the wrapper on its own: it binds no dims
        params = [
            (p.index, p.checker)
            for p in self.params
            if isinstance(p.checker, ArrayContract) and p.kind in _POSITIONAL
        ]
        return compile_fast(params, returns)

    def _validate_names(self) -> None:
        """Expressions must refer to dims that some argument (or the return) binds."""
        bound: set[str] = set()
        variadic: set[str] = set()
        single: set[str] = set()
        contracts: list[tuple[str, ArrayContract]] = []
        for p in self.params:
            for c in (
                (p.checker,) if isinstance(p.checker, ArrayContract) else p.checker.contracts()
            ):
                contracts.append((p.name, c))
        if self.returns is not None:
            for c in (
                (self.returns,)
                if isinstance(self.returns, ArrayContract)
                else self.returns.contracts()
            ):
                contracts.append(("return", c))
        for _, c in contracts:
            bound |= bound_names(c.steps)
            for dim in c.spec.dims:
                name = getattr(dim, "name", None)
                if name is None:
                    continue
                (variadic if type(dim).__name__ == "VariadicDim" else single).add(name)
        clash = variadic & single
        if clash:
            name = sorted(clash)[0]
            raise SpecError(
                next(str(c.spec) for _, c in contracts if name in c.spec.names()),
                0,
                f"in {self.qualname}, {name!r} is a variadic dim (*{name}) in one annotation "
                "and a single dim in another",
                "use different names for the two",
            )
        # Arguments whose expressions need a name that only the return binds
        # (`x: "b 2*n" -> "b n"`) are checked once more after the return value.
        by_arguments: set[str] = set()
        for p in self.params:
            for c in (
                (p.checker,) if isinstance(p.checker, ArrayContract) else p.checker.contracts()
            ):
                by_arguments |= bound_names(c.steps)
        self.late = [
            p
            for p in self.params
            if any(
                referenced_names(c.steps) - by_arguments
                for c in (
                    (p.checker,) if isinstance(p.checker, ArrayContract) else p.checker.contracts()
                )
            )
        ]
        for owner, c in contracts:
            missing = referenced_names(c.steps) - bound
            if missing:
                spec = str(c.spec)
                name = sorted(missing)[0]
                raise SpecError(
                    spec,
                    max(spec.find(name), 0),
                    f"in {self.qualname} ({owner}), the expression refers to {name!r}, "
                    "which no argument binds",
                    f"bind {name!r} with a plain dim in some annotation, or write the size",
                )

    @property
    def where(self) -> str:
        """file:line of the definition, for messages (computed only when one is written)."""
        code = self._code
        return f"{_short_path(code.co_filename)}:{code.co_firstlineno}" if code else "?"

    def uses_assert_shape(self) -> bool:
        """Whether the body calls assert_shape (under any alias): then it shares bindings."""
        code = getattr(self.fn, "__code__", None)
        glob = getattr(self.fn, "__globals__", {})
        if code is None:
            return False
        import shapeguard

        for name in _all_names(code):
            obj = glob.get(name)
            if obj is assert_shape or obj is shapeguard:
                return True
        return False

    def collect(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Argument values by signature position (`_MISSING` where omitted), or None when
        the call does not bind: the function itself then raises its own TypeError."""
        if self.simple:
            if len(args) > self.npositional:
                return None
            values = list(args) + self.defaults[len(args) :]
            for name, value in kwargs.items():
                index = self.index_of.get(name)
                if index is None or values[index] is not _MISSING:
                    return None
                values[index] = value
            return values
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError:
            return None
        values = list(self.defaults)
        for index, name in enumerate(self.names):
            if name in bound.arguments:
                values[index] = bound.arguments[name]
        return values

    # --- failures ----------------------------------------------------------------------

    def fail(self, values: Any, failing: _Param | str, result: Any = _MISSING) -> ShapeError:
        """Replay the checks that passed, then explain the one that failed. With `result`
        given, the failing argument is a late one, checked after the return value."""
        if _under_torch_compile():
            # Sizes are symbolic while torch.compile traces: no message can show them.
            where = (
                "the return value"
                if failing == "return"
                else f"argument {getattr(failing, 'name', '')!r}"
            )
            return ShapeError(
                f"{self.qualname}(), {where}: breaks its contract (found while torch.compile "
                "traced the call; call the function without torch.compile for the full report)"
            )
        replay = Replay()
        for p in self.params:
            value = values[p.index]
            if p is failing and result is _MISSING:
                break
            if value is _MISSING or p is failing:
                continue
            for label, item in _items(p, value):
                replay.run(label, p.checker, item)
        if result is not _MISSING and failing != "return" and self.returns is not None:
            replay.run("the return value", self.returns, result)
        if failing == "return":
            assert self.returns is not None
            checker: Checker | ArrayContract = self.returns
            label, value = "the return value", result
        else:
            assert isinstance(failing, _Param)
            checker = failing.checker
            label, value = f"argument {failing.name!r}", values[failing.index]
            if failing.kind not in _POSITIONAL:
                element = failing.checker
                for item_label, item in _items(failing, value):
                    trial = dict(replay.bindings)
                    if not _check_one(element, item, trial):
                        shown = (
                            repr(item_label)
                            if failing.kind is inspect.Parameter.KEYWORD_ONLY
                            else item_label
                        )
                        checker, label, value = element, f"argument {shown}", item
                        break
                    replay.run(item_label, element, item)
        if isinstance(checker, (ArrayContract, UnionChecker)):
            name = failing.name if isinstance(failing, _Param) else "result"
            reason, hint = _explain(checker, value, replay.bindings, name)
        elif isinstance(checker, SequenceChecker):
            reason, hint = _explain_sequence(checker, value, replay)
        else:
            reason, hint = f"expected {_annotation_text(checker)}, got {summarize(value)}", ""
        title = f"{self.qualname}() at {self.where}, {label}"
        return ShapeError(_format(title, _annotation_text(checker), value, reason, replay, hint))


def _items(p: _Param, value: Any) -> list[tuple[str, Any]]:
    if p.kind is inspect.Parameter.VAR_POSITIONAL:
        return [(f"{p.name}[{i}]", v) for i, v in enumerate(value)]
    if p.kind is inspect.Parameter.VAR_KEYWORD:
        return [(f"{p.name}[{k!r}]", v) for k, v in value.items()]
    return [(p.name, value)]


def _explain(
    checker: Checker | ArrayContract, value: Any, bindings: dict[str, Any], name: str = "x"
) -> tuple[str, str]:
    if isinstance(checker, ArrayContract):
        return explain_array(checker, value, bindings, name)
    if isinstance(checker, UnionChecker):
        return describe_union(checker, value, bindings, name)
    return f"expected {_annotation_text(checker)}, got {summarize(value)}", ""


def _explain_sequence(checker: SequenceChecker, value: Any, replay: Replay) -> tuple[str, str]:
    if not isinstance(value, (tuple, list)) or not isinstance(value, checker.container):
        return f"expected a {checker.container.__name__}, got {summarize(value)}", ""
    if not checker.variadic and len(value) != len(checker.items):
        return f"expected {len(checker.items)} items, got {len(value)}", ""
    items = checker.items * len(value) if checker.variadic else checker.items
    for i, (item_checker, item) in enumerate(zip(items, value, strict=True)):
        trial = dict(replay.bindings)
        if not _check_one(item_checker, item, trial):
            reason, hint = _explain(item_checker, item, replay.bindings)
            return f"item {i}: {reason}", hint
        replay.run(f"item {i}", item_checker, item)
    return "the sequence does not match", ""  # pragma: no cover


def _annotation_text(checker: Checker | ArrayContract) -> str:
    if isinstance(checker, ArrayContract):
        return checker.text
    if isinstance(checker, UnionChecker):
        parts = [c.text for c in checker.arrays] + [
            getattr(o, "__name__", repr(o)) for o in checker.others
        ]
        if checker.allows_none:
            parts.append("None")
        return " | ".join(parts)
    hint = getattr(checker, "hint", None) or getattr(checker, "cls", None)
    if hint is not None:
        return getattr(hint, "__name__", None) or repr(hint)
    if isinstance(checker, SequenceChecker):
        inner = ", ".join(_annotation_text(i) for i in checker.items)
        suffix = ", ..." if checker.variadic else ""
        return f"{checker.container.__name__}[{inner}{suffix}]"
    return repr(checker)  # pragma: no cover


def _format(title: str, expected: str, value: Any, reason: str, replay: Replay, hint: str) -> str:
    lines = [
        title,
        f"  expected: {expected}",
        f"  got:      {summarize(value)}",
        f"  problem:  {reason}",
    ]
    bound = replay.describe()
    if bound:
        lines.append(f"  bound:    {bound}")
    if hint:
        lines.append(f"  fix:      {hint}")
    return "\n".join(lines)


def _all_names(code: Any) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _all_names(const)
    return names


# Paths in messages are relative to where the program started, by plain string operations:
# torch.compile cannot trace os.getcwd or os.path's C helpers while it traces a failing check.
_START_DIR = os.path.join(os.getcwd(), "")


def _short_path(path: str) -> str:
    return path[len(_START_DIR) :] if path.startswith(_START_DIR) else path


def _raise_spec_errors_in_text(annotations: dict[str, Any]) -> None:
    """Parse the shape strings inside string annotations (read with `ast`, not run)."""
    for text in annotations.values():
        if not isinstance(text, str):
            continue
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
                items = node.slice.elts
                if (
                    len(items) == 2
                    and isinstance(items[1], ast.Constant)
                    and isinstance(items[1].value, str)
                ):
                    parse_shape(items[1].value)


def _type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations. String annotations (PEP 563) are resolved by the standard
    library against the function's module, as every runtime checker does."""
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except SpecError:
        raise
    except Exception as exc:
        # jaxtyping rejects some malformed strings while the annotation is being built;
        # shapeguard's own parser says better what is wrong and how to fix it.
        _raise_spec_errors_in_text(getattr(fn, "__annotations__", {}))
        raise SpecError(
            "",
            0,
            f"cannot resolve the annotations of {getattr(fn, '__qualname__', fn)}: {exc}",
            "names used in annotations must be importable where the function is defined",
        ) from exc


# --- the decorator -------------------------------------------------------------------


def check(fn: _F) -> _F:
    """Enforce the shape and dtype contracts of `fn`'s annotations on every call.

    Works on functions, methods, static/class methods, `nn.Module.forward`, async
    functions and classes (every annotated method; for a dataclass, its fields on
    `__init__`). Raises `ShapeError` on a violation, `SpecError` here for a malformed spec.
    """
    if not _config.enabled:
        return fn
    if isinstance(fn, (staticmethod, classmethod)):
        return type(fn)(check(fn.__func__))
    if isinstance(fn, type):
        return _check_class(fn)  # type: ignore[return-value]
    if getattr(fn, "__shapeguard_checked__", False):
        return fn
    plan = _Plan(fn)
    if not plan.params and plan.returns is None:
        return fn
    if inspect.iscoroutinefunction(fn):
        wrapper = _async_wrapper(plan)
    elif inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        # A generator's return annotation describes what it yields, not a value to check.
        plan.returns = None
        wrapper = _sync_wrapper(plan, share=False)
    else:
        wrapper = _sync_wrapper(plan, share=plan.uses_assert_shape())
    functools.update_wrapper(wrapper, fn)
    wrapper.__shapeguard_checked__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _check_values(plan: _Plan, values: Any) -> dict[str, Any]:
    """The general path, and the reference semantics: check every annotated argument,
    binding dims into a fresh dict. Raises ShapeError (with the full story) on a violation."""
    b: dict[str, Any] = {}
    for index, contract, array_type, dtype_ok, exact_rank, min_rank, steps, p in plan.arrays:
        x = values[index]
        if array_type is not None and not isinstance(x, array_type):
            if x is _MISSING:
                continue
            raise plan.fail(values, p)
        try:
            shape = x.shape
            ok = dtype_ok.get(x.dtype)
        except AttributeError:
            if x is _MISSING:
                continue
            raise plan.fail(values, p) from None
        if ok is None:
            ok = contract.accepts_dtype(x.dtype)
        rank = len(shape)
        if (
            not ok
            or (rank != exact_rank and (exact_rank >= 0 or rank < min_rank))
            or match(steps, shape, b) >= 0
        ):
            raise plan.fail(values, p)
    for p in plan.others:
        value = values[p.index]
        if value is _MISSING:
            continue
        for _label, item in _items(p, value):
            if not _check_one(p.checker, item, b):
                raise plan.fail(values, p)
    return b


def _check_result(plan: _Plan, values: Any, result: Any, b: dict[str, Any]) -> None:
    """The return value against the call's bindings, then arguments whose expressions
    waited for a name that only the return binds."""
    returns = plan.returns
    if returns is not None and not _check_one(returns, result, b):
        raise plan.fail(values, "return", result)
    for p in plan.late:
        value = values[p.index]
        if value is _MISSING:
            continue
        for _label, item in _items(p, value):
            if not _check_one(p.checker, item, b):
                raise plan.fail(values, p, result)


def _check_others(plan: _Plan, values: Any) -> None:
    """The non-array parameters of a function with a fast kernel (they bind no dims)."""
    for p in plan.others:
        value = values[p.index]
        if value is not _MISSING:
            for _label, item in _items(p, value):
                if not _check_one(p.checker, item, {}):
                    raise plan.fail(values, p)


def _sync_wrapper(plan: _Plan, share: bool) -> Callable[..., Any]:
    fn = plan.fn
    code = getattr(fn, "__code__", None)
    collect = plan.collect
    nparams = plan.nparams if plan.simple else -1
    fast = None if share else plan.fast
    if fast is not None:
        return _fast_wrapper(plan, fast)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = args if len(args) == nparams and not kwargs else collect(args, kwargs)
        if values is None:
            return fn(*args, **kwargs)
        b = _check_values(plan, values)
        if share:
            token = _current_call.set((code, b))
            try:
                result = fn(*args, **kwargs)
            finally:
                _current_call.reset(token)
        else:
            result = fn(*args, **kwargs)
        _check_result(plan, values, result, b)
        return result

    return wrapper


def _fast_wrapper(plan: _Plan, fast: FastKernel) -> Callable[..., Any]:
    """The wrapper for functions with a fast kernel (see `_fastpath`).

    Any doubt (a first-seen dtype, a failed comparison) goes to `general`, which runs the
    reference checks and raises the full error. The checks of the first two arrays are
    written out rather than looped over: at ~1 µs a call, a Python loop's overhead is a
    third of the budget, and most signatures have one or two arrays.
    """
    fn = plan.fn
    collect = plan.collect
    nparams = plan.nparams if plan.simple else -1
    others = plan.others  # non-array annotations only, when there is a fast kernel
    returns = plan.returns
    result_spec = fast.result
    # A return annotation without arrays (`-> None`, `-> int`) is one isinstance.
    return_class = returns.cls if isinstance(returns, ClassChecker) else None
    return_other = returns if result_spec is None and return_class is None else None

    def general(args: tuple[Any, ...], kwargs: dict[str, Any], values: Any) -> Any:
        b = _check_values(plan, values)  # raises, or the fast path only lacked a dtype
        result = fn(*args, **kwargs)
        _check_result(plan, values, result, b)
        return result

    def settle(
        args: tuple[Any, ...], kwargs: dict[str, Any], values: Any, result: Any, shapes: Any
    ) -> Any:
        """The result checks that are not written out in the wrapper."""
        if result_spec is not None:
            if check_array(result_spec, result, shapes) is not None:
                return result
        elif return_other is None or _check_one(return_other, result, {}):
            return result
        _check_result(plan, values, result, _check_values(plan, values))
        return result

    specs = fast.args
    if len(specs) not in (1, 2):

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = args if len(args) == nparams and not kwargs else collect(args, kwargs)
            if values is None:  # the call does not bind: let the function say why
                return fn(*args, **kwargs)
            shapes = fast.check_args(values)
            if shapes is None:
                return general(args, kwargs, values)
            if others:
                _check_others(plan, values)
            return settle(args, kwargs, values, fn(*args, **kwargs), shapes)

        return wrapper

    # The first array: nothing is kept before it, so it is never compared with an earlier
    # shape; its own shape object is kept for the second array and the result.
    first = specs[0]
    assert first.expect_from is None
    assert first.shared_from is None
    i0, t0, ok0 = first.index, first.array_type, first.accepted_dtypes
    xr0, mr0 = first.exact_rank, first.min_rank
    fo0, fs0 = first.fixed_own, first.fixed_sizes
    two = len(specs) == 2
    second = specs[-1]
    i1, t1, ok1 = second.index, second.array_type, second.accepted_dtypes
    er1 = second.expect_run
    # How the second array is checked: 0, its whole shape is the first one's (the same spec
    # twice, the most common case); 1, it is a run of the first one's dims; 2, general.
    mode1 = 2 if second.expect_from is None else (0 if er1 == slice(None) else 1)
    # The result, most often: a class (`-> None`), or a run of the first array's dims
    # ("*batch" of "*batch h w n"); both are checked without a call.
    r_expect = result_spec is not None and result_spec.expect_from == 0
    if result_spec is not None:
        r_type, r_ok, r_run = (
            result_spec.array_type,
            result_spec.accepted_dtypes,
            result_spec.expect_run,
        )
    # A result of fixed sizes only (a scalar loss, "") is compared with a constant.
    r_const = _fixed_shape(returns) if result_spec is not None and not r_expect else None
    # No return annotation: every result passes the isinstance test against `object`.
    result_class = object if returns is None else return_class

    def fast_wrapper(*args: Any, **kwargs: Any) -> Any:
        values = args if len(args) == nparams and not kwargs else collect(args, kwargs)
        if values is None:
            return fn(*args, **kwargs)
        x = values[i0]
        if not isinstance(x, t0) or x.dtype not in ok0:
            return general(args, kwargs, values)
        kept = x.shape
        r = len(kept)
        if r != xr0 and (xr0 >= 0 or r < mr0):
            return general(args, kwargs, values)
        if fo0 is not None and kept[fo0] != fs0:
            return general(args, kwargs, values)
        shapes = None
        if two:
            x = values[i1]
            if not isinstance(x, t1) or x.dtype not in ok1:
                return general(args, kwargs, values)
            if mode1 == 0:
                if x.shape != kept:
                    return general(args, kwargs, values)
            elif mode1 == 1:
                if x.shape != kept[er1]:
                    return general(args, kwargs, values)
            else:
                shapes = check_array(second, x, (kept,))
                if shapes is None:
                    return general(args, kwargs, values)
        if others:
            _check_others(plan, values)
        result = fn(*args, **kwargs)
        if result_class is not None:
            if isinstance(result, result_class):
                return result
        elif r_expect:
            if isinstance(result, r_type) and result.dtype in r_ok and result.shape == kept[r_run]:
                return result
        elif (
            r_const is not None
            and isinstance(result, r_type)
            and result.dtype in r_ok
            and result.shape == r_const
        ):
            return result
        return settle(args, kwargs, values, result, shapes or (kept,))

    return fast_wrapper


def _fixed_shape(checker: Checker | ArrayContract | None) -> tuple[int, ...] | None:
    """The shape a contract of fixed sizes only (`""`, `"23 23 1"`) allows, else None."""
    if not isinstance(checker, ArrayContract):
        return None
    dims = checker.spec.dims
    if not all(isinstance(d, FixedDim) and not d.broadcast for d in dims):
        return None
    return tuple(d.size for d in dims if isinstance(d, FixedDim))


def _under_torch_compile() -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and bool(torch.compiler.is_compiling())


def _async_wrapper(plan: _Plan) -> Callable[..., Any]:
    fn = plan.fn
    code = getattr(fn, "__code__", None)
    collect = plan.collect
    nparams = plan.nparams if plan.simple else -1

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = args if len(args) == nparams and not kwargs else collect(args, kwargs)
        if values is None:
            return await fn(*args, **kwargs)
        b = _check_values(plan, values)
        token = _current_call.set((code, b))
        try:
            result = await fn(*args, **kwargs)
        finally:
            _current_call.reset(token)
        _check_result(plan, values, result, b)
        return result

    return wrapper


def _check_class(cls: type) -> type:
    """Check every annotated method; for a dataclass, check its fields after `__init__`."""
    for name, attr in list(vars(cls).items()):
        if name == "__init__" and dataclasses.is_dataclass(cls):
            continue
        if inspect.isfunction(attr) or isinstance(attr, (staticmethod, classmethod)):
            func = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
            if getattr(func, "__annotations__", None):
                setattr(cls, name, check(attr))  # type: ignore[type-var]
    if dataclasses.is_dataclass(cls):
        check_dataclass_fields(cls)
    return cls


def check_dataclass_fields(cls: type) -> None:
    """Check a dataclass's fields after its `__init__` (used by `check` and the import hook).

    The wrapped `__init__` carries `__shapeguard_checked__`, so a second call does nothing."""
    if getattr(vars(cls).get("__init__"), "__shapeguard_checked__", False):
        return
    hints = _type_hints(cls)
    fields: list[tuple[str, Checker | ArrayContract]] = []
    for f in dataclasses.fields(cls):
        hint = hints.get(f.name, _MISSING)
        if hint is _MISSING:
            continue
        checker = _compile_annotation(hint, f"field {f.name!r} of {cls.__qualname__}")
        if checker is not None:
            fields.append((f.name, checker))
    if not fields:
        return
    original_init = cls.__init__  # type: ignore[misc]
    module = sys.modules.get(cls.__module__)
    where = _short_path(getattr(module, "__file__", None) or f"<{cls.__module__}>")

    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        b: dict[str, Any] = {}
        for name, checker in fields:
            if not _check_one(checker, getattr(self, name), b):
                replay = Replay()
                for done_name, done in fields:
                    if done_name == name:
                        break
                    replay.run(f"field {done_name!r}", done, getattr(self, done_name))
                value = getattr(self, name)
                reason, hint = _explain(checker, value, replay.bindings, f"self.{name}")
                title = f"{cls.__qualname__}() ({where}), field {name!r}"
                raise ShapeError(
                    _format(title, _annotation_text(checker), value, reason, replay, hint)
                )

    __init__.__shapeguard_checked__ = True  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]


__all__ = ["Config", "array_contract", "assert_shape", "check", "config", "is_array_annotation"]
