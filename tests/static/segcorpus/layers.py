# ruff: noqa
"""Layers with contracts on forward."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor, nn

from .types import Features, Images


class ConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x: Float[Tensor, "b cin h w"]) -> Float[Tensor, "b cout h w"]:
        return F.relu(self.norm(self.conv(x)))


class Encoder(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.stem = ConvBlock(3, width)
        self.body = ConvBlock(width, width)

    def forward(self, images: Images) -> Features:
        x = self.stem(images)
        x = self.body(x)
        return x


class Head(nn.Module):
    def __init__(self, width: int, num_classes: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(width, num_classes, 1)

    def forward(self, feats: Float[Tensor, "b c h w"]) -> Float[Tensor, "b h w n"]:
        return self.proj(feats).permute(0, 2, 3, 1)


class Attention(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.scale = dim ** -0.5

    def forward(self, x: Float[Tensor, "b t d"]) -> Float[Tensor, "b t d"]:
        q, k, v = self.q(x), self.k(x), self.v(x)
        scores = q @ k.transpose(-2, -1) * self.scale
        weights = torch.softmax(scores, dim=-1)
        return weights @ v


def positional(t: int, d: int) -> Float[Tensor, "t d"]:
    pos = torch.arange(t).float()[:, None]
    freq = torch.exp(torch.arange(0, d, 2).float() * (-4.0 / d))
    table = torch.zeros(t, d)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)
    return table


def pool_tokens(x: Float[Tensor, "b c h w"]) -> Float[Tensor, "b h*w c"]:
    b, c, h, w = x.shape
    return x.flatten(2).transpose(1, 2)
