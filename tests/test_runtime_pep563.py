"""String annotations (PEP 563) resolve against the module, as in any runtime checker."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from shapeguard import Float, ShapeError, SpecError, check


@check
def scale(x: Float[Tensor, "b n"], w: Float[Tensor, "n"]) -> Float[Tensor, "b n"]:
    return x * w


def test_string_annotations_are_checked() -> None:
    scale(torch.zeros(2, 3), torch.ones(3))
    with pytest.raises(ShapeError, match="argument 'w'"):
        scale(torch.zeros(2, 3), torch.ones(4))


def test_malformed_string_reaches_shapeguards_parser_at_decoration() -> None:
    # Under PEP 563 the annotation is text until shapeguard resolves it, so shapeguard's
    # parser sees the malformed string itself.
    def f(x: Float[Tensor, "23x23x1"]) -> None:
        pass

    with pytest.raises((SpecError, ValueError), match=r"23 23 1|one token|commas|Axes"):
        check(f)


def test_unresolvable_annotation_names_the_function() -> None:
    def f(x: Missing[Tensor, "n"]) -> None:  # type: ignore[name-defined]
        pass

    with pytest.raises(SpecError, match=r"cannot resolve the annotations of .*f: name 'Missing'"):
        check(f)
