"""Scenario 1, fixed: 23x23x1 binary segmentation, trained for a few steps.

Both mistakes of binary_buggy.py and binary_sigmoid_buggy.py, fixed:

- the masks keep their channel dim, `[B, 23, 23, 1]`: exactly the logits' shape;
- the model returns raw logits; `torch.sigmoid` is applied only to make predictions.

    python examples/binary_fixed.py
"""

import torch
from torch import Tensor, nn

from shapeguard import Bool, Float, check
from shapeguard.losses import grid23


class TinySegmenter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1)
        )

    @check
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 1"]:
        return self.body(images).permute(0, 2, 3, 1)  # logits: no sigmoid here


def load_batch() -> tuple[Float[Tensor, "4 3 23 23"], Float[Tensor, "4 23 23 1"]]:
    images = torch.randn(4, 3, 23, 23)
    # Foreground where the red channel is positive: a target the model can learn.
    masks = (images[:, 0] > 0).float().unsqueeze(-1)  # FIX: keep the channel dim
    return images, masks


@check
def predict(logits: Float[Tensor, "b 23 23 1"]) -> Bool[Tensor, "b 23 23 1"]:
    return torch.sigmoid(logits) > 0.5  # probabilities only for predictions


def main() -> None:
    torch.manual_seed(0)
    model = TinySegmenter()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        images, masks = load_batch()
        logits = model(images)
        loss = grid23.binary_cross_entropy(logits, masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    images, masks = load_batch()
    accuracy = (predict(model(images)) == masks.bool()).float().mean().item()
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f}, pixel accuracy {accuracy:.2f}")


if __name__ == "__main__":
    main()
