"""torch: an nn.Module whose forward carries a contract, and a loss function."""

import torch
from torch import Tensor, nn

from shapeguard import Float, Int


class Head(nn.Module):
    def __init__(self, channels: int, classes: int) -> None:
        super().__init__()
        self.proj = nn.Linear(channels, classes)

    def forward(self, x: Float[Tensor, "b h w c"]) -> Float[Tensor, "b h w n"]:
        return self.proj(x)


def loss(logits: Float[Tensor, "b n"], labels: Int[Tensor, " b"]) -> Float[Tensor, ""]:
    return torch.nn.functional.cross_entropy(logits, labels)
