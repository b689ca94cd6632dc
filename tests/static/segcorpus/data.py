# ruff: noqa
"""Synthetic data on the 23x23 grid."""

from __future__ import annotations

import numpy as np
import torch
from jaxtyping import Float, Int
from torch import Tensor

GRID = 23


def batch(b: int, n: int) -> tuple[Float[Tensor, "b 3 23 23"], Int[Tensor, "b 23 23"]]:
    images = torch.randn(b, 3, GRID, GRID)
    labels = torch.randint(0, n, (b, GRID, GRID))
    return images, labels


def fixed_batch() -> tuple[Float[Tensor, "4 3 23 23"], Int[Tensor, "4 23 23"]]:
    images = torch.randn(4, 3, 23, 23)
    labels = torch.randint(0, 5, (4, 23, 23))
    return images, labels


def numpy_masks(b: int) -> Int[np.ndarray, "b 23 23"]:
    return np.zeros((b, GRID, GRID), dtype=np.int64)


def augment(images: Float[Tensor, "b 3 h w"]) -> Float[Tensor, "b 3 h w"]:
    flipped = images.flip(-1)
    noise = torch.randn_like(images) * 0.01
    return flipped + noise
