"""Every form of contract, used the way code uses it; pyright and ruff must stay quiet."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from jaxtyping import Float as JFloat
from torch import Tensor, nn

import shapeguard
from shapeguard import Bool, Float, Int, Shaped, assert_shape, check, reveal_shape

Logits = Float[Tensor, "*batch h w n"]
Labels = Int[Tensor, "*batch h w"]


@check
def cross_entropy(logits: Logits, labels: Labels) -> Float[Tensor, ""]:
    return torch.nn.functional.cross_entropy(logits.movedim(-1, 1), labels)


@check
def binary(
    logits: Float[Tensor, "*batch 23 23 1"], labels: Float[Tensor, "*batch 23 23 1"]
) -> Tensor:
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)


@check
def flatten(x: Float[Tensor, "b c h w"]) -> Float[Tensor, "b c*h*w"]:
    y = x.reshape(x.shape[0], -1)
    assert_shape(y, Float[Tensor, "b c*h*w"])
    return y


@check
def pad(x: Float[np.ndarray, " n"]) -> Float[np.ndarray, " n+2"]:
    return np.pad(x, 1)


def broadcast(
    a: Float[Tensor, "#b ... rgb=3"], mask: Bool[Tensor, "*#batch"]
) -> Shaped[Tensor, "..."]:
    return a * mask[..., None]


def with_jaxtyping(x: JFloat[Tensor, "b n"]) -> JFloat[Tensor, " b"]:
    return x.sum(-1)


class Head(nn.Module):
    def __init__(self, channels: int, classes: int) -> None:
        super().__init__()
        self.proj = nn.Linear(channels, classes)

    @check
    def forward(self, x: Float[Tensor, "b h w c"]) -> Float[Tensor, "b h w n"]:
        return self.proj(x)


@check
@dataclasses.dataclass
class Batch:
    image: Float[Tensor, "b h w 3"]
    mask: Int[Tensor, "b h w"]


def use() -> float:
    logits: Float[Tensor, "2 23 23 4"] = torch.zeros(2, 23, 23, 4)
    labels = torch.zeros(2, 23, 23, dtype=torch.long)
    loss = cross_entropy(logits, labels)
    reveal_shape(loss)
    out = Head(4, 3)(logits)
    batch = Batch(torch.zeros(1, 5, 5, 3), torch.zeros(1, 5, 5, dtype=torch.long))
    total: Tensor = loss + binary(torch.zeros(23, 23, 1), torch.ones(23, 23, 1)) + out.mean()
    flat = flatten(batch.image.permute(0, 3, 1, 2))
    padded = pad(np.zeros(3))
    hook = shapeguard.install_import_hook("sg_hooked")
    hook.uninstall()
    return float(total.item()) + float(flat.sum()) + float(padded.sum()) + float(
        with_jaxtyping(logits.flatten(1)).sum()
    )
