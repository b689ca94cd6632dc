"""The fast path: a whole call's shape checks as a few slices and tuple comparisons.

Most signatures relate their arrays by runs of identical dims: labels `"*batch h w"` are
logits `"*batch h w n"` without the last axis; a second input has the first one's spec.
shapeguard finds these runs at decoration time and checks a call with C-level tuple
operations only:

- an array whose dims are a run of an earlier array's dims is one comparison,
  `shape == earlier_shape[run]`;
- any other array has its fixed dims compared with one
  constant tuple, a leading run shared with an earlier array compared with one slice,
  and its shape object kept (not copied) for the arrays after it.

Slices and tuple comparisons are also what torch.compile traces without a graph break.

The fast path only ever answers "all constraints hold". On any doubt (a failed
comparison, an unseen dtype, a missing argument) the caller falls back to the general
path in `_runtime`, which is the reference semantics and writes the error; property tests
hold the two to the same verdicts. Signatures the fast path cannot express (broadcast
dims, expressions, a name used twice in one array, names shared out of order) get no
fast path at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._contract import ArrayContract
from ._spec import AnyDim, Dim, FixedDim, NamedDim, VariadicDim


@dataclass(slots=True)
class FastArray:
    """How the fast path checks one array (an argument, or the return value)."""

    index: int  # position among the call's values; -1 for the return value
    array_type: Any  # a class; Any so that isinstance leaves the value's type alone
    accepted_dtypes: set[Any]  # the contract's dtypes seen and found in the family
    exact_rank: int  # -1 when the spec has a variadic
    min_rank: int
    # Either: the whole shape equals shapes[expect_from][expect_run] ...
    expect_from: int | None = None
    expect_run: slice = field(default_factory=lambda: slice(None))
    # ... or: it is copied and kept, after these checks on the copy `t`:
    # t[shared_own] == shapes[shared_from][shared_run]
    shared_from: int | None = None
    shared_own: slice = field(default_factory=lambda: slice(None))
    shared_run: slice = field(default_factory=lambda: slice(None))
    # t[fixed_own] == fixed_sizes
    fixed_own: slice | None = None
    fixed_sizes: tuple[int, ...] = ()


@dataclass(slots=True)
class FastKernel:
    """The compiled fast path of one function: its arrays in checking order."""

    args: tuple[FastArray, ...]
    result: FastArray | None

    def check_args(self, values: Any) -> tuple[Any, ...] | None:
        """The kept shapes when every array argument holds, else None (go general).

        The wrappers in `_runtime` inline this for one and two arrays."""
        shapes: tuple[Any, ...] = ()
        for spec in self.args:
            shapes_or_none = check_array(spec, values[spec.index], shapes)
            if shapes_or_none is None:
                return None
            shapes = shapes_or_none
        return shapes


def check_array(spec: FastArray, x: Any, shapes: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """One array on the fast path: the kept shapes after it, or None on any doubt."""
    if not isinstance(x, spec.array_type) or x.dtype not in spec.accepted_dtypes:
        return None
    shape = x.shape
    if spec.expect_from is not None:
        return shapes if shape == shapes[spec.expect_from][spec.expect_run] else None
    rank = len(shape)
    if rank != spec.exact_rank and (spec.exact_rank >= 0 or rank < spec.min_rank):
        return None
    t = shape
    if (
        spec.shared_from is not None
        and t[spec.shared_own] != shapes[spec.shared_from][spec.shared_run]
    ):
        return None
    if spec.fixed_own is not None and t[spec.fixed_own] != spec.fixed_sizes:
        return None
    return (*shapes, t)


# --- compiling ---------------------------------------------------------------------------


class _Facts:
    """What the compiler needs to know of one contract, computed once per annotation."""

    __slots__ = ("expressible", "fixed", "keys", "names", "ndims", "variadic_at")

    def __init__(self, dims: tuple[Dim, ...]) -> None:
        self.ndims = len(dims)
        self.variadic_at = next((i for i, d in enumerate(dims) if isinstance(d, VariadicDim)), None)
        # Equal keys mean equal sizes: the canonical spelling of a dim that promises a size.
        # `_` and `...` promise nothing: None, and no run may contain one.
        self.keys: tuple[str | None, ...] = tuple(str(d) if _comparable(d) else None for d in dims)
        self.names = [
            d.name for d in dims if isinstance(d, (NamedDim, VariadicDim)) and d.name is not None
        ]
        self.fixed = [(i, d.size) for i, d in enumerate(dims) if isinstance(d, FixedDim)]
        self.expressible = len(set(self.names)) == len(self.names) and all(
            _comparable(d)
            or isinstance(d, AnyDim)
            or (isinstance(d, VariadicDim) and d.name is None)
            for d in dims
        )

    def axes(self, start: int, stop: int) -> slice:
        """The slice of a shape that holds dims[start:stop] (one variadic at most)."""
        vi, n = self.variadic_at, self.ndims
        if vi is None:
            lo, hi = start, stop
        else:
            # Axes before the variadic count from the front, axes after it from the end.
            lo = start if start <= vi else start - n
            hi = stop if stop <= vi else stop - n
        # The whole shape is `slice(None)`: the wrappers compare it without slicing.
        return slice(lo or None, None if stop == n else hi)


_facts: dict[ArrayContract, _Facts] = {}


def _facts_of(contract: ArrayContract) -> _Facts:
    facts = _facts.get(contract)
    if facts is None:
        facts = _facts[contract] = _Facts(contract.spec.dims)
    return facts


def _comparable(dim: Dim) -> bool:
    """Dims whose equality between two specs means equal sizes."""
    if isinstance(dim, (FixedDim, NamedDim)):
        return not dim.broadcast
    return isinstance(dim, VariadicDim) and dim.name is not None and not dim.broadcast


def _find_run(kept: list[_Facts], run: tuple[str | None, ...]) -> tuple[int, slice] | None:
    """An earlier kept spec containing the keys `run` consecutively: (its index, axes)."""
    if not run or None in run:
        return None
    for k, facts in enumerate(kept):
        keys = facts.keys
        for start in range(len(keys) - len(run) + 1):
            if keys[start : start + len(run)] == run:
                return k, facts.axes(start, start + len(run))
    return None


class _Compiler:
    def __init__(self) -> None:
        self.kept: list[_Facts] = []  # the arrays whose shapes are kept, in order
        self.bound: set[str] = set()

    def add(self, index: int, contract: ArrayContract) -> FastArray | None:
        facts = _facts_of(contract)
        if contract.array_type is None or not facts.expressible:
            return None  # broadcast dims, expressions, a name twice in one array
        base = (
            index,
            contract.array_type,
            contract.accepted_dtypes,
            contract.exact_rank,
            contract.min_rank,
        )
        found = _find_run(self.kept, facts.keys)
        if found is not None:
            return FastArray(*base, expect_from=found[0], expect_run=found[1])
        # The longest leading run shared with an earlier array; after it, only new names,
        # `_` and fixed sizes (in one consecutive block).
        shared_len, shared = 0, None
        for length in range(facts.ndims - 1, 0, -1):
            shared = _find_run(self.kept, facts.keys[:length])
            if shared is not None:
                shared_len = length
                break
        if any(name in self.bound for name in _names_after(contract.spec.dims, shared_len)):
            return None  # a known name outside the shared run: needs the general path
        fixed = [(i, size) for i, size in facts.fixed if i >= shared_len]
        if fixed and fixed[-1][0] - fixed[0][0] != len(fixed) - 1:
            return None  # fixed sizes in two separate blocks
        self.kept.append(facts)
        self.bound.update(facts.names)
        return FastArray(
            *base,
            shared_from=shared[0] if shared else None,
            shared_own=facts.axes(0, shared_len),
            shared_run=shared[1] if shared else slice(None),
            fixed_own=facts.axes(fixed[0][0], fixed[-1][0] + 1) if fixed else None,
            fixed_sizes=tuple(size for _, size in fixed),
        )


def _names_after(dims: tuple[Dim, ...], start: int) -> list[str]:
    return [
        d.name
        for d in dims[start:]
        if isinstance(d, (NamedDim, VariadicDim)) and d.name is not None
    ]


def compile_fast(
    params: list[tuple[int, ArrayContract]], returns: ArrayContract | None
) -> FastKernel | None:
    """The fast kernel for these array parameters (position, contract) and return, or None
    when some contract needs the general path."""
    compiler = _Compiler()
    args = []
    for index, contract in params:
        spec = compiler.add(index, contract)
        if spec is None:
            return None
        args.append(spec)
    result = None
    if returns is not None:
        result = compiler.add(-1, returns)
        if result is None:
            return None
    return FastKernel(tuple(args), result)
