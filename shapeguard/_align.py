"""`align_labels`: resize labels to the logits' grid by nearest neighbour, explicitly.

A grid mismatch between labels and logits (22x22 masks against 23x23 logits) is a
preprocessing bug, and the loss refuses it. `align_labels` is the explicit, visible repair:
it picks, for every logits cell, the label cell whose centre is nearest (the
`nearest-exact` rule, so a 22→23 resize does not shift the mask by half a cell). Picking
existing cells by index keeps the dtype and never invents a label value, which any
interpolation of class indices would (the mean of class 1 and class 3 is class 2).

It works on torch tensors and numpy arrays and imports neither until called.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from ._diagnose import Layout, diagnose_shapes, format_shape
from ._errors import ShapeError

__all__ = ["align_labels", "nearest_indices"]

_A = TypeVar("_A")


def nearest_indices(source: int, target: int) -> list[int]:
    """For each of `target` output cells, the index of the source cell with the nearest centre.

    Output cell i has its centre at (i + 0.5) * source / target in source units; the cell
    containing it is floor of that. Computed in integers: floor((2i + 1) * source / (2 * target)).
    """
    return [((2 * i + 1) * source) // (2 * target) for i in range(target)]


def align_labels(
    labels: _A,
    like: Any,
    *,
    layout: Layout = "channels_last",
    allow_float: bool = False,
) -> _A:
    """Resize `labels` to the grid of `like` (the logits) by nearest neighbour.

    `layout` says where the logits' channel axis is: `"channels_last"` (`*batch h w n`, the
    default, as in `shapeguard.losses.cross_entropy`) or `"channels_first"` (`*batch n h w`).
    It is never guessed from the shapes. Labels either have the logits' rank (binary masks,
    one-hot, probabilities: the same layout as the logits) or one dim fewer (class indices
    `*batch h w`). Everything but the grid must already match the logits.

    Integer and bool labels are accepted as they are. Float labels are refused unless
    `allow_float=True`: soft labels (probabilities, smoothed masks) would be better resized
    by interpolation; hard 0.0/1.0 masks stored as float are fine to pass with the flag.
    Returns `labels` itself when the grids already agree.
    """
    if layout not in ("channels_last", "channels_first"):
        raise ValueError(f"layout must be 'channels_last' or 'channels_first', not {layout!r}")
    labels_shape = tuple(int(d) for d in labels.shape)  # type: ignore[attr-defined]
    logits_shape = tuple(int(d) for d in like.shape)
    labels_dtype = getattr(labels, "dtype", None)
    if len(logits_shape) < 3:
        raise ShapeError(
            f"align_labels: like={format_shape(logits_shape, like.dtype)} has no grid; the "
            f"logits must be `*batch h w n` ({layout}), rank 3 or more"
        )
    if _is_float(labels_dtype) and not allow_float:
        raise ShapeError(
            f"align_labels: labels {format_shape(labels_shape, labels_dtype)} are float. "
            "Nearest neighbour is right for class indices and hard masks, not for soft labels "
            "or probabilities (resize those with `F.interpolate(..., mode='bilinear')`).\n"
            "fix: labels = shapeguard.align_labels(labels, like=logits, allow_float=True)"
            "  # if they are hard 0.0/1.0 masks"
        )

    grid_axes = (-3, -2) if layout == "channels_last" else (-2, -1)
    if len(labels_shape) == len(logits_shape):
        label_axes = grid_axes
        expected = logits_shape
    elif len(labels_shape) == len(logits_shape) - 1:
        label_axes = (-2, -1)
        channel = -1 if layout == "channels_last" else -3
        expected = tuple(d for i, d in enumerate(logits_shape) if i != channel % len(logits_shape))
    else:
        raise _mismatch(labels_shape, labels_dtype, logits_shape, like.dtype, layout)

    want = (logits_shape[grid_axes[0]], logits_shape[grid_axes[1]])
    have = (labels_shape[label_axes[0]], labels_shape[label_axes[1]])
    regridded = list(labels_shape)
    regridded[label_axes[0]], regridded[label_axes[1]] = want
    if tuple(regridded) != expected:
        # Something other than the grid differs: resizing would hide it.
        raise _mismatch(labels_shape, labels_dtype, logits_shape, like.dtype, layout)
    if have == want:
        return labels
    resized = _take(labels, (have[0], want[0]), label_axes[0])
    return _take(resized, (have[1], want[1]), label_axes[1])


def _is_float(dtype: object) -> bool:
    name = str(dtype).removeprefix("torch.")
    return name.startswith(("float", "bfloat", "half", "double", "complex"))


def _take(array: _A, indices: tuple[int, int], axis: int) -> _A:
    """`array` resized along `axis` from `indices[0]` to `indices[1]` cells, nearest first.

    For torch the index is computed on the array's own device, so no host-to-device copy.
    """
    source, target = indices
    if hasattr(array, "index_select"):  # torch
        import torch

        tensor: torch.Tensor = array  # type: ignore[assignment]
        index = (torch.arange(target, device=tensor.device) * 2 + 1) * source // (2 * target)
        return tensor.index_select(axis, index)  # type: ignore[return-value]
    import numpy as np

    taken: _A = np.take(array, nearest_indices(source, target), axis=axis)  # type: ignore[call-overload]
    return taken


def _mismatch(
    labels: tuple[int, ...], labels_dtype: object, logits: tuple[int, ...], logits_dtype: object,
    layout: Literal["channels_last", "channels_first"],
) -> ShapeError:  # fmt: skip
    found = diagnose_shapes(
        logits, labels, logits_dtype=logits_dtype, labels_dtype=labels_dtype, layout=layout
    )
    return ShapeError(
        f"align_labels only resizes the grid, but labels {format_shape(labels, labels_dtype)} "
        f"differ from logits {format_shape(logits, logits_dtype)} in more than the grid "
        f"({layout}).\n{found}"
    )
