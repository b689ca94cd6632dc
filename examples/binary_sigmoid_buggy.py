"""Scenario 1, buggy: probabilities passed where the loss expects logits.

The model ends in a sigmoid, and its output goes into a BCE-with-logits loss, which applies
a sigmoid again. Shapes and dtypes are all correct, and plain PyTorch runs without a word:
every prediction is squashed into (0.5, 0.73), the loss barely moves and the model does not
learn.

shapeguard's losses read the autograd graph (no values, no device sync): logits that came
straight out of `sigmoid`/`softmax` raise `ShapeError` with the fix. This is the one
scenario that only the runtime guard catches: to a type checker, probabilities and logits
are the same `Float[Tensor, "b 23 23 1"]`. The fixed program is binary_fixed.py.

    python examples/binary_sigmoid_buggy.py      # ends with the ShapeError
"""

import torch
from torch import Tensor, nn

from shapeguard import Float, check
from shapeguard.losses import grid23


class TinySegmenter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1)
        )

    @check
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 1"]:
        # BUG: the sigmoid belongs to inference, not to the training output.
        return torch.sigmoid(self.body(images)).permute(0, 2, 3, 1)


def load_batch() -> tuple[Float[Tensor, "4 3 23 23"], Float[Tensor, "4 23 23 1"]]:
    images = torch.randn(4, 3, 23, 23)
    masks = (torch.rand(4, 23, 23, 1) > 0.5).float()
    return images, masks


def main() -> None:
    torch.manual_seed(0)
    model = TinySegmenter()
    images, masks = load_batch()
    probabilities = model(images)
    loss = grid23.binary_cross_entropy(probabilities, masks)  # ShapeError: output of sigmoid
    print(f"loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
