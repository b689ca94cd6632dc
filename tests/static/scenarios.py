# ruff: noqa
"""The three scenarios of the original question, buggy and fixed, through torch and
through shapeguard's typed losses (overloaded, union-typed signatures)."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from shapeguard import Bool, Float, Int, reveal_shape
from shapeguard.losses import grid23


class Segmenter(nn.Module):
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 n"]: ...


class BinarySegmenter(nn.Module):
    def forward(self, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 23 23 1"]: ...


def load() -> tuple[Float[Tensor, "4 3 23 23"], Int[Tensor, "4 23 23"]]: ...


# -- 1. binary 23x23x1 -------------------------------------------------------------------


def binary_buggy(model: BinarySegmenter, images: Float[Tensor, "4 3 23 23"], masks: Float[Tensor, "4 23 23"]) -> None:
    logits = model(images)
    reveal_shape(logits)  # N: Revealed shape is Float["4 23 23 1"]
    F.binary_cross_entropy_with_logits(logits, masks)  # E: Argument "target" to "binary_cross_entropy_with_logits" has shape "4 23 23"; expected "*s": *s is "4 23 23" here, but "4 23 23 1" from "input" (3 dims vs 4) [shape]
    grid23.binary_cross_entropy(logits, masks)  # E: Argument "labels" to "binary_cross_entropy" has shape "4 23 23" [shape]
    F.binary_cross_entropy(torch.sigmoid(logits), masks.long())  # E: Argument "target" to "binary_cross_entropy" has dtype Int64; expected Float [dtype] # E: (3 dims vs 4) [shape]


def binary_fixed(model: BinarySegmenter, images: Float[Tensor, "4 3 23 23"], masks: Float[Tensor, "4 23 23"], b: Bool[Tensor, "4 23 23 1"]) -> None:
    logits = model(images)
    loss = F.binary_cross_entropy_with_logits(logits, masks.unsqueeze(-1))
    reveal_shape(loss)  # N: Revealed shape is Float[""]
    reveal_shape(F.binary_cross_entropy_with_logits(logits, masks[..., None], reduction="none"))  # N: Revealed shape is Float["4 23 23 1"]
    grid23.binary_cross_entropy(logits, masks.unsqueeze(-1))
    grid23.binary_cross_entropy(logits, b)
    F.binary_cross_entropy_with_logits(logits.squeeze(-1), masks)


# -- 2. channels-last multi-class logits to cross_entropy, labels.view(-1) ---------------


def multiclass_buggy(model: Segmenter) -> None:
    images, labels = load()
    logits = model(images)
    reveal_shape(logits)  # N: Revealed shape is Float["4 23 23 _"]
    F.cross_entropy(logits, labels.view(-1))  # E: target "2116" has rank 1; for input "4 23 23 _" (N, C, d...) class-index targets have shape "4 23 _" (rank 3) [shape]
    grid23.cross_entropy(logits, labels.view(-1))  # E: Argument "labels" to "cross_entropy" has shape "2116" [shape]
    five = torch.randn(4, 23, 23, 5)
    F.cross_entropy(five, labels)  # E: target dim 2 is 23, input gives 5 [shape]
    F.cross_entropy(five.permute(0, 3, 1, 2), labels.float())  # E: class-index target has dtype Float32; expected an integer dtype [dtype]


def multiclass_fixed(model: Segmenter, n: int) -> None:
    images, labels = load()
    logits = model(images)
    grid23.cross_entropy(logits, labels)
    F.cross_entropy(logits.permute(0, 3, 1, 2), labels)
    five = torch.randn(4, 23, 23, 5)
    reveal_shape(five.reshape(-1, 5))  # N: Revealed shape is Float["2116 5"]
    F.cross_entropy(five.reshape(-1, 5), labels.view(-1))
    F.cross_entropy(five.view(-1, five.shape[-1]), labels.reshape(-1))
    F.cross_entropy(five.permute(0, 3, 1, 2), labels, reduction="none")
    reveal_shape(F.cross_entropy(five.permute(0, 3, 1, 2), labels, reduction="none"))  # N: Revealed shape is Float["4 23 23"]
    probs = torch.softmax(torch.randn(4, 5, 23, 23), dim=1)
    F.cross_entropy(five.permute(0, 3, 1, 2), probs)


def multiclass_symbolic(logits: Float[Tensor, "b h w c"], labels: Int[Tensor, "b h w"]) -> Float[Tensor, ""]:
    flat = logits.reshape(-1, logits.shape[-1])
    reveal_shape(flat)  # N: Revealed shape is Float["b*h*w c"]
    reveal_shape(labels.view(-1))  # N: Revealed shape is Int["b*h*w"]
    return F.cross_entropy(flat, labels.view(-1))


# -- 3. 22x22 labels against 23x23 logits ------------------------------------------------


def misaligned_buggy(model: Segmenter, images: Float[Tensor, "4 3 23 23"], masks: Int[Tensor, "4 22 22"]) -> None:
    logits = model(images)
    grid23.cross_entropy(logits, masks)  # E: Argument "labels" to "cross_entropy" has shape "4 22 22" [shape]
    F.cross_entropy(logits.permute(0, 3, 1, 2), masks)  # E: target dim 1 is 22, input gives 23 [shape]


def misaligned_generic(logits: Float[Tensor, "b 23 23 n"], masks: Int[Tensor, "b 22 22"]) -> None:
    from shapeguard.losses import cross_entropy

    cross_entropy(logits, masks)  # E: dim 1 is 22, but h=23 from "logits" [shape]


def misaligned_fixed(model: Segmenter, images: Float[Tensor, "4 3 23 23"], masks: Int[Tensor, "4 22 22"]) -> None:
    logits = model(images)
    aligned = F.interpolate(masks[:, None].float(), size=(23, 23), mode="nearest")
    reveal_shape(aligned)  # N: Revealed shape is Float32["4 1 23 23"]
    labels = aligned[:, 0].long()
    reveal_shape(labels)  # N: Revealed shape is Int64["4 23 23"]
    grid23.cross_entropy(logits, labels)
    padded = F.pad(masks, (0, 1, 0, 1))
    grid23.cross_entropy(logits, padded)  # F.pad has no rule: unknown, no finding
