# ruff: noqa
"""A training loop that uses every module."""

from __future__ import annotations

import torch
from jaxtyping import Float
from torch import Tensor

from .data import augment, batch, fixed_batch
from .losses import accuracy, binary_loss, flat_multiclass_loss, multiclass_loss, total
from .model import Segmenter


def step(model: Segmenter, opt: torch.optim.Optimizer, n: int) -> float:
    images, labels = batch(8, n)
    logits = model(augment(images))
    loss = multiclass_loss(logits, labels) + flat_multiclass_loss(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss.item())


def evaluate(model: Segmenter) -> Float[Tensor, ""]:
    images, labels = fixed_batch()
    with torch.no_grad():
        logits = model(images)
    return accuracy(logits, labels) + total(logits, labels) * 0


def binary_step(logits: Float[Tensor, "4 23 23 1"]) -> Float[Tensor, ""]:
    mask = torch.rand(4, 23, 23) > 0.5
    return binary_loss(logits, mask)


def main() -> None:
    model = Segmenter(16, 5)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        step(model, opt, 5)
    evaluate(model)
    binary_step(torch.zeros(4, 23, 23, 1))
