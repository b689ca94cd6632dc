"""`--trace` cases: checked functions whose bodies break for inputs their contracts allow."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from shapeguard import Float, Int, check


@check
def broadcast_bug(
    logits: Float[Tensor, "b h w 1"], labels: Float[Tensor, "b h w"]
) -> Float[Tensor, ""]:
    return F.binary_cross_entropy_with_logits(logits, labels)  # TRACE: shape


@check
def wrong_return(x: Float[Tensor, "b c"]) -> Float[Tensor, "c b"]:
    y = x * 2
    return y  # TRACE: shape


@check
def channels_first_fine(x: Float[Tensor, "*batch c h w"]) -> Float[Tensor, "*batch h w c"]:
    return x.movedim(-3, -1)


@check
def variadic_bug(x: Float[Tensor, "*batch n"]) -> Float[Tensor, "*batch"]:
    return x.sum(dim=1)  # TRACE: shape


@check
def needs_data(x: Float[Tensor, "n"]) -> Float[Tensor, "n"]:
    if x.sum().item() > 0:  # TRACE: note
        return x
    return -x


class Head(nn.Module):
    def __init__(self, channels: int = 8, classes: int = 5) -> None:
        super().__init__()
        self.proj = nn.Linear(channels, classes)

    @check
    def forward(self, x: Float[Tensor, "b h w c"]) -> Float[Tensor, "b h w 5"]:
        return self.proj(x)  # TRACE: shape


class Needy(nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.classes = classes

    @check
    def forward(self, x: Float[Tensor, "b h w"]) -> Int[Tensor, "b h w"]:
        return x.long() % self.classes


def make_needy() -> Needy:
    return Needy(3)


class Fine(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    @check
    def forward(self, x: Float[Tensor, "b 3 h w"]) -> Float[Tensor, "b 4 h w"]:
        return self.conv(x)
