# ruff: noqa
"""Shared shape aliases, as a project would declare them."""

from jaxtyping import Float, Int
from torch import Tensor

Images = Float[Tensor, "b 3 h w"]
Features = Float[Tensor, "b c h w"]
Logits = Float[Tensor, "b h w n"]
Labels = Int[Tensor, "b h w"]
Scalar = Float[Tensor, ""]
