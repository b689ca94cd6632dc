"""The fast path: a whole call's shape checks as a few C-level tuple operations.

For the common signature (array parameters with fixed, named, `_` and named-variadic dims),
every dim constraint of a call is an equality: between two dims that share a name, or
between a dim and a fixed size. At decoration time shapeguard lays all gathered dims of a
call out in one flat tuple (fixed sizes first, then each argument's dims) and writes the
constraints as two index lists. A call then gathers each argument's dims with one
`operator.itemgetter`, and checks all constraints with one tuple comparison.

The fast path only ever answers "all constraints hold". On any doubt (a failed comparison,
an unseen dtype, a missing argument) the caller falls back to the general path in
`_runtime`, which is the reference semantics and writes the error. Property tests hold the
two to the same verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from ._contract import FIXED, NAMED, VARIADIC, ArrayContract
from ._spec import AnyDim, Dim, FixedDim, NamedDim, VariadicDim

Gather = Callable[[Any], Any]


def _variadic_gatherer(axes: list[int], variadic: tuple[int, int] | None) -> Gather:
    """shape -> (its sizes at `axes`, the variadic dims as a tuple, the whole shape).

    The variadic slice is static: it starts at the variadic's index and stops `after`
    dims before the end, so `slice(start, -after)` picks it for any rank. The whole shape
    goes in too, so that a later argument with the same spec is one comparison. The shape
    is copied to a plain tuple first: torch.compile traces neither an itemgetter applied
    to a torch.Size nor one holding a slice, and the copy is cheap.
    """
    start, after = variadic if variadic is not None else (0, 0)
    cut = slice(start or None, -after if after else None) if variadic is not None else slice(0, 0)
    if not axes:

        def gather_none(shape: Any) -> tuple[Any, ...]:
            t = tuple(shape)
            return (t[cut], t)

        return gather_none
    if len(axes) == 1:
        (axis,) = axes

        def gather_one(shape: Any) -> tuple[Any, ...]:
            t = tuple(shape)
            return (t[axis], t[cut], t)

        return gather_one
    pick = itemgetter(*axes)

    def gather_many(shape: Any) -> tuple[Any, ...]:
        t = tuple(shape)
        return (*pick(t), t[cut], t)

    return gather_many


def _tuple_getter(positions: list[int]) -> Gather:
    """positions -> a function v -> tuple(v[p] for p in positions), in C where possible."""
    if len(positions) == 1:
        (p,) = positions
        return lambda v: (v[p],)
    return itemgetter(*positions)


class _Layout:
    """Assigns each gathered size a slot in the call's flat tuple; collects constraints.

    Positions are provisional while contracts are added: constants get negative ones
    (they sit in front of the tuple, and their count is known only at the end), gathered
    sizes non-negative ones; `resolve` turns both into final indexes.
    """

    def __init__(self) -> None:
        self.consts: list[int] = []
        self.first: dict[str, int] = {}
        self.size = 0
        self.lhs: list[int] = []
        self.rhs: list[int] = []
        self.whole_shapes: dict[tuple[Dim, ...], int] = {}  # spec dims -> slot of a shape

    def resolve(self, positions: list[int]) -> list[int]:
        n = len(self.consts)
        return [p + n if p >= 0 else -1 - p for p in positions]

    def _const(self, value: int) -> int:
        if value not in self.consts:
            self.consts.append(value)
        return -1 - self.consts.index(value)

    def _slot_of(self, dim: Dim) -> int | None:
        """The provisional position a fixed or already-bound dim must equal, else None."""
        if isinstance(dim, FixedDim) and not dim.broadcast:
            return self._const(dim.size)
        if isinstance(dim, NamedDim) and not dim.broadcast:
            return self.first.get(dim.name)
        return None

    def add(self, contract: ArrayContract) -> _ArgLayout | None:
        """Lay out one contract, or None when it needs the general path (broadcast dims,
        expressions)."""
        dims = contract.spec.dims
        if contract.spec.variadic_index is None:
            if dims and all(self._slot_of(d) is not None for d in dims):
                # Every size is known before this argument: compare its whole shape with
                # one tuple, built from the slots (a torch.Size == tuple test is ~20 ns).
                return _ArgLayout(expect=[self._slot_of(d) for d in dims])  # type: ignore[misc]
            start = self.size
            for axis, dim in enumerate(dims):
                if not self._bind(start + axis, dim):
                    return None
            self.size += len(dims)
            # `tuple(shape)` copies a torch.Size in C, cheaper than picking axes out of it.
            return _ArgLayout(gather=tuple if dims else None)
        repeatable = not any(isinstance(d, AnyDim) or (isinstance(d, VariadicDim) and d.name is None) for d in dims)
        if repeatable and dims in self.whole_shapes:
            # The same spec as an earlier array, with every size named: the same shape.
            return _ArgLayout(expect_whole=self.whole_shapes[dims])
        axes: list[int] = []
        bound: list[Dim] = []
        variadic: tuple[int, int] | None = None
        variadic_name = ""
        for axis, kind, payload in contract.steps:
            if kind in (NAMED, FIXED):
                axes.append(axis)
                bound.append(NamedDim(payload) if kind == NAMED else FixedDim(payload))
            elif kind == VARIADIC:
                variadic = (axis, payload[1])
                variadic_name = payload[0]
            else:
                return None
        start = self.size
        for offset, dim in enumerate(bound):
            self._bind(start + offset, dim)
        if variadic is not None:
            self._bind(start + len(axes), NamedDim(variadic_name))
        self.size += len(axes) + 2  # the axes, the variadic slice, the whole shape
        if repeatable:
            self.whole_shapes[dims] = self.size - 1
        return _ArgLayout(gather=_variadic_gatherer(axes, variadic))

    def _bind(self, position: int, dim: Dim) -> bool:
        """Record the constraint on the size at `position`; False if the fast path
        cannot express it."""
        if isinstance(dim, AnyDim):
            return True
        if isinstance(dim, FixedDim) and not dim.broadcast:
            self.lhs.append(position)
            self.rhs.append(self._const(dim.size))
            return True
        if isinstance(dim, NamedDim) and not dim.broadcast:
            first = self.first.get(dim.name)
            if first is None:
                self.first[dim.name] = position
            else:
                self.lhs.append(position)
                self.rhs.append(first)
            return True
        return False

    def constraints(self, since: int = 0, until: int | None = None) -> tuple[Gather, Gather]:
        """Two getters: constraints number `since` to `until` hold when left(v) == right(v)."""
        left = self.resolve(self.lhs[since:until])
        right = self.resolve(self.rhs[since:until])
        if not left:
            return _NOTHING, _NOTHING
        return _tuple_getter(left), _tuple_getter(right)


class _ArgLayout:
    """How the fast path handles one array: gather its sizes into the tuple, or compare
    its whole shape with sizes already there."""

    __slots__ = ("expect", "expect_whole", "gather")

    def __init__(
        self,
        gather: Gather | None = None,
        expect: list[int] | None = None,
        expect_whole: int | None = None,
    ) -> None:
        self.gather = gather
        self.expect = expect  # slots whose sizes, as a tuple, are the expected shape
        self.expect_whole = expect_whole  # the slot holding the expected shape itself


def _NOTHING(v: tuple[Any, ...]) -> tuple[()]:
    return ()


# Per array: (position in the call's values, array type, dtype cache, exact rank,
# min rank, gatherer or None, expected-shape getter or None)
ArgSpec = tuple[int, Any, dict[Any, bool], int, int, "Gather | None", "Gather | None"]


class FastKernel:
    """The compiled fast path of one function. See the module docstring."""

    __slots__ = ("args", "args_ok", "consts", "result", "result_ok")

    def __init__(
        self,
        args: tuple[ArgSpec, ...],
        consts: tuple[int, ...],
        args_ok: tuple[Gather, Gather],
        result: ArgSpec | None,
        result_ok: tuple[Gather, Gather],
    ) -> None:
        self.args = args
        self.consts = consts
        self.args_ok = args_ok
        self.result = result
        self.result_ok = result_ok

    def check_args(self, values: Any) -> tuple[Any, ...] | None:
        """The filled tuple when every array argument holds, else None (go general).

        The wrapper in `_runtime` inlines this loop; this method is its reference copy,
        used after the general path has vetted a call."""
        v = self.consts
        for index, array_type, dtype_ok, exact_rank, min_rank, gather, expect in self.args:
            x = values[index]
            if not isinstance(x, array_type) or dtype_ok.get(x.dtype) is not True:
                return None
            shape = x.shape
            rank = len(shape)
            if rank != exact_rank and (exact_rank >= 0 or rank < min_rank):
                return None
            if expect is not None:
                if shape != expect(v):
                    return None
            elif gather is not None:
                v += gather(shape)
        left, right = self.args_ok
        return v if left(v) == right(v) else None


def _arg_spec(index: int, contract: ArrayContract, laid: _ArgLayout, layout: _Layout) -> ArgSpec:
    if laid.expect is not None:
        expect: Gather | None = _tuple_getter(layout.resolve(laid.expect))
    elif laid.expect_whole is not None:
        expect = itemgetter(layout.resolve([laid.expect_whole])[0])
    else:
        expect = None
    return (
        index,
        contract.array_type,
        contract.dtype_ok,
        contract.exact_rank,
        contract.min_rank,
        laid.gather,
        expect,
    )


def compile_fast(
    params: list[tuple[int, ArrayContract]], returns: ArrayContract | None
) -> FastKernel | None:
    """The fast kernel for these array parameters (position, contract) and return, or None
    when some contract needs the general path."""
    contracts = [c for _, c in params] + ([returns] if returns is not None else [])
    if any(c.array_type is None for c in contracts):
        return None
    layout = _Layout()
    laid_args: list[tuple[int, ArrayContract, _ArgLayout]] = []
    for index, contract in params:
        laid = layout.add(contract)
        if laid is None:
            return None
        laid_args.append((index, contract, laid))
    n_arg_constraints = len(layout.lhs)
    laid_result = None
    if returns is not None:
        laid_result = layout.add(returns)
        if laid_result is None:
            return None
    # Every position is final only now that all constants are known.
    arg_specs = tuple(_arg_spec(i, c, laid, layout) for i, c, laid in laid_args)
    result_spec = _arg_spec(-1, returns, laid_result, layout) if returns is not None and laid_result else None
    args_ok = layout.constraints(until=n_arg_constraints)
    # The arguments' constraints already hold when the result is checked: only its own.
    result_ok = layout.constraints(since=n_arg_constraints)
    return FastKernel(arg_specs, tuple(layout.consts), args_ok, result_spec, result_ok)
