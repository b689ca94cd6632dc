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
    )
    from typing import (
        Annotated as Bool,
    )
    from typing import (
        Annotated as Complex,
    )
    from typing import (
        Annotated as Complex64,
    )
    from typing import (
        Annotated as Complex128,
    )
    from typing import (
        Annotated as Float,
    )
    from typing import (
        Annotated as Float16,
    )
    from typing import (
        Annotated as Float32,
    )
    from typing import (
        Annotated as Float64,
    )
    from typing import (
        Annotated as Inexact,
    )
    from typing import (
        Annotated as Int,
    )
    from typing import (
        Annotated as Int8,
    )
    from typing import (
        Annotated as Int16,
    )
    from typing import (
        Annotated as Int32,
    )
    from typing import (
        Annotated as Int64,
    )
    from typing import (
        Annotated as Integer,
    )
    from typing import (
        Annotated as Num,
    )
    from typing import (
        Annotated as Real,
    )
    from typing import (
        Annotated as Shaped,
    )
    from typing import (
        Annotated as UInt,
    )
    from typing import (
        Annotated as UInt8,
    )
    from typing import (
        Annotated as UInt16,
    )
    from typing import (
        Annotated as UInt32,
    )
    from typing import (
        Annotated as UInt64,
    )
else:
    from jaxtyping import (
        BFloat16 as BFloat16,
    )
    from jaxtyping import (
        Bool as Bool,
    )
    from jaxtyping import (
        Complex as Complex,
    )
    from jaxtyping import (
        Complex64 as Complex64,
    )
    from jaxtyping import (
        Complex128 as Complex128,
    )
    from jaxtyping import (
        Float as Float,
    )
    from jaxtyping import (
        Float16 as Float16,
    )
    from jaxtyping import (
        Float32 as Float32,
    )
    from jaxtyping import (
        Float64 as Float64,
    )
    from jaxtyping import (
        Inexact as Inexact,
    )
    from jaxtyping import (
        Int as Int,
    )
    from jaxtyping import (
        Int8 as Int8,
    )
    from jaxtyping import (
        Int16 as Int16,
    )
    from jaxtyping import (
        Int32 as Int32,
    )
    from jaxtyping import (
        Int64 as Int64,
    )
    from jaxtyping import (
        Integer as Integer,
    )
    from jaxtyping import (
        Num as Num,
    )
    from jaxtyping import (
        Real as Real,
    )
    from jaxtyping import (
        Shaped as Shaped,
    )
    from jaxtyping import (
        UInt as UInt,
    )
    from jaxtyping import (
        UInt8 as UInt8,
    )
    from jaxtyping import (
        UInt16 as UInt16,
    )
    from jaxtyping import (
        UInt32 as UInt32,
    )
    from jaxtyping import (
        UInt64 as UInt64,
    )

from ._align import align_labels as align_labels
from ._diagnose import diagnose as diagnose
from ._errors import ShapeError as ShapeError
from ._errors import SpecError as SpecError
from ._import_hook import install_import_hook as install_import_hook
from ._reveal import reveal_shape as reveal_shape
from ._runtime import Config as Config
from ._runtime import assert_shape as assert_shape
from ._runtime import check as check
from ._runtime import config as config
from ._spec import ShapeSpec as ShapeSpec
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
