"""A small segmentation network, checked end to end, trained on synthetic 23x23 data.

Every boundary carries a contract: the blocks, the model's `forward` (RGB in, channels-last
23x23xN logits out), the batch generator, the training step and the loss
(`grid23.cross_entropy`). `@check` enforces them on every call; the mypy plugin reads the
same annotations. The task is learnable from the input (the class of a cell is the
quadrant of the colour of its 3x3 neighbourhood), so the loss must fall within a few dozen
steps on a CPU.

    python examples/train_segmentation.py [steps]
"""

import sys

import torch
from torch import Tensor, nn

from shapeguard import Float, Int, check
from shapeguard.losses import grid23
from shapeguard.losses.grid23 import Grid23ClassIndices, Grid23Logits

NUM_CLASSES = 4
GRID = 23


class ConvBlock(nn.Module):
    """3x3 convolution that keeps the grid: padding=1, so 23 stays 23."""

    def __init__(self, channels_in: int, channels_out: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.norm = nn.BatchNorm2d(channels_out)

    @check
    def forward(self, x: Float[Tensor, "b c h w"]) -> Float[Tensor, "b d h w"]:
        return torch.relu(self.norm(self.conv(x)))


class Segmenter(nn.Module):
    """RGB 23x23 in, channels-last logits 23x23xN out."""

    def __init__(self, num_classes: int, width: int = 16) -> None:
        super().__init__()
        self.blocks = nn.Sequential(ConvBlock(3, width), ConvBlock(width, width))
        self.head = nn.Conv2d(width, num_classes, 1)

    @check
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 n"]:
        scores = self.head(self.blocks(images))  # b n 23 23, nn.Conv2d's layout
        return scores.permute(0, 2, 3, 1)  # channels-last, as the loss's contract says


@check
def synthetic_batch(
    batch_size: int, generator: torch.Generator
) -> tuple[Float[Tensor, "b 3 23 23"], Int[Tensor, "b 23 23"]]:
    images = torch.randn(batch_size, 3, GRID, GRID, generator=generator)
    smooth = nn.functional.avg_pool2d(images, 3, stride=1, padding=1)
    # Class = quadrant of (red, green) after smoothing: 0..3, a function of the input.
    labels = (smooth[:, 0] > 0).long() * 2 + (smooth[:, 1] > 0).long()
    return images, labels


@check
def train_step(
    model: Segmenter,
    optimizer: torch.optim.Optimizer,
    images: Float[Tensor, "b 3 23 23"],
    labels: Grid23ClassIndices,
) -> float:
    logits: Grid23Logits = model(images)
    loss = grid23.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def main(steps: int = 40) -> None:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = Segmenter(NUM_CLASSES)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    history = []
    for step in range(steps):
        images, labels = synthetic_batch(16, generator)
        history.append(train_step(model, optimizer, images, labels))
        if step % 10 == 0 or step == steps - 1:
            print(f"step {step:3d}  loss {history[-1]:.4f}")
    first, last = sum(history[:5]) / 5, sum(history[-5:]) / 5
    print(f"mean loss of the first 5 steps {first:.4f}, of the last 5 {last:.4f}")
    if not last < first:
        sys.exit("the loss did not decrease")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
