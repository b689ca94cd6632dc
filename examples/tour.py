"""The README's 60-second tour: one contract, one bug, caught before and while it runs.

    python examples/tour.py                 # ShapeError from the runtime guard
    mypy examples/tour.py                   # the same bug, from the mypy plugin
"""

import torch
import torch.nn.functional as F
from torch import Tensor

from shapeguard import Float, check


@check
def bce_loss(
    logits: Float[Tensor, "*batch h w 1"], labels: Float[Tensor, "*batch h w 1"]
) -> Float[Tensor, ""]:
    return F.binary_cross_entropy_with_logits(logits, labels)


logits = torch.randn(8, 23, 23, 1)
labels = torch.rand(8, 22, 22, 1).round()  # masks cropped to 22x22 by a preprocessing bug
loss = bce_loss(logits, labels)
