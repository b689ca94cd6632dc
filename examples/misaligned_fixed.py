"""Scenario 3, fixed: 22x22 labels resized to the logits' 23x23 grid with `align_labels`.

`shapeguard.align_labels(labels, like=logits)` picks, for every logits cell, the label cell
with the nearest centre: the labels keep their dtype and their set of classes, and nothing
happens implicitly -- the resize is a visible line. (The better fix, where you can, is to
pad the masks exactly like the images; `align_labels` is for data you cannot regenerate.)

    python examples/misaligned_fixed.py
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

import shapeguard
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
    images = F.pad(raw_images, (0, 1, 0, 1), mode="replicate")
    return images, raw_masks


def main() -> None:
    torch.manual_seed(0)
    model = TinySegmenter(NUM_CLASSES)
    raw_images = torch.randn(4, 3, 22, 22)
    raw_masks = torch.randint(0, NUM_CLASSES, (4, 22, 22))
    images, labels = preprocess(raw_images, raw_masks)
    logits = model(images)
    aligned: Int[Tensor, "4 23 23"] = shapeguard.align_labels(labels, like=logits)  # FIX
    loss = grid23.cross_entropy(logits, aligned)
    kept = set(aligned.unique().tolist()) == set(labels.unique().tolist())
    print(f"labels {tuple(labels.shape)} -> {tuple(aligned.shape)}, classes kept: {kept}")
    print(f"loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
