"""Second-pass cases: bare returns and annotated assignments (`shapeguard check` only).

Expectations use the static tests' syntax: an E-comment on the reported line.
"""

# ruff: noqa: E501

from __future__ import annotations

import torch
from torch import Tensor

from shapeguard import Bool, Float, Int


def swapped(x: Float[Tensor, "b h"]) -> Float[Tensor, "h b"]:
    return x  # E: Value returned from "swapped" has shape "b h"; declared return shape is "h b" [shape]


def rank(x: Float[Tensor, "b h"]) -> Float[Tensor, "b h 1"]:
    return x  # E: rank 2, expected rank 3 [shape]


def fixed(x: Float[Tensor, "4 22 22"]) -> Float[Tensor, "4 23 23"]:
    y = x
    return y  # E: dim 1 is 22, expected 23 [shape]


def dtype(x: Int[Tensor, "b"]) -> Float[Tensor, "b"]:
    return x  # E: Value returned from "dtype" has dtype Int; declared return dtype is Float [dtype]


def branches(x: Float[Tensor, "b h"], flag: bool) -> Float[Tensor, "b h"]:
    if flag:
        return x
    for _ in range(2):
        while x.dim() > 5:
            return x.unsqueeze(0)  # E: declared return shape is "b h" [shape]
    return x


def assigned(x: Float[Tensor, "b 23 23"]) -> None:
    y: Float[Tensor, "b 22 22"] = x  # E: Value assigned to "y" has shape "b 23 23"; expected "b 22 22": dim 1 is 23, expected 22 [shape]
    z: Bool[Tensor, "b 23 23"] = x  # E: Value assigned to "z" has dtype Float; expected Bool [dtype]
    del y, z


class Model:
    def forward(self, x: Float[Tensor, "b c"]) -> Float[Tensor, "b c 1"]:
        out = x.unsqueeze(0)
        return out  # E: Value returned from "forward" [shape]


def ignored(x: Float[Tensor, "b h"]) -> Float[Tensor, "h b"]:
    return x  # type: ignore[shape]


def literal() -> Float[Tensor, "2 3"]:
    ok: Float[Tensor, "2 3"] = torch.zeros(2, 3)
    del ok
    return torch.zeros(3, 2)  # E: "3 2"; declared return shape is "2 3" [shape]


def free_inconsistent(x: Float[Tensor, "2 3"]) -> Float[Tensor, "n n"]:
    return x  # E: declared return shape is "n n": dim 1 is 3, but n=2 earlier in this value [shape]


def free_assigned(x: Float[Tensor, "2 3"]) -> None:
    y: Float[Tensor, "m m"] = x  # E: Value assigned to "y" has shape "2 3"; expected "m m": dim 1 is 3, but m=2 earlier in this value [shape]
    del y


# --- correct code: nothing may be reported below ----------------------------------------


def same(x: Float[Tensor, "*batch h w"]) -> Float[Tensor, "*batch h w"]:
    y = x
    return y


def free_return_names(x: Float[Tensor, "b h"]) -> Float[Tensor, "n"]:
    return x.flatten()


def free_return_names_bind_once(x: Float[Tensor, "b h"]) -> Float[Tensor, "n b h"]:
    return x.unsqueeze(0)


def free_names_consistent(x: Float[Tensor, "3 3"]) -> Float[Tensor, "n n"]:
    y: Float[Tensor, "m m"] = x
    return y


def free_local_names(x: Float[Tensor, "b"]) -> Float[Tensor, "b"]:
    k: Float[Tensor, "k"] = x
    return k


def unknown(x: Tensor) -> Float[Tensor, "b h"]:
    return x


def generic(x: Float[Tensor, "..."]) -> Float[Tensor, "b h"]:
    return x


def nested(x: Float[Tensor, "b h"]) -> Float[Tensor, "b h"]:
    def inner(y: Float[Tensor, "h b"]) -> Float[Tensor, "h b"]:
        return y

    return inner(x.t()).t()


async def coro(x: Float[Tensor, "b h"]) -> Float[Tensor, "b h"]:
    return x


def gen(x: Float[Tensor, "b h"]):  # type: ignore[no-untyped-def]
    yield x


module_level: Float[Tensor, "2 3"] = torch.zeros(2, 3)


# Results of generic functions are unknown-shape: `align_labels` returns labels on the
# logits' grid, not the labels' own shape (the plugin drops what TypeVar solving copied).
def realigned(
    logits: Float[Tensor, "4 23 23 5"], labels: Int[Tensor, "4 22 22"]
) -> Int[Tensor, "4 23 23"]:
    import shapeguard

    aligned = shapeguard.align_labels(labels, like=logits)
    kept: Int[Tensor, "4 23 23"] = shapeguard.align_labels(labels, like=logits)
    del kept
    return aligned


def not_generic(labels: Int[Tensor, "4 22 22"]) -> Int[Tensor, "4 23 23"]:
    same = labels.long()
    return same  # E: dim 1 is 22, expected 23 [shape]
