"""numpy contracts in every form the import hook has to find."""

from __future__ import annotations

import dataclasses

import numpy as np
from sg_external import ext_double as ext_double

from shapeguard import Bool, Float, Int, check

Image = Float[np.ndarray, "h w"]  # a type alias: the hook sees through it


def scale(x: Float[np.ndarray, "h w"], k: float) -> Float[np.ndarray, "h w"]:
    return x * k


also_scale = scale  # an alias: must stay the same object as `scale`


def wrong_return(x: Float[np.ndarray, "h w"]) -> Float[np.ndarray, "h w"]:
    return x[:-1]


def through_alias(x: Image) -> Image:
    return x


def maybe(x: Float[np.ndarray, " n"] | None = None) -> int:
    return 0 if x is None else int(x.shape[0])


def pair(xs: tuple[Float[np.ndarray, " n"], Float[np.ndarray, " n"]]) -> None:
    pass


def plain(x: int) -> int:  # no contract: must stay untouched (no beartype check either)
    return x


def untyped(x):  # type: ignore[no-untyped-def]
    return x


@check
def pre_checked(x: Float[np.ndarray, " n"]) -> Float[np.ndarray, " n"]:
    return x


async def async_sum(x: Float[np.ndarray, " n"]) -> Float[np.ndarray, ""]:
    return np.asarray(x.sum())


def gen(x: Float[np.ndarray, " n"]):  # type: ignore[no-untyped-def]
    yield from x


REGISTRY = {}


def register(fn):  # type: ignore[no-untyped-def]
    REGISTRY[fn.__name__] = fn
    return fn


@register
def registered(x: Float[np.ndarray, " n"]) -> None:
    """Documented limit: the registry holds the function taken before the hook ran."""


class Grid:
    def __init__(self, size: int) -> None:
        self.size = size
        self._cells = np.zeros((size, size))

    def fill(self, x: Float[np.ndarray, "h w"]) -> Float[np.ndarray, "h w"]:
        return x

    def describe(self, name: str) -> str:  # no contract
        return name

    @staticmethod
    def flat(x: Float[np.ndarray, "h w"]) -> Float[np.ndarray, " h*w"]:
        return x.reshape(-1)

    @classmethod
    def from_array(cls, x: Float[np.ndarray, "n n"]) -> Grid:
        return cls(x.shape[0])

    @property
    def cells(self) -> Float[np.ndarray, "n n"]:
        return self._cells

    @cells.setter
    def cells(self, value: Float[np.ndarray, "n n"]) -> None:
        self._cells = value

    class Inner:
        def take(self, x: Int[np.ndarray, " k"]) -> None:
            pass


@dataclasses.dataclass
class Sample:
    image: Float[np.ndarray, "h w"]
    mask: Bool[np.ndarray, "h w"]
    name: str = ""

    def area(self) -> int:  # no contract
        return int(self.mask.sum())


@dataclasses.dataclass
class Meta:  # no contract: its generated __init__ stays as it is
    name: str
    size: int = 0


@check
@dataclasses.dataclass
class PreChecked:
    x: Float[np.ndarray, " n"]
