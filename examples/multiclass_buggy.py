"""Scenario 2, buggy: 23x23xN multi-class logits, channels-last, with flattened labels.

The model produces channels-last logits `[B, 23, 23, N]` (one score per class per cell) and
the labels are class indices `[B, 23, 23]`. The recipe copied from a classification
tutorial flattens the labels with `labels.view(-1)`, as `F.cross_entropy` wants them next
to `logits.view(-1, N)`. Plain PyTorch goes wrong in two ways:

- `F.cross_entropy(logits, labels)` reads dim 1 (a spatial axis of 23) as the classes:
  "Expected target size [4, 23, 5], got [4, 23, 23]" -- or, when N happens to be 23, no
  error at all and a loss over the wrong axis;
- `F.cross_entropy(logits, labels.view(-1))`: "Expected input batch_size (4) to match
  target batch_size (2116)".

shapeguard: `cross_entropy` takes channels-last logits as they are and class-index labels
with their grid; the flattened labels raise `ShapeError` with
`fix: labels = labels.view(logits.shape[:-1])  # or drop the .view(-1)`. With the mypy plugin
the conflict is reported on the same line before the program runs. Fixed: multiclass_fixed.py.

    python examples/multiclass_buggy.py      # ends with the ShapeError
"""

import torch
from torch import Tensor, nn

from shapeguard import Float, Int, check
from shapeguard.losses import grid23

NUM_CLASSES = 5


class TinySegmenter(nn.Module):
    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, num_classes, 3, padding=1)
        )

    @check
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 n"]:
        return self.body(images).permute(0, 2, 3, 1)  # channels-last logits


def load_batch() -> tuple[Float[Tensor, "4 3 23 23"], Int[Tensor, "4 23 23"]]:
    images = torch.randn(4, 3, 23, 23)
    labels = torch.randint(0, NUM_CLASSES, (4, 23, 23))
    return images, labels


def main() -> None:
    torch.manual_seed(0)
    model = TinySegmenter(NUM_CLASSES)
    images, labels = load_batch()
    logits = model(images)
    # BUG: flattening belongs to the F.cross_entropy recipe, not to a loss that checks the grid.
    loss = grid23.cross_entropy(logits, labels.view(-1))
    print(f"loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
