"""`--trace` and `# type: ignore`: the same broken matmul, with and without the comment.

A TRACE comment marks the lines that still report (the comment lists another code, or the
`# type: ignore` is inside a string, not a comment).
"""

from __future__ import annotations

from torch import Tensor

from shapeguard import Float, check


def _tag(x: Tensor, label: str) -> Tensor:
    return x


@check
def ignored_shape(x: Float[Tensor, "b n"]) -> Float[Tensor, "b b"]:
    return x @ x  # type: ignore[shape]


@check
def ignored_bare(x: Float[Tensor, "b n"]) -> Float[Tensor, "b b"]:
    return x @ x  # type: ignore


@check
def ignored_other_code(x: Float[Tensor, "b n"]) -> Float[Tensor, "b b"]:
    return x @ x  # type: ignore[dtype]  # TRACE: shape


@check
def ignore_in_a_string(x: Float[Tensor, "b n"]) -> Float[Tensor, "b b"]:
    return _tag(x @ x, "# type: ignore")  # TRACE: shape
