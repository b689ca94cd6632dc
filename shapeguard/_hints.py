"""Turning annotations into checkers: array contracts, unions, containers, everything else.

`compile_hint` is called once per annotated parameter at decoration time. Array annotations
become `ArrayContract`s checked by shapeguard itself; any other annotation is handed to
beartype, which builds a fast checker for it once.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Union

from ._contract import ArrayContract, match

try:  # jaxtyping's base class of `Float[Tensor, "..."]` and friends
    from jaxtyping import AbstractArray as _AbstractArray
except ImportError:  # pragma: no cover - jaxtyping is a dependency
    _AbstractArray = None  # type: ignore[assignment,misc]

_UNION_ORIGINS: tuple[Any, ...] = (Union, types.UnionType)
_NONE = type(None)


def is_array_annotation(hint: Any) -> bool:
    return (
        isinstance(hint, type) and _AbstractArray is not None and issubclass(hint, _AbstractArray)
    )


_contracts: dict[Any, ArrayContract] = {}


def array_contract(hint: Any) -> ArrayContract:
    """The compiled contract of a jaxtyping annotation, one per distinct annotation.

    Keyed by what the annotation says, not by the class object: jaxtyping builds a new
    class each time a string annotation is evaluated (PEP 563), and those must neither
    miss the cache nor grow it without bound.
    """
    key = (hint.dtype, hint.array_type, hint.dim_str, hint.dtypes)
    contract = _contracts.get(key)
    if contract is None:
        contract = _contracts[key] = ArrayContract(hint)
    return contract


class Checker:
    """Checks one value of a non-simple annotation; `check` returns True when it holds."""

    __slots__ = ()

    def check(self, value: Any, bindings: dict[str, Any]) -> bool:  # pragma: no cover
        raise NotImplementedError

    def contracts(self) -> tuple[ArrayContract, ...]:
        """The array contracts inside, for decoration-time analysis of names."""
        return ()


def check_array(contract: ArrayContract, value: Any, bindings: dict[str, Any]) -> bool:
    """The full test of one array against one contract (the hot path inlines this)."""
    array_type = contract.array_type
    if array_type is not None and not isinstance(value, array_type):
        return False
    try:
        dtype = value.dtype
        shape = value.shape
    except AttributeError:
        return False
    if not contract.accepts_dtype(dtype):
        return False
    rank = len(shape)
    if rank != contract.exact_rank and (contract.exact_rank >= 0 or rank < contract.min_rank):
        return False
    return match(contract.steps, shape, bindings) < 0


class UnionChecker(Checker):
    """`A | B | None` where some members are arrays: the first member that holds wins.

    Each array member is tried on a copy of the bindings, so a member that fails halfway
    leaves no names behind.
    """

    __slots__ = ("allows_none", "arrays", "others")

    def __init__(
        self, arrays: tuple[ArrayContract, ...], allows_none: bool, others: tuple[Any, ...]
    ):
        self.arrays = arrays
        self.allows_none = allows_none
        self.others = others  # non-array members, checked by beartype

    def check(self, value: Any, bindings: dict[str, Any]) -> bool:
        if value is None and self.allows_none:
            return True
        for contract in self.arrays:
            trial = dict(bindings)
            if check_array(contract, value, trial):
                bindings.update(trial)
                return True
        return any(_bearable(value, hint) for hint in self.others)

    def contracts(self) -> tuple[ArrayContract, ...]:
        return self.arrays


class SequenceChecker(Checker):
    """`tuple[A, B]`, `tuple[A, ...]`, `list[A]`: elements share the call's bindings."""

    __slots__ = ("container", "items", "variadic")

    def __init__(self, container: type, items: tuple[Checker | ArrayContract, ...], variadic: bool):
        self.container = container
        self.items = items
        self.variadic = variadic

    def check(self, value: Any, bindings: dict[str, Any]) -> bool:
        if not isinstance(value, (tuple, list)) or not isinstance(value, self.container):
            return False
        if self.variadic:
            item = self.items[0]
            return all(check_value(item, v, bindings) for v in value)
        if len(value) != len(self.items):
            return False
        return all(check_value(c, v, bindings) for c, v in zip(self.items, value, strict=True))

    def contracts(self) -> tuple[ArrayContract, ...]:
        out: list[ArrayContract] = []
        for item in self.items:
            out.extend((item,) if isinstance(item, ArrayContract) else item.contracts())
        return tuple(out)


class BeartypeChecker(Checker):
    """Any annotation without arrays in it: beartype's own checker for the hint."""

    __slots__ = ("hint",)

    def __init__(self, hint: Any) -> None:
        self.hint = hint

    def check(self, value: Any, bindings: dict[str, Any]) -> bool:
        return _bearable(value, self.hint)


class ClassChecker(Checker):
    """A plain class annotation (`int`, `str`, `MyConfig`): one isinstance."""

    __slots__ = ("cls",)

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def check(self, value: Any, bindings: dict[str, Any]) -> bool:
        return isinstance(value, self.cls)


def check_value(checker: Checker | ArrayContract, value: Any, bindings: dict[str, Any]) -> bool:
    if isinstance(checker, ArrayContract):
        return check_array(checker, value, bindings)
    return checker.check(value, bindings)


def _bearable(value: Any, hint: Any) -> bool:
    from beartype.door import is_bearable

    return bool(is_bearable(value, hint))


def compile_hint(hint: Any) -> Checker | ArrayContract | None:
    """The checker for an annotation, or None for annotations that accept anything."""
    if hint is Any or hint is object or hint is typing.Any:
        return None
    if is_array_annotation(hint):
        return array_contract(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return compile_hint(args[0])
    if origin in _UNION_ORIGINS:
        arrays = tuple(array_contract(a) for a in args if is_array_annotation(a))
        if not arrays:
            return BeartypeChecker(hint)
        others = tuple(a for a in args if not is_array_annotation(a) and a is not _NONE)
        if any(_contains_array(o) for o in others):
            return BeartypeChecker(hint)
        return UnionChecker(arrays, _NONE in args, others)
    if origin in (tuple, list) and _contains_array(hint):
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            item = compile_hint(args[0])
            return SequenceChecker(tuple, (item or ClassChecker(object),), variadic=True)
        if origin is list:
            item = compile_hint(args[0])
            return SequenceChecker(list, (item or ClassChecker(object),), variadic=True)
        items = tuple(compile_hint(a) or ClassChecker(object) for a in args)
        return SequenceChecker(tuple, items, variadic=False)
    if isinstance(hint, type) and not typing.get_args(hint) and origin is None:
        return ClassChecker(hint)
    return BeartypeChecker(hint)


def _contains_array(hint: Any) -> bool:
    if is_array_annotation(hint):
        return True
    return any(_contains_array(a) for a in typing.get_args(hint) if a is not Ellipsis)
