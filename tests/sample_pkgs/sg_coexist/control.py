"""Real mistakes: each tool must report these (a quiet tool that sees nothing proves nothing)."""

import torch
from torch import Tensor

from shapeguard import Float


def total(x: Float[Tensor, "b n"]) -> Float[Tensor, " b"]:
    return x.sum(-1) + undefined_name  # ruff F821, pyright reportUndefinedVariable


def call() -> Tensor:
    return total("not a tensor")  # str is not a Tensor (pyright)


def wrong_return() -> int:
    return torch.zeros(3)  # Tensor is not int (pyright)
