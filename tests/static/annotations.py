# ruff: noqa
"""Annotation sites: every way of writing a shape annotation, malformed strings, gradual."""

from typing import Annotated

import jaxtyping
import jaxtyping as jt
import numpy as np
from jaxtyping import Float as JF
from jaxtyping import Int
from torch import Tensor

import shapeguard
from shapeguard import Bool, Float, Float32, Shaped, reveal_shape

Logits = Float[Tensor, "b 23 23 1"]


def forms(
    a: Float[Tensor, "b h w"],
    b: JF[Tensor, "b h"],
    c: jt.Float[Tensor, "b"],
    d: jaxtyping.Int[Tensor, ""],
    e: shapeguard.Bool[Tensor, "23"],
    f: Int[np.ndarray, "3 4"],
    g: Logits,
    h: Float32[Tensor, "*batch #c _"] | None,
    i: Shaped[Tensor, "n+1 2*n n//2"],
) -> None:
    reveal_shape(a)  # N: Revealed shape is Float["b h w"]
    reveal_shape(b)  # N: Revealed shape is Float["b h"]
    reveal_shape(c)  # N: Revealed shape is Float["b"]
    reveal_shape(d)  # N: Revealed shape is Int[""]
    reveal_shape(e)  # N: Revealed shape is Bool["23"]
    reveal_shape(f)  # N: Revealed shape is Int["3 4"]
    reveal_shape(g)  # N: Revealed shape is Float["b 23 23 1"]
    reveal_shape(i)  # N: Revealed shape is Shaped["n+1 2*n n//2"]
    if h is not None:
        reveal_shape(h)  # N: Revealed shape is Float32["*batch #c _"]


def plain(x: Tensor, y: Annotated[int, "meta"], z: Annotated[Tensor, "h w"]) -> None:
    reveal_shape(x)  # N: Revealed shape is unknown
    reveal_shape(y)  # N: Revealed shape is unknown
    reveal_shape(z)  # N: Revealed shape is unknown
    w: int = y + 1  # Annotated[int, ...] is still int
    del w


def malformed_commas(x: Float[Tensor, "h, w"]) -> None: ...  # E: invalid shape 'h, w': dims are separated by spaces, not commas [shape-spec] # N: hint: write 'h w'


def malformed_two_variadics(x: Float[Tensor, "*a h *b"]) -> None: ...  # E: invalid shape '*a h *b': two variadic dims [shape-spec]


def malformed_grid(x: Float[Tensor, "23x23"]) -> None: ...  # E: '23x23' is one token [shape-spec]


def malformed_operator(x: Float[Tensor, "h/2"]) -> None: ...  # E: unknown operator or character '/' [shape-spec] # N: hint: use // for integer division


def malformed_ignored(x: Float[Tensor, "(h w)"]) -> None: ...  # type: ignore[shape-spec]


def malformed_is_unknown(x: Float[Tensor, "h,w"]) -> None:  # E: dims are separated by spaces [shape-spec]
    reveal_shape(x)  # N: Revealed shape is Float[unknown shape]
