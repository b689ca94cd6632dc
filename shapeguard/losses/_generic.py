"""The segmentation losses for any grid `h w`, channels-last and channels-first.

Each layout is its own function with its own precise contract, so neither the checker nor
the loss ever guesses whether `1x23x23` is channels-first or a batch of one:

    binary_cross_entropy                  logits  Float "*batch h w 1"   labels same shape
    binary_cross_entropy_channels_first   logits  Float "*batch 1 h w"   labels same shape
    cross_entropy                         logits  Float "*batch h w n"   labels Int "*batch h w"
                                                                          or Float "*batch h w n"
    cross_entropy_channels_first          logits  Float "*batch n h w"   labels Int "*batch h w"
                                                                          or Float "*batch n h w"

The overloads give the result's shape by `reduction`: a scalar for "mean"/"sum", the grid
for "none". The contracts are checked by `@check` before any math; a violation raises
`ShapeError` with the diagnosis and the line that fixes it.
"""

from typing import Literal, overload

from torch import Tensor

from .. import Bool, Float, Int
from .._runtime import check
from . import _core
from ._core import Reduction, explained

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_channels_first",
    "cross_entropy",
    "cross_entropy_channels_first",
]

# --- binary, channels-last -----------------------------------------------------------------


@overload
def binary_cross_entropy(
    logits: Float[Tensor, "*batch h w 1"],
    labels: Float[Tensor, "*batch h w 1"] | Bool[Tensor, "*batch h w 1"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def binary_cross_entropy(
    logits: Float[Tensor, "*batch h w 1"],
    labels: Float[Tensor, "*batch h w 1"] | Bool[Tensor, "*batch h w 1"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch h w 1"]: ...
@explained("binary", "channels_last")
@check
def binary_cross_entropy(
    logits: Float[Tensor, "*batch h w 1"],
    labels: Float[Tensor, "*batch h w 1"] | Bool[Tensor, "*batch h w 1"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch h w 1"]:
    """Binary cross-entropy on logits for channels-last predictions `*batch h w 1`.

    `logits` are raw scores (not probabilities: a sigmoid output is refused); `labels` are
    0/1 as float (soft targets allowed) or bool, with exactly the logits' shape: `[B,H,W]`
    labels for `[B,H,W,1]` logits are an error with the fix, never a broadcast.
    `pos_weight` multiplies the loss of positive cells (as in `F.binary_cross_entropy_with_logits`).
    `validate_labels=True` also checks that labels are 0 or 1 (a device sync).
    Numerically the same as `F.binary_cross_entropy_with_logits(logits, labels.float(), ...)`.
    """
    return _core.binary_cross_entropy(
        logits, labels, pos_weight=pos_weight, reduction=reduction,
        validate_labels=validate_labels, function="binary_cross_entropy",
    )  # fmt: skip


# --- binary, channels-first ----------------------------------------------------------------


@overload
def binary_cross_entropy_channels_first(
    logits: Float[Tensor, "*batch 1 h w"],
    labels: Float[Tensor, "*batch 1 h w"] | Bool[Tensor, "*batch 1 h w"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def binary_cross_entropy_channels_first(
    logits: Float[Tensor, "*batch 1 h w"],
    labels: Float[Tensor, "*batch 1 h w"] | Bool[Tensor, "*batch 1 h w"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch 1 h w"]: ...
@explained("binary", "channels_first")
@check
def binary_cross_entropy_channels_first(
    logits: Float[Tensor, "*batch 1 h w"],
    labels: Float[Tensor, "*batch 1 h w"] | Bool[Tensor, "*batch 1 h w"],
    *,
    pos_weight: float | Float[Tensor, ""] | Float[Tensor, "1"] | None = None,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch 1 h w"]:
    """`binary_cross_entropy` for channels-first predictions `*batch 1 h w` (`nn.Conv2d`'s)."""
    return _core.binary_cross_entropy(
        logits, labels, pos_weight=pos_weight, reduction=reduction,
        validate_labels=validate_labels, function="binary_cross_entropy_channels_first",
    )  # fmt: skip


# --- multi-class, channels-last ------------------------------------------------------------


@overload
def cross_entropy(
    logits: Float[Tensor, "*batch h w n"],
    labels: Int[Tensor, "*batch h w"] | Float[Tensor, "*batch h w n"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def cross_entropy(
    logits: Float[Tensor, "*batch h w n"],
    labels: Int[Tensor, "*batch h w"] | Float[Tensor, "*batch h w n"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch h w"]: ...
@explained("multiclass", "channels_last")
@check
def cross_entropy(
    logits: Float[Tensor, "*batch h w n"],
    labels: Int[Tensor, "*batch h w"] | Float[Tensor, "*batch h w n"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch h w"]:
    """Multi-class cross-entropy for channels-last logits `*batch h w n`.

    `labels` are class indices (`Int`, `*batch h w`; int64 or any signed integer type) or
    class probabilities / one-hot as float with the logits' shape. `weight` (one per class),
    `ignore_index` (indices only), `label_smoothing` and `reduction` mean what they mean in
    `F.cross_entropy`, and the result is numerically the same as
    `F.cross_entropy(logits.movedim(-1, 1), labels, ...)` for a batch of one batch dim. A
    softmax output is refused as logits. `validate_labels=True` also checks that indices are
    in [0, n) or `ignore_index`, or that probabilities sum to 1 (a device sync).
    """
    return _core.cross_entropy(
        logits, labels, channels_last=True, weight=weight, ignore_index=ignore_index,
        label_smoothing=label_smoothing, reduction=reduction,
        validate_labels=validate_labels, function="cross_entropy",
    )  # fmt: skip


# --- multi-class, channels-first -----------------------------------------------------------


@overload
def cross_entropy_channels_first(
    logits: Float[Tensor, "*batch n h w"],
    labels: Int[Tensor, "*batch h w"] | Float[Tensor, "*batch n h w"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["mean", "sum"] = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""]: ...
@overload
def cross_entropy_channels_first(
    logits: Float[Tensor, "*batch n h w"],
    labels: Int[Tensor, "*batch h w"] | Float[Tensor, "*batch n h w"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Literal["none"],
    validate_labels: bool = False,
) -> Float[Tensor, "*batch h w"]: ...
@explained("multiclass", "channels_first")
@check
def cross_entropy_channels_first(
    logits: Float[Tensor, "*batch n h w"],
    labels: Int[Tensor, "*batch h w"] | Float[Tensor, "*batch n h w"],
    *,
    weight: Float[Tensor, "n"] | None = None,  # noqa: F821 (a shape, not a name)
    ignore_index: int = -100,
    label_smoothing: float = 0.0,
    reduction: Reduction = "mean",
    validate_labels: bool = False,
) -> Float[Tensor, ""] | Float[Tensor, "*batch h w"]:
    """`cross_entropy` for channels-first logits `*batch n h w`: `F.cross_entropy`'s layout,
    with its contract checked (any number of batch dims, including none)."""
    return _core.cross_entropy(
        logits, labels, channels_last=False, weight=weight, ignore_index=ignore_index,
        label_smoothing=label_smoothing, reduction=reduction,
        validate_labels=validate_labels, function="cross_entropy_channels_first",
    )  # fmt: skip
