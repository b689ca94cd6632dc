# ruff: noqa
"""`return <call>`: names that only the return annotation mentions are bound by the return
itself (as at run time), once and consistently; parameter names stay rigid."""

import torch
from torch import Tensor

from shapeguard import Float


def g(x: Float[Tensor, "b"]) -> Float[Tensor, "b"]: ...
def outer(x: Float[Tensor, "b"]) -> Float[Tensor, "b b"]: ...
def swap(x: Float[Tensor, "b h"]) -> Float[Tensor, "h b"]: ...
def grow(x: Float[Tensor, "b"]) -> Float[Tensor, "b+1"]: ...


def free_name(x: Float[Tensor, "b"]) -> Float[Tensor, "n"]:
    return g(x)


def free_name_twice(x: Float[Tensor, "b"]) -> Float[Tensor, "n n"]:
    return outer(x)


def free_variadic(x: Float[Tensor, "b h"]) -> Float[Tensor, "*rest"]:
    return swap(x)


def free_with_expression(x: Float[Tensor, "b"]) -> Float[Tensor, "n n+1"]:
    return torch.outer(x, grow(x))


def free_and_rigid(x: Float[Tensor, "b h"]) -> Float[Tensor, "n b"]:
    return swap(x)


def free_then_rigid_conflict(x: Float[Tensor, "b h"]) -> Float[Tensor, "n h"]:
    return swap(x)  # E: Value returned from "swap" has shape "h b"; declared return shape is "n h": dim 1 is b, expected h [shape]


def free_name_inconsistent(x: Float[Tensor, "2 3"]) -> Float[Tensor, "n n"]:
    return g(x.reshape(6)).reshape(2, 3)  # E: Value returned from "Tensor.reshape" has shape "2 3"; declared return shape is "n n": dim 1 is 3, but n=2 earlier in this value [shape]


def local_names_are_unknown(x: Float[Tensor, "b"]) -> Float[Tensor, "b"]:
    k: Float[Tensor, "k"] = x
    return g(k)


def rigid_parameter_names(x: Float[Tensor, "b h"]) -> Float[Tensor, "b h"]:
    return swap(x)  # E: Value returned from "swap" has shape "h b"; declared return shape is "b h" [shape]


def nested(x: Float[Tensor, "b"]) -> None:
    def inner(y: Float[Tensor, "c"]) -> Float[Tensor, "c b"]:
        return torch.outer(g(y), x)

    def inner_free(y: Float[Tensor, "c"]) -> Float[Tensor, "m"]:
        return g(y)
