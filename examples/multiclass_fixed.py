"""Scenario 2, fixed: 23x23xN multi-class logits, channels-last, class-index labels.

`grid23.cross_entropy` takes the channels-last logits `[B, 23, 23, N]` and the labels
`[B, 23, 23]` as they are; the class axis is handled inside (it equals
`F.cross_entropy(logits.permute(0, 3, 1, 2), labels)`), with class weights, `ignore_index`
and label smoothing as in torch.

    python examples/multiclass_fixed.py
"""

import torch
from torch import Tensor, nn

from shapeguard import Float, Int, check
from shapeguard.losses import grid23

NUM_CLASSES = 5
VOID = 255  # cells without a label


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
    # The class of a cell is the bucket of its red value: learnable from the input.
    labels = torch.bucketize(images[:, 0].contiguous(), torch.tensor([-0.8, -0.25, 0.25, 0.8]))
    labels[:, 0, :] = VOID  # an unlabelled border row
    return images, labels


def main() -> None:
    torch.manual_seed(0)
    model = TinySegmenter(NUM_CLASSES)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    class_weight = torch.tensor([1.0, 1.0, 1.5, 1.0, 1.0])
    losses = []
    for _ in range(15):
        images, labels = load_batch()
        logits = model(images)
        # FIX: labels with their grid; no .view(-1), no permute.
        loss = grid23.cross_entropy(
            logits, labels, weight=class_weight, ignore_index=VOID, label_smoothing=0.05
        )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
