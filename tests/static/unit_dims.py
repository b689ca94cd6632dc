# ruff: noqa
"""A variadic contract whose fixed dims do not align, or a rank that is one off, where
adding or dropping one unit dim would match: the message says which, in the runtime's words."""

import numpy as np
import torch
from torch import Tensor

from shapeguard import Float
from shapeguard.losses import grid23


def mask_loss(logits: Float[Tensor, "*b 23 23 1"], labels: Float[Tensor, "*b 23 23 1"]) -> None: ...
def grid(x: Float[Tensor, "*b 23 23"]) -> None: ...
def image(x: Float[Tensor, "c h w"]) -> None: ...
def np_mask(labels: Float[np.ndarray, "*b 23 23 1"]) -> None: ...


def missing_trailing_one(logits: Float[Tensor, "4 23 23 1"], masks: Float[Tensor, "4 23 23"]) -> None:
    grid23.binary_cross_entropy(logits, masks)  # E: Argument "labels" to "binary_cross_entropy" has shape "4 23 23"; expected "*batch 23 23 1": rank 3; the trailing 1 of "*batch 23 23 1" is missing: labels.unsqueeze(-1) would match [shape]
    mask_loss(logits, masks)  # E: Argument "labels" to "mask_loss" has shape "4 23 23"; expected "*b 23 23 1": rank 3; the trailing 1 of "*b 23 23 1" is missing: labels.unsqueeze(-1) would match [shape]


def numpy_spelling(masks: Float[np.ndarray, "4 23 23"]) -> None:
    np_mask(masks)  # E: Argument "labels" to "np_mask" has shape "4 23 23"; expected "*b 23 23 1": rank 3; the trailing 1 of "*b 23 23 1" is missing: np.expand_dims(labels, -1) would match [shape]


def extra_unit_dim(x: Float[Tensor, "4 23 1 23"], y: Float[Tensor, "3 23 23 1"]) -> None:
    grid(x)  # E: Argument "x" to "grid" has shape "4 23 1 23"; expected "*b 23 23": rank 4; dim 2 is an extra 1: x.squeeze(2) would match [shape]
    image(y)  # E: Argument "x" to "image" has shape "3 23 23 1"; expected "c h w": rank 4, expected rank 3; dim 3 is an extra 1: x.squeeze(3) would match [shape]


def missing_leading_one(x: Float[Tensor, "23 23"]) -> None:
    image(x)  # E: Argument "x" to "image" has shape "23 23"; expected "c h w": rank 2, expected rank 3; a unit dim is missing at dim 0: x.unsqueeze(0) would match [shape]


def no_unit_dim_fix(logits: Float[Tensor, "4 23 23 1"], masks: Float[Tensor, "4 22 22 1"]) -> None:
    mask_loss(logits, masks)  # E: Argument "labels" to "mask_loss" has shape "4 22 22 1"; expected "*b 23 23 1": dim 1 is 22, expected 23 [shape]


def fixed(logits: Float[Tensor, "4 23 23 1"], masks: Float[Tensor, "4 23 23"]) -> None:
    grid23.binary_cross_entropy(logits, masks.unsqueeze(-1))
    mask_loss(logits, masks[..., None])
