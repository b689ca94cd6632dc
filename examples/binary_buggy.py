"""Scenario 1, buggy: 23x23x1 binary segmentation with labels that lost their channel dim.

The question shapeguard grew from: "How do I ensure logits and labels have compatible
shapes for a 23x23x1 prediction task?" Here the model predicts one logit per cell,
`[B, 23, 23, 1]`, but the masks come out of the data pipeline as `[B, 23, 23]`.

Plain PyTorch: `F.binary_cross_entropy_with_logits` refuses with "Target size must be the
same as input size"; any hand-written or masked loss (`(logits - labels) ** 2`,
`logits * labels`) broadcasts silently to `[B, 23, 23, 23]` and trains on nonsense.

shapeguard: `grid23.binary_cross_entropy` raises `ShapeError` before any math, with
`fix: labels = labels.unsqueeze(-1)`; mypy with the shapeguard plugin reports the same
conflict on the loss line before the program runs. The fixed program is binary_fixed.py.

    python examples/binary_buggy.py      # ends with the ShapeError
"""

import torch
from torch import Tensor, nn

from shapeguard import Float, check
from shapeguard.losses import grid23


class TinySegmenter(nn.Module):
    """Two convolutions: RGB 23x23 in, one logit per cell out, channels-last."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1)
        )

    @check
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 1"]:
        return self.body(images).permute(0, 2, 3, 1)


def load_batch() -> tuple[Float[Tensor, "4 3 23 23"], Float[Tensor, "4 23 23"]]:
    images = torch.randn(4, 3, 23, 23)
    # BUG: the masks were read as H x W images and stacked: no channel dim.
    masks = (torch.rand(4, 23, 23) > 0.5).float()
    return images, masks


def main() -> None:
    torch.manual_seed(0)
    model = TinySegmenter()
    images, masks = load_batch()
    logits = model(images)
    loss = grid23.binary_cross_entropy(logits, masks)  # ShapeError: labels lack the channel dim
    print(f"loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
