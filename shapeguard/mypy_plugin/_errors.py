"""The plugin's error codes and one helper per message.

Every message the plugin emits is written here, so that wording stays consistent and the
tests can grep one place. Codes: `shape` (a definite shape conflict), `dtype` (a dtype-family
conflict), `shape-spec` (a malformed shape string, same text as the runtime `SpecError`).
"""

from __future__ import annotations

from mypy.errorcodes import ErrorCode
from mypy.nodes import Context
from mypy.plugin import CheckerPluginInterface, TypeAnalyzerPluginInterface

from shapeguard._errors import SpecError

SHAPE = ErrorCode("shape", "Tensor shape conflicts with a shape contract", "shapeguard")
DTYPE = ErrorCode("dtype", "Tensor dtype family conflicts with a contract", "shapeguard")
SHAPE_SPEC = ErrorCode("shape-spec", "Malformed shape string in an annotation", "shapeguard")

ALL_CODES = (SHAPE, DTYPE, SHAPE_SPEC)


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
    api.fail(message, context, code=SHAPE)


def dtype_error(api: CheckerPluginInterface, message: str, context: Context) -> None:
    api.fail(message, context, code=DTYPE)


def argument_shape(where: str, actual: object, expected: object, detail: str) -> str:
    """`Argument "labels" to "loss" has shape "b 22 22"; expected "*batch h w": <detail>`."""
    return f"{where} has shape {quote(actual)}; expected {quote(expected)}: {detail}"


def argument_dtype(where: str, actual: str, expected: str) -> str:
    return f"{where} has dtype {actual}; expected {expected}"


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
    api.msg.note(text, context)
