"""String annotations; one of them names something that exists only for type checkers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from shapeguard import Float

if TYPE_CHECKING:
    from collections import OrderedDict


def mean_rows(x: Float[np.ndarray, "r c"]) -> Float[np.ndarray, " c"]:
    return x.mean(axis=0)


def only_for_type_checkers(x: OrderedDict[str, int], y: Float[np.ndarray, " n"]) -> None:
    pass
