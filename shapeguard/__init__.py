"""shapeguard: tensor shape and dtype contracts, checked at run time, in mypy, and at the loss.

This module is the one front door; the parts live in private modules beside it:
`_spec` (the contract language), `_runtime` (`@check`), `mypy_plugin` (the static checker),
`losses` (typed segmentation losses), `_diagnose` (mismatch explanations), `_cli`.
"""

from typing import TYPE_CHECKING

# Type checkers see the dtype families as `typing.Annotated`, exactly as jaxtyping declares
# them: `Float[Tensor, "h w"]` is then plain `Tensor` to mypy-without-plugin and to
# pyright, and the shapeguard mypy plugin reads the shape string off the `Annotated` form.
# At run time they are jaxtyping's own classes (`shapeguard.Float is jaxtyping.Float`).
if TYPE_CHECKING:
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
else:
    from jaxtyping import (
        BFloat16 as BFloat16,
        Bool as Bool,
        Complex as Complex,
        Complex64 as Complex64,
        Complex128 as Complex128,
        Float as Float,
        Float16 as Float16,
        Float32 as Float32,
        Float64 as Float64,
        Inexact as Inexact,
        Int as Int,
        Int8 as Int8,
        Int16 as Int16,
        Int32 as Int32,
        Int64 as Int64,
        Integer as Integer,
        Num as Num,
        Real as Real,
        Shaped as Shaped,
        UInt as UInt,
        UInt8 as UInt8,
        UInt16 as UInt16,
        UInt32 as UInt32,
        UInt64 as UInt64,
    )

from ._errors import ShapeError as ShapeError
from ._errors import SpecError as SpecError
from ._spec import ShapeSpec as ShapeSpec
from ._reveal import reveal_shape as reveal_shape
from ._diagnose import diagnose as diagnose
from ._align import align_labels as align_labels
from ._runtime import Config as Config
from ._runtime import assert_shape as assert_shape
from ._runtime import check as check
from ._runtime import config as config
from ._import_hook import install_import_hook as install_import_hook
from ._spec import parse_shape as parse_shape

__version__ = "0.1.0"

# Explicit exports: under TYPE_CHECKING the dtype families are `Annotated as Float`, which
# mypy --strict does not count as a re-export without this list.
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
    "parse_shape",
    "reveal_shape",
]
