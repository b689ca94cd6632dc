"""The second pass of `shapeguard check`: returns and annotated assignments, with the full
type map of a module mypy has just checked.

No public mypy hook sees `return x` (a name, not a call) or `y: Float[T, "b h"] = expr`: the
plugin's hooks fire on calls. After mypy's build (with `export_types`), every expression of
a re-checked module has its inferred type, carrying its shape the way the plugin stores it
(`extra_attrs`, read by the plugin's `read_shaped`). This pass walks the statements of each
function and compares:

- `return <expr>` against the function's declared return contract,
- `name: <contract> = <expr>` against the annotation,

with the plugin's own comparison (`compare_to_declaration`, the one `return <call>` uses)
and its own message builders, so one finding reads the same whichever part found it.

Scope: dims named in the function's parameter annotations (and those of enclosing
functions) are the function's symbols. Any other name in the declared shape is free: bound
by the return (or the assignment) itself, once, consistently within that shape, as at run
time. Any other name in an inferred shape is a local of unknown size. Unknown is never a
conflict. Imports mypy: only `shapeguard check` loads this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from mypy.nodes import (
    AssignmentStmt,
    Block,
    ClassDef,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    IfStmt,
    MatchStmt,
    MypyFile,
    NameExpr,
    OverloadedFuncDef,
    ReturnStmt,
    Statement,
    TempNode,
    TryStmt,
    WhileStmt,
    WithStmt,
)
from mypy.types import CallableType, Type, get_proper_type

from shapeguard.mypy_plugin import _errors
from shapeguard.mypy_plugin._contracts import compare_to_declaration, localize, spec_names
from shapeguard.mypy_plugin._types import Shaped, dtypes_conflict, read_shaped


@dataclass(frozen=True)
class PassFinding:
    line: int
    column: int  # 0-based, as mypy stores it
    code: str  # "shape" or "dtype"
    message: str
    expected: str
    actual: str


def check_module(tree: MypyFile, types: Mapping[Expression, Type]) -> list[PassFinding]:
    """All return/assignment conflicts in one module (before `# type: ignore` filtering)."""
    out: list[PassFinding] = []
    _walk(tree.defs, None, frozenset(), types, out)
    return out


@dataclass(frozen=True)
class _Scope:
    name: str
    returns: Shaped | None


def _walk(
    body: list[Statement],
    scope: _Scope | None,
    symbols: frozenset[str],
    types: Mapping[Expression, Type],
    out: list[PassFinding],
) -> None:
    for stmt in body:
        for func in _functions(stmt):
            _function(func, symbols, types, out)
        if isinstance(stmt, ClassDef):
            _walk(stmt.defs.body, None, symbols, types, out)
        elif isinstance(stmt, ReturnStmt):
            if scope is not None and stmt.expr is not None:
                _return(stmt, stmt.expr, scope, symbols, types, out)
        elif isinstance(stmt, AssignmentStmt):
            _assignment(stmt, symbols, types, out)
        for block in _blocks(stmt):
            _walk(block.body, scope, symbols, types, out)


def _functions(stmt: Statement) -> Iterator[FuncDef]:
    if isinstance(stmt, FuncDef):
        yield stmt
    elif isinstance(stmt, Decorator):
        yield stmt.func
    elif isinstance(stmt, OverloadedFuncDef):
        # Overload items have no body; the implementation does.
        impl = stmt.impl
        if isinstance(impl, Decorator):
            yield impl.func
        elif isinstance(impl, FuncDef):
            yield impl


def _blocks(stmt: Statement) -> Iterator[Block]:
    """The nested blocks of a compound statement (not function or class bodies)."""
    if isinstance(stmt, Block):
        yield stmt
    elif isinstance(stmt, IfStmt):
        yield from stmt.body
        if stmt.else_body is not None:
            yield stmt.else_body
    elif isinstance(stmt, (WhileStmt, ForStmt)):
        yield stmt.body
        if stmt.else_body is not None:
            yield stmt.else_body
    elif isinstance(stmt, WithStmt):
        yield stmt.body
    elif isinstance(stmt, TryStmt):
        yield stmt.body
        yield from stmt.handlers
        if stmt.else_body is not None:
            yield stmt.else_body
        if stmt.finally_body is not None:
            yield stmt.finally_body
    elif isinstance(stmt, MatchStmt):
        yield from stmt.bodies


def _function(
    func: FuncDef,
    outer: frozenset[str],
    types: Mapping[Expression, Type],
    out: list[PassFinding],
) -> None:
    sig = get_proper_type(func.type) if func.type is not None else None
    symbols = set(outer)
    returns: Shaped | None = None
    if isinstance(sig, CallableType):
        for arg in sig.arg_types:
            shaped = read_shaped(arg)
            if shaped is not None and shaped.spec is not None:
                symbols |= spec_names(shaped.spec)
        if not (func.is_generator or func.is_async_generator):
            returns = read_shaped(sig.ret_type)
    _walk(func.body.body, _Scope(func.name, returns), frozenset(symbols), types, out)


def _compare(
    declared: Shaped,
    actual: Shaped,
    symbols: frozenset[str],
) -> tuple[str | None, bool]:
    """(shape conflict detail or None, dtype conflict)."""
    dtype_bad = dtypes_conflict(actual.family, declared.family)
    detail: str | None = None
    if declared.spec is not None and actual.spec is not None:
        free = spec_names(declared.spec) - symbols
        detail = compare_to_declaration(declared.spec, localize(actual.spec, symbols), free)
    return detail, dtype_bad


def _shape_of(expr: Expression, types: Mapping[Expression, Type]) -> Shaped | None:
    """What the type map knows about `expr`'s shape, or None. (Shapes that mypy's TypeVar
    solving would carry into a generic function's result are dropped by the plugin's call
    hooks, which ran when this type map was built.)"""
    return read_shaped(types.get(expr))


def _return(
    stmt: ReturnStmt,
    expr: Expression,
    scope: _Scope,
    symbols: frozenset[str],
    types: Mapping[Expression, Type],
    out: list[PassFinding],
) -> None:
    declared = scope.returns
    if declared is None:
        return
    actual = _shape_of(expr, types)
    if actual is None:
        return
    detail, dtype_bad = _compare(declared, actual, symbols)
    callee = f'"{scope.name}"'
    if dtype_bad and actual.family is not None and declared.family is not None:
        out.append(PassFinding(
            stmt.line, stmt.column, "dtype",
            _errors.return_dtype(callee, actual.family, declared.family),
            declared.family, actual.family,
        ))
    if detail is not None and declared.spec is not None and actual.spec is not None:
        out.append(PassFinding(
            stmt.line, stmt.column, "shape",
            _errors.return_shape(callee, actual.spec, declared.spec, detail),
            str(declared.spec), str(actual.spec),
        ))


def _assignment(
    stmt: AssignmentStmt,
    symbols: frozenset[str],
    types: Mapping[Expression, Type],
    out: list[PassFinding],
) -> None:
    if stmt.type is None or stmt.is_alias_def or isinstance(stmt.rvalue, TempNode):
        return
    if len(stmt.lvalues) != 1 or not isinstance(stmt.lvalues[0], NameExpr):
        return
    if stmt.unanalyzed_type is None:
        return  # an inferred type, not an annotation
    declared = read_shaped(stmt.type)
    if declared is None:
        return
    actual = _shape_of(stmt.rvalue, types)
    if actual is None:
        return
    detail, dtype_bad = _compare(declared, actual, symbols)
    target = stmt.lvalues[0].name
    if dtype_bad and actual.family is not None and declared.family is not None:
        out.append(PassFinding(
            stmt.rvalue.line, stmt.rvalue.column, "dtype",
            _errors.assignment_dtype(target, actual.family, declared.family),
            declared.family, actual.family,
        ))
    if detail is not None and declared.spec is not None and actual.spec is not None:
        out.append(PassFinding(
            stmt.rvalue.line, stmt.rvalue.column, "shape",
            _errors.assignment_shape(target, actual.spec, declared.spec, detail),
            str(declared.spec), str(actual.spec),
        ))
