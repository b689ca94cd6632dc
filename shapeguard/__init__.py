"""shapeguard: tensor shape and dtype contracts, checked at run time, in mypy, and at the loss.

This module is the one front door; the parts live in private modules beside it:
`_spec` (the contract language, one parser for every part), `_runtime` (`@check`),
`mypy_plugin/` (the static checker), `losses/` (typed segmentation losses), `_diagnose` and
`_align` (mismatch explanations and label resizing), `_cli` (the `shapeguard` command).

Names are loaded on first use (PEP 562): `import shapeguard` stays cheap for the mypy
plugin, which needs only the parser, and for numpy-only programs.
"""

from typing import TYPE_CHECKING, Any

from ._errors import ShapeError as ShapeError, SpecError as SpecError
from ._reveal import reveal_shape as reveal_shape
from ._spec import ShapeSpec as ShapeSpec, parse_shape as parse_shape

__version__ = "0.1.0"

if TYPE_CHECKING:
    # Type checkers see the dtype families as `typing.Annotated`, exactly as jaxtyping
    # declares them: `Float[Tensor, "h w"]` is then plain `Tensor` to mypy without the
    # plugin and to pyright, and the shapeguard plugin reads the shape string off the
    # `Annotated` form. At run time they are jaxtyping's own classes.
    from typing import (
        Annotated as BFloat16,
        Annotated as Bool,
        Annotated as Complex,
        Annotated as Complex64,
        Annotated as Complex128,
        Annotated as Float,
        Annotated as Float16,
        Annotated as Float32,
        Annotated as Float64,
        Annotated as Inexact,
        Annotated as Int,
        Annotated as Int8,
        Annotated as Int16,
        Annotated as Int32,
        Annotated as Int64,
        Annotated as Integer,
        Annotated as Num,
        Annotated as Real,
        Annotated as Shaped,
        Annotated as UInt,
        Annotated as UInt8,
        Annotated as UInt16,
        Annotated as UInt32,
        Annotated as UInt64,
    )

    from ._align import align_labels as align_labels
    from ._diagnose import diagnose as diagnose
    from ._import_hook import install_import_hook as install_import_hook
    from ._runtime import (
        Config as Config,
        assert_shape as assert_shape,
        check as check,
        config as config,
    )


# name -> module that defines it, imported when the name is first used.
_LAZY: dict[str, str] = {
    "BFloat16": "jaxtyping",
    "Bool": "jaxtyping",
    "Complex": "jaxtyping",
    "Complex64": "jaxtyping",
    "Complex128": "jaxtyping",
    "Float": "jaxtyping",
    "Float16": "jaxtyping",
    "Float32": "jaxtyping",
    "Float64": "jaxtyping",
    "Inexact": "jaxtyping",
    "Int": "jaxtyping",
    "Int8": "jaxtyping",
    "Int16": "jaxtyping",
    "Int32": "jaxtyping",
    "Int64": "jaxtyping",
    "Integer": "jaxtyping",
    "Num": "jaxtyping",
    "Real": "jaxtyping",
    "Shaped": "jaxtyping",
    "UInt": "jaxtyping",
    "UInt8": "jaxtyping",
    "UInt16": "jaxtyping",
    "UInt32": "jaxtyping",
    "UInt64": "jaxtyping",
    "align_labels": "shapeguard._align",
    "diagnose": "shapeguard._diagnose",
    "install_import_hook": "shapeguard._import_hook",
    "Config": "shapeguard._runtime",
    "assert_shape": "shapeguard._runtime",
    "check": "shapeguard._runtime",
    "config": "shapeguard._runtime",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'shapeguard' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# Explicit exports: mypy --strict does not count `Annotated as Float` as a re-export.
__all__ = [
    "BFloat16",
    "Bool",
    "Complex",
    "Complex64",
    "Complex128",
    "Config",
    "Float",
    "Float16",
    "Float32",
    "Float64",
    "Inexact",
    "Int",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Integer",
    "Num",
    "Real",
    "ShapeError",
    "ShapeSpec",
    "Shaped",
    "SpecError",
    "UInt",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "align_labels",
    "assert_shape",
    "check",
    "config",
    "diagnose",
    "install_import_hook",
    "parse_shape",
    "reveal_shape",
]
