"""The plugin's error codes and one helper per message.

Every message the plugin emits is written here, so that wording stays consistent and the
tests can grep one place. Codes: `shape` (a definite shape conflict), `dtype` (a dtype-family
conflict), `shape-spec` (a malformed shape string, same text as the runtime `SpecError`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mypy.errorcodes import ErrorCode
from mypy.nodes import Context
from mypy.plugin import CheckerPluginInterface, TypeAnalyzerPluginInterface

from shapeguard._errors import SpecError

SHAPE = ErrorCode("shape", "Tensor shape conflicts with a shape contract", "shapeguard")
DTYPE = ErrorCode("dtype", "Tensor dtype family conflicts with a contract", "shapeguard")
SHAPE_SPEC = ErrorCode("shape-spec", "Malformed shape string in an annotation", "shapeguard")

ALL_CODES = (SHAPE, DTYPE, SHAPE_SPEC)


@contextmanager
def _unfiltered(api: object) -> Iterator[None]:
    """Report past mypy's error watchers.

    mypy checks a call against each overload candidate (and `return <call>` in two passes)
    inside error watchers, and reads any new error as "this candidate does not match". A
    shape finding is not a reason to pick another overload, so it is recorded directly;
    mypy drops the duplicates of one message on one line.
    """
    errors = getattr(getattr(api, "msg", None), "errors", None)
    watchers = getattr(errors, "_watchers", None)
    if not isinstance(watchers, list) or not watchers:
        yield
        return
    saved = list(watchers)
    watchers.clear()
    try:
        yield
    finally:
        watchers.extend(saved)


def quote(spec: object) -> str:
    """A spec as it appears in messages: the canonical spelling in double quotes."""
    return f'"{spec}"'


def spec_error(api: TypeAnalyzerPluginInterface, error: SpecError, context: Context) -> None:
    """`[shape-spec]`: the runtime `SpecError` text, first line as the error, the rest as notes."""
    first, *rest = error.render().split("\n")
    api.fail(first, context, code=SHAPE_SPEC)
    note = getattr(api, "note", None)
    if note is None:
        return
    for line in rest:
        note(line, context, code=SHAPE_SPEC)


def shape_error(api: CheckerPluginInterface, message: str, context: Context) -> None:
    with _unfiltered(api):
        api.fail(message, context, code=SHAPE)


def dtype_error(api: CheckerPluginInterface, message: str, context: Context) -> None:
    with _unfiltered(api):
        api.fail(message, context, code=DTYPE)


def argument_shape(where: str, actual: object, expected: object, detail: str) -> str:
    """`Argument "labels" to "loss" has shape "b 22 22"; expected "*batch h w": <detail>`."""
    return f"{where} has shape {quote(actual)}; expected {quote(expected)}: {detail}"


def argument_dtype(where: str, actual: str, expected: str) -> str:
    return f"{where} has dtype {actual}; expected {expected}"


def assignment_shape(target: str, actual: object, expected: object, detail: str) -> str:
    """`Value assigned to "y" has shape "4 22 22"; expected "b h w": <detail>`."""
    return f'Value assigned to "{target}" has shape {quote(actual)}; expected {quote(expected)}: ' \
        f"{detail}"


def assignment_dtype(target: str, actual: str, expected: str) -> str:
    return f'Value assigned to "{target}" has dtype {actual}; expected {expected}'


def return_shape(callee: str, actual: object, expected: object, detail: str) -> str:
    return (
        f"Value returned from {callee} has shape {quote(actual)}; "
        f"declared return shape is {quote(expected)}: {detail}"
    )


def return_dtype(callee: str, actual: str, expected: str) -> str:
    return f"Value returned from {callee} has dtype {actual}; declared return dtype is {expected}"


def op_error(op: str, problem: str) -> str:
    """A conflict found by a library-op rule: `"squeeze": dim 3 has size 5, not 1`."""
    return f'"{op}": {problem}'


def reveal(api: CheckerPluginInterface, family: str | None, spec: object | None,
           context: Context) -> None:
    if spec is None and family is None:
        text = "Revealed shape is unknown"
    elif spec is None:
        text = f"Revealed shape is {family}[unknown shape]"
    else:
        text = f"Revealed shape is {family or 'Shaped'}[{quote(spec)}]"
    with _unfiltered(api):
        api.msg.note(text, context)
