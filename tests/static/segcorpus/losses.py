# ruff: noqa
"""Losses written against torch.nn.functional, with contracts."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from jaxtyping import Bool, Float, Int
from torch import Tensor

from .types import Labels, Logits, Scalar


def multiclass_loss(logits: Logits, labels: Labels) -> Scalar:
    return F.cross_entropy(logits.permute(0, 3, 1, 2), labels)


def flat_multiclass_loss(logits: Logits, labels: Labels) -> Scalar:
    n = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, n), labels.reshape(-1))


def binary_loss(
    logits: Float[Tensor, "b h w 1"], mask: Float[Tensor, "b h w"] | Bool[Tensor, "b h w"]
) -> Float[Tensor, ""]:
    return F.binary_cross_entropy_with_logits(logits.squeeze(-1), mask.float())


def dice(logits: Logits, labels: Labels, eps: float = 1e-6) -> Scalar:
    probs = logits.softmax(dim=-1)
    onehot = F.one_hot(labels, probs.shape[-1]).float()
    inter = (probs * onehot).sum(dim=(1, 2))
    union = probs.sum(dim=(1, 2)) + onehot.sum(dim=(1, 2))
    return 1 - ((2 * inter + eps) / (union + eps)).mean()


def accuracy(logits: Logits, labels: Labels) -> Float[Tensor, ""]:
    pred = logits.argmax(dim=-1)
    return (pred == labels).float().mean()


def weighted(losses: Float[Tensor, "b"], weights: Float[Tensor, "b"]) -> Scalar:
    return (losses * weights).sum() / weights.sum().clamp(min=1e-6)


def smoothing(labels: Int[Tensor, "b h w"], n: int, eps: float) -> Float[Tensor, "b h w n"]:
    onehot = F.one_hot(labels, n).float()
    return onehot * (1 - eps) + eps / n


def regression(pred: Float[Tensor, "b k"], target: Float[Tensor, "b k"]) -> Scalar:
    return F.mse_loss(pred, target) + 0.1 * F.l1_loss(pred, target)


def total(logits: Logits, labels: Labels) -> Scalar:
    return multiclass_loss(logits, labels) + dice(logits, labels) + torch.zeros(())
