# ruff: noqa
"""Calls of functions, methods and modules whose signatures carry contracts."""

import torch
from jaxtyping import Float as JF
from torch import Tensor, nn

from shapeguard import Bool, Float, Int, Integer, Shaped, reveal_shape


def fixed(x: Float[Tensor, "b 23 23 1"]) -> Float[Tensor, "b"]: ...
def named(x: Float[Tensor, "n k"], y: Float[Tensor, "k m"]) -> Float[Tensor, "n m"]: ...
def variadic(x: Float[Tensor, "*batch h w"], y: Int[Tensor, "*batch h w"]) -> Float[Tensor, "*batch"]: ...
def bcast(x: Float[Tensor, "n #c"], y: Float[Tensor, "n c"]) -> Float[Tensor, "n c"]: ...
def expr(x: Float[Tensor, "n"], y: Float[Tensor, "n+1"]) -> Float[Tensor, "2*n"]: ...
def ints(x: Int[Tensor, "n"]) -> None: ...
def integers(x: Integer[Tensor, "n"]) -> None: ...
def bools(x: Bool[Tensor, "n"]) -> None: ...
def anything(x: Shaped[Tensor, "n"]) -> None: ...
def scalar(x: Float[Tensor, ""]) -> None: ...


def check_fixed(a: Float[Tensor, "4 23 23 1"], b: Float[Tensor, "4 22 22 1"], s: Float[Tensor, "b h w 1"]) -> None:
    reveal_shape(fixed(a))  # N: Revealed shape is Float["4"]
    fixed(b)  # E: Argument "x" to "fixed" has shape "4 22 22 1"; expected "b 23 23 1": dim 1 is 22, expected 23 [shape]
    fixed(s)  # symbols h, w may be 23: not a definite conflict
    fixed(a[0])  # E: rank 3, expected rank 4 [shape]


def check_named(a: Float[Tensor, "3 5"], b: Float[Tensor, "5 7"], c: Float[Tensor, "4 7"]) -> None:
    reveal_shape(named(a, b))  # N: Revealed shape is Float["3 7"]
    named(a, c)  # E: Argument "y" to "named" has shape "4 7"; expected "k m": dim 0 is 4, but k=5 from "x" [shape]


def check_symbols(a: Float[Tensor, "b c"], d: Float[Tensor, "d e"], e: Float[Tensor, "c e"]) -> None:
    reveal_shape(named(a, e))  # N: Revealed shape is Float["b e"]
    named(a, d)  # E: dim 0 is d, but k=c from "x" [shape]


def check_variadic(
    x: Float[Tensor, "2 3 23 23"], y: Int[Tensor, "2 3 23 23"], z: Int[Tensor, "2 23 23"],
    p: Float[Tensor, "*b h w"], q: Int[Tensor, "*b h w"], r: Int[Tensor, "..."],
) -> None:
    reveal_shape(variadic(x, y))  # N: Revealed shape is Float["2 3"]
    variadic(x, z)  # E: *batch is "2" here, but "2 3" from "x" (1 dims vs 2) [shape]
    reveal_shape(variadic(p, q))  # N: Revealed shape is Float["*b"]
    variadic(p, r)  # anonymous variadic: unknown, no error
    reveal_shape(variadic(p, r))  # N: Revealed shape is Float["*b"]


def check_broadcast(a: Float[Tensor, "4 1"], b: Float[Tensor, "4 6"], c: Float[Tensor, "4 5"]) -> None:
    bcast(a, b)
    bcast(b, b)
    bcast(c, b)  # E: Argument "y" to "bcast" has shape "4 6"; expected "n c": dim 1 is 6, but c=5 from "x" [shape]


def check_expr(a: Float[Tensor, "4"], b: Float[Tensor, "5"], c: Float[Tensor, "6"]) -> None:
    reveal_shape(expr(a, b))  # N: Revealed shape is Float["8"]
    expr(a, c)  # E: Argument "y" to "expr" has shape "6"; expected "n+1": dim 0 is 6, expected n+1=5 [shape]


def check_dtype(f: Float[Tensor, "3"], i: Int[Tensor, "3"], b: Bool[Tensor, "3"], u: Shaped[Tensor, "3"]) -> None:
    ints(f)  # E: Argument "x" to "ints" has dtype Float; expected Int [dtype]
    ints(i)
    integers(i)
    bools(f)  # E: has dtype Float; expected Bool [dtype]
    anything(f)
    ints(u)  # Shaped may be an int: not definite
    ints(f.long())
    ints(b)  # E: has dtype Bool; expected Int [dtype]


def check_scalar(loss: Float[Tensor, ""], v: Float[Tensor, "3"]) -> None:
    scalar(loss)
    scalar(v)  # E: rank 1, expected rank 0 [shape]


def check_ignores(b: Float[Tensor, "4 22 22 1"]) -> None:
    fixed(b)  # type: ignore[shape]


def check_unknown(t: Tensor, x) -> None:
    fixed(t)
    fixed(x)
    reveal_shape(fixed(t))  # N: Revealed shape is Float["_"]


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 1)

    def forward(self, x: Float[Tensor, "b 3 h w"]) -> Float[Tensor, "b h w 1"]:
        return self.conv(x).permute(0, 2, 3, 1)

    def head(self, x: Float[Tensor, "b h w 1"]) -> Float[Tensor, "b"]:
        return x.mean(dim=(1, 2, 3))


def check_module(net: Net, img: Float[Tensor, "8 3 23 23"], bad: Float[Tensor, "8 23 23 3"]) -> None:
    out = net(img)
    reveal_shape(out)  # N: Revealed shape is Float["8 23 23 1"]
    net(bad)  # E: Argument "x" to "Net.forward" has shape "8 23 23 3"; expected "b 3 h w": dim 1 is 23, expected 3 [shape]
    reveal_shape(net.head(out))  # N: Revealed shape is Float["8"]
    net.head(img)  # E: Argument "x" to "Net.head" has shape "8 3 23 23"; expected "b h w 1": dim 3 is 23, expected 1 [shape]
    net.forward(bad)  # E: dim 1 is 23, expected 3 [shape]


def returns_ok(x: Float[Tensor, "4 23 23 1"]) -> Float[Tensor, "4"]:
    return fixed(x)


def returns_bad(x: Float[Tensor, "4 23 23 1"]) -> Float[Tensor, "5"]:
    return fixed(x)  # E: Value returned from "fixed" has shape "4"; declared return shape is "5" [shape]


def returns_symbol(x: Float[Tensor, "n k"], y: Float[Tensor, "k m"]) -> Float[Tensor, "m n"]:
    return named(x, y)  # E: declared return shape is "m n" [shape]


def returns_dtype(x: Float[Tensor, "n k"], y: Float[Tensor, "k m"]) -> Int[Tensor, "n m"]:
    return named(x, y)  # E: Value returned from "named" has dtype Float; declared return dtype is Int [dtype]


def jax_style(x: JF[Tensor, "b 22 22 1"]) -> None:
    fixed(x)  # E: dim 1 is 22, expected 23 [shape]


def make() -> Float[Tensor, "4 23 23 1"]:
    return torch.zeros(4, 23, 23, 1)


def make_bad() -> Float[Tensor, "4 23 23 1"]:
    return torch.zeros(4, 22, 22, 1)  # E: Value returned from "zeros" has shape "4 22 22 1"; declared return shape is "4 23 23 1" [shape]
