# ruff: noqa
"""Generic callees: mypy solves `def f(x: T) -> T` to the argument's own type, shape
included. `T` promises the argument's class, not its shape, so the result's shape is
unknown (never the argument's), while a shape the callee declares itself still flows."""

from collections.abc import Callable
from typing import TypeVar, overload

import numpy as np
import torch
from torch import Tensor

import shapeguard
from shapeguard import Float, Int, reveal_shape
from shapeguard.losses import grid23

T = TypeVar("T")


def ident(x: T) -> T: ...
def first(xs: list[T]) -> T: ...
def pair(x: T) -> tuple[T, Float[Tensor, "3"]]: ...
def boxed(x: T) -> list[T]: ...
def delayed(x: T) -> Callable[[], T]: ...
def tagged(x: T, y: Float[Tensor, "b"]) -> T: ...
@overload
def over(x: int) -> int: ...
@overload
def over(x: T) -> T: ...
def over(x: object) -> object: ...


ident_var: Callable[[T], T] = ident


class Resizer:
    def __call__(self, labels: T, size: int) -> T: ...
    def resize(self, labels: T, size: int) -> T: ...


def align_labels_keeps_no_shape(logits: Float[Tensor, "4 23 23 5"], labels: Int[Tensor, "4 22 22"]) -> None:
    aligned = shapeguard.align_labels(labels, like=logits)
    reveal_shape(aligned)  # N: Revealed shape is unknown
    grid23.cross_entropy(logits, aligned)
    fixed: Int[Tensor, "4 23 23"] = shapeguard.align_labels(labels, like=logits)
    grid23.cross_entropy(logits, fixed)
    masks = np.zeros((4, 22, 22), dtype=np.int64)
    reveal_shape(shapeguard.align_labels(masks, like=np.zeros((4, 23, 23, 5))))  # N: Revealed shape is unknown


def generic_results_are_unknown(x: Float[Tensor, "4 22 22"], r: Resizer) -> None:
    reveal_shape(ident(x))  # N: Revealed shape is unknown
    reveal_shape(ident_var(x))  # N: Revealed shape is unknown
    reveal_shape(first([x]))  # N: Revealed shape is unknown
    reveal_shape(boxed(x)[0])  # N: Revealed shape is unknown
    reveal_shape(delayed(x)())  # N: Revealed shape is unknown
    reveal_shape(over(x))  # N: Revealed shape is unknown
    reveal_shape(r(x, 23))  # N: Revealed shape is unknown
    reveal_shape(r.resize(x, 23))  # N: Revealed shape is unknown
    reveal_shape(tagged(x, torch.zeros(3)))  # N: Revealed shape is unknown
    grid23.cross_entropy(torch.zeros(4, 23, 23, 5), r.resize(x.long(), 23))


def declared_parts_still_flow(x: Float[Tensor, "4 22 22"]) -> None:
    a, b = pair(x)
    reveal_shape(a)  # N: Revealed shape is unknown
    reveal_shape(b)  # N: Revealed shape is Float["3"]
    tagged(x, torch.zeros(2, 2))  # E: Argument "y" to "tagged" has shape "2 2"; expected "b": rank 2, expected rank 1 [shape]


def containers_keep_their_elements(x: Float[Tensor, "4 22 22"]) -> None:
    xs = [x]
    reveal_shape(xs[0])  # N: Revealed shape is Float["4 22 22"]
