"""The segmentation losses typed for the 23x23 grid of the original question.

Same functions, same behaviour as `shapeguard.losses`, with `23 23` written into their
contracts: a 22x22 label, or 23x23 logits that a layer turned into 24x24, is a `ShapeError` at
run time and, with the mypy plugin, an error before anything runs. The aliases name the
tensors of this task, for annotating the model and the data pipeline:

    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Grid23Logits: ...
"""

from typing import Literal, overload

from torch import Tensor

from .. import Bool, Float, Int
from .._runtime import check
from . import _core
from ._core import Reduction, explained

__all__ = [
    "Grid23BinaryLabels",
    "Grid23BinaryLabelsChannelsFirst",
    "Grid23BinaryLogits",
    "Grid23BinaryLogitsChannelsFirst",
    "Grid23BinaryMask",
    "Grid23BinaryMaskChannelsFirst",
    "Grid23ClassIndices",
    "Grid23ClassProbabilities",
    "Grid23ClassProbabilitiesChannelsFirst",
    "Grid23Logits",
    "Grid23LogitsChannelsFirst",
    "binary_cross_entropy",
    "binary_cross_entropy_channels_first",
    "cross_entropy",
    "cross_entropy_channels_first",
]

# --- type aliases --------------------------------------------------------------------------
# Binary: one channel of logits; labels of exactly the same shape, float 0/1 or bool.
Grid23BinaryLogits = Float[Tensor, "*batch 23 23 1"]
Grid23BinaryLabels = Float[Tensor, "*batch 23 23 1"]
Grid23BinaryMask = Bool[Tensor, "*batch 23 23 1"]
Grid23BinaryLogitsChannelsFirst = Float[Tensor, "*batch 1 23 23"]
Grid23BinaryLabelsChannelsFirst = Float[Tensor, "*batch 1 23 23"]
Grid23BinaryMaskChannelsFirst = Bool[Tensor, "*batch 1 23 23"]
# Multi-class: n classes of logits; labels are class indices, or probabilities per class.
Grid23Logits = Float[Tensor, "*batch 23 23 n"]
Grid23ClassIndices = Int[Tensor, "*batch 23 23"]
Grid23ClassProbabilities = Float[Tensor, "*batch 23 23 n"]
Grid23LogitsChannelsFirst = Float[Tensor, "*batch n 23 23"]
Grid23ClassProbabilitiesChannelsFirst = Float[Tensor, "*batch n 23 23"]


# --- binary, channels-last -----------------------------------------------------------------


@overload
def binary_cross_entropy(
    logits: Float[Tensor, "*batch 23 23 1"],
    labels: Float[Tensor, "*batch 23 23 1"] | Bool[Tensor, "*batch 23 23 1"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def binary_cross_entropy(
    logits: Float[Tensor, "*batch 23 23 1"],
    labels: Float[Tensor, "*batch 23 23 1"] | Bool[Tensor, "*batch 23 23 1"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch 23 23 1"]: ...
@explained("binary", "channels_last")
@check
def binary_cross_entropy(
    logits: Float[Tensor, "*batch 23 23 1"],
    labels: Float[Tensor, "*batch 23 23 1"] | Bool[Tensor, "*batch 23 23 1"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch 23 23 1"]:
    """`shapeguard.losses.binary_cross_entropy` with the grid fixed at 23x23."""
    return _core.binary_cross_entropy(
        logits, labels, pos_weight=pos_weight, reduction=reduction,
        validate_labels=validate_labels, function="grid23.binary_cross_entropy",
    )  # fmt: skip


# --- binary, channels-first ----------------------------------------------------------------


@overload
def binary_cross_entropy_channels_first(
    logits: Float[Tensor, "*batch 1 23 23"],
    labels: Float[Tensor, "*batch 1 23 23"] | Bool[Tensor, "*batch 1 23 23"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def binary_cross_entropy_channels_first(
    logits: Float[Tensor, "*batch 1 23 23"],
    labels: Float[Tensor, "*batch 1 23 23"] | Bool[Tensor, "*batch 1 23 23"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch 1 23 23"]: ...
@explained("binary", "channels_first")
@check
def binary_cross_entropy_channels_first(
    logits: Float[Tensor, "*batch 1 23 23"],
    labels: Float[Tensor, "*batch 1 23 23"] | Bool[Tensor, "*batch 1 23 23"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch 1 23 23"]:
    """`shapeguard.losses.binary_cross_entropy_channels_first` with the grid fixed at 23x23."""
    return _core.binary_cross_entropy(
        logits, labels, pos_weight=pos_weight, reduction=reduction,
        validate_labels=validate_labels, function="grid23.binary_cross_entropy_channels_first",
    )  # fmt: skip


# --- multi-class, channels-last ------------------------------------------------------------


@overload
def cross_entropy(
    logits: Float[Tensor, "*batch 23 23 n"],
    labels: Int[Tensor, "*batch 23 23"] | Float[Tensor, "*batch 23 23 n"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def cross_entropy(
    logits: Float[Tensor, "*batch 23 23 n"],
    labels: Int[Tensor, "*batch 23 23"] | Float[Tensor, "*batch 23 23 n"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch 23 23"]: ...
@explained("multiclass", "channels_last")
@check
def cross_entropy(
    logits: Float[Tensor, "*batch 23 23 n"],
    labels: Int[Tensor, "*batch 23 23"] | Float[Tensor, "*batch 23 23 n"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch 23 23"]:
    """`shapeguard.losses.cross_entropy` with the grid fixed at 23x23."""
    return _core.cross_entropy(
        logits, labels, channels_last=True, weight=weight, ignore_index=ignore_index,
        label_smoothing=label_smoothing, reduction=reduction,
        validate_labels=validate_labels, function="grid23.cross_entropy",
    )  # fmt: skip


# --- multi-class, channels-first -----------------------------------------------------------


@overload
def cross_entropy_channels_first(
    logits: Float[Tensor, "*batch n 23 23"],
    labels: Int[Tensor, "*batch 23 23"] | Float[Tensor, "*batch n 23 23"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def cross_entropy_channels_first(
    logits: Float[Tensor, "*batch n 23 23"],
    labels: Int[Tensor, "*batch 23 23"] | Float[Tensor, "*batch n 23 23"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch 23 23"]: ...
@explained("multiclass", "channels_first")
@check
def cross_entropy_channels_first(
    logits: Float[Tensor, "*batch n 23 23"],
    labels: Int[Tensor, "*batch 23 23"] | Float[Tensor, "*batch n 23 23"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch 23 23"]:
    """`shapeguard.losses.cross_entropy_channels_first` with the grid fixed at 23x23."""
    return _core.cross_entropy(
        logits, labels, channels_last=False, weight=weight, ignore_index=ignore_index,
        label_smoothing=label_smoothing, reduction=reduction,
        validate_labels=validate_labels, function="grid23.cross_entropy_channels_first",
    )  # fmt: skip
