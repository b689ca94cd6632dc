"""Scenario 3, buggy: 22x22 labels against 23x23 logits after a preprocessing error.

The images are padded to 23x23 for the model, the masks go through a different transform
and come out 22x22. Plain PyTorch: `F.cross_entropy` says "Expected target size [4, 23, 23],
got [4, 22, 22]" if the layout happens to be right; a hand-written loss with broadcasting
or a crop that "fixes" the size can hide it.

shapeguard: `grid23.cross_entropy` raises `ShapeError` naming the 22x22 grid, the likely
causes (padding or cropping that differ between the image and mask pipelines) and
`fix: labels = shapeguard.align_labels(labels, like=logits)`. With the mypy plugin,
`Int[Tensor, "4 22 22"]` against the `23 23` contract is reported before the program runs.
Fixed: misaligned_fixed.py.

    python examples/misaligned_buggy.py      # ends with the ShapeError
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from shapeguard import Float, Int, check
from shapeguard.losses import grid23

NUM_CLASSES = 4


class TinySegmenter(nn.Module):
    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, num_classes, 3, padding=1)
        )

    @check
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 n"]:
        return self.body(images).permute(0, 2, 3, 1)


def preprocess(
    raw_images: Float[Tensor, "4 3 22 22"], raw_masks: Int[Tensor, "4 22 22"]
) -> tuple[Float[Tensor, "4 3 23 23"], Int[Tensor, "4 22 22"]]:
    images = F.pad(raw_images, (0, 1, 0, 1), mode="replicate")  # padded to the model's 23x23
    masks = raw_masks  # BUG: the masks were not padded with them
    return images, masks


def main() -> None:
    torch.manual_seed(0)
    model = TinySegmenter(NUM_CLASSES)
    raw_images = torch.randn(4, 3, 22, 22)
    raw_masks = torch.randint(0, NUM_CLASSES, (4, 22, 22))
    images, labels = preprocess(raw_images, raw_masks)
    logits = model(images)
    loss = grid23.cross_entropy(logits, labels)  # ShapeError: labels on a 22x22 grid
    print(f"loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
