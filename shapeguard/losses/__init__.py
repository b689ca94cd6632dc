"""Segmentation losses that accept only correctly shaped and typed logits and labels.

Torch-only (this subpackage imports torch; `import shapeguard` does not).

- `binary_cross_entropy` / `binary_cross_entropy_channels_first`: BCE on logits for
  `*batch h w 1` / `*batch 1 h w` predictions; labels with exactly the logits' shape.
- `cross_entropy` / `cross_entropy_channels_first`: multi-class, logits `*batch h w n` /
  `*batch n h w`; labels class indices `Int *batch h w` or probabilities like the logits.
- `grid23`: the same four with the grid fixed at 23x23, plus type aliases for its tensors.

A contract violation raises `shapeguard.ShapeError` before any math, with the diagnosis of
the mismatch and the line of code that fixes it (`shapeguard.diagnose`).
"""

from . import grid23 as grid23
from ._generic import (
    binary_cross_entropy as binary_cross_entropy,
    binary_cross_entropy_channels_first as binary_cross_entropy_channels_first,
    cross_entropy as cross_entropy,
    cross_entropy_channels_first as cross_entropy_channels_first,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_channels_first",
    "cross_entropy",
    "cross_entropy_channels_first",
    "grid23",
]
