"""The fast path: a whole call's shape checks as a few slices and tuple comparisons.

Most signatures relate their arrays by runs of identical dims: labels `"*batch h w"` are
logits `"*batch h w n"` without the last axis; a second input has the first one's spec.
shapeguard finds these runs at decoration time and checks a call with C-level tuple
operations only:

- an array whose dims are a run of an earlier array's dims is one comparison,
  `shape == earlier_shape[run]`;
- any other array is copied once (`tuple(shape)`), its fixed dims compared with one
  constant tuple, a leading run shared with an earlier array compared with one slice,
  and its shape kept for the arrays after it.

Slices and tuple comparisons are also what torch.compile traces without a graph break.

The fast path only ever answers "all constraints hold". On any doubt (a failed
comparison, an unseen dtype, a missing argument) the caller falls back to the general
path in `_runtime`, which is the reference semantics and writes the error; property tests
hold the two to the same verdicts. Signatures the fast path cannot express (broadcast
dims, expressions, a name used twice in one array, names shared out of order) get no
fast path at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ._contract import ArrayContract
from ._spec import AnyDim, Dim, FixedDim, NamedDim, VariadicDim


@dataclass(frozen=True)
class FastArray:
    """How the fast path checks one array (an argument, or the return value)."""

    index: int  # position among the call's values; -1 for the return value
    array_type: Any  # a class; Any so that isinstance leaves the value's type alone
    dtype_ok: dict[Any, bool]  # the contract's dtype cache: dtype -> in the family
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


@dataclass(frozen=True)
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
    if not isinstance(x, spec.array_type) or spec.dtype_ok.get(x.dtype) is not True:
        return None
    shape = x.shape
    if spec.expect_from is not None:
        return shapes if shape == shapes[spec.expect_from][spec.expect_run] else None
    rank = len(shape)
    if rank != spec.exact_rank and (spec.exact_rank >= 0 or rank < spec.min_rank):
        return None
    t = tuple(shape)
    if (
        spec.shared_from is not None
        and t[spec.shared_own] != shapes[spec.shared_from][spec.shared_run]
    ):
        return None
    if spec.fixed_own is not None and t[spec.fixed_own] != spec.fixed_sizes:
        return None
    return (*shapes, t)


# --- compiling ---------------------------------------------------------------------------


def _axes(dims: tuple[Dim, ...], start: int, stop: int) -> slice:
    """The slice of a shape that holds dims[start:stop] of a spec (one variadic at most)."""
    n = len(dims)
    vi = next((i for i, d in enumerate(dims) if isinstance(d, VariadicDim)), None)
    if vi is None:
        return slice(start, stop)
    # Axes before the variadic count from the front, axes after it from the end.
    lo = start if start <= vi else start - n
    hi = stop if stop <= vi else (stop - n if stop < n else None)
    return slice(lo, hi)


def _comparable(dim: Dim) -> bool:
    """Dims whose equality between two specs means equal sizes."""
    if isinstance(dim, (FixedDim, NamedDim)):
        return not dim.broadcast
    return isinstance(dim, VariadicDim) and dim.name is not None and not dim.broadcast


def _names(dims: tuple[Dim, ...]) -> list[str]:
    return [d.name for d in dims if isinstance(d, (NamedDim, VariadicDim)) and d.name is not None]


def _find_run(kept: list[tuple[Dim, ...]], run: tuple[Dim, ...]) -> tuple[int, slice] | None:
    """An earlier kept spec containing `run` as consecutive dims: (its index, axes)."""
    if not run or not all(_comparable(d) for d in run):
        return None
    for k, dims in enumerate(kept):
        for start in range(len(dims) - len(run) + 1):
            if dims[start : start + len(run)] == run:
                return k, _axes(dims, start, start + len(run))
    return None


class _Compiler:
    def __init__(self) -> None:
        self.kept: list[tuple[Dim, ...]] = []  # specs of the arrays whose shapes are kept
        self.bound: set[str] = set()

    def add(self, index: int, contract: ArrayContract) -> FastArray | None:
        if contract.array_type is None:
            return None
        dims = contract.spec.dims
        base = FastArray(
            index, contract.array_type, contract.dtype_ok, contract.exact_rank, contract.min_rank
        )
        names = _names(dims)
        if len(set(names)) != len(names):
            return None  # "n n": a name twice in one array
        found = _find_run(self.kept, dims)
        if found is not None:
            return replace(base, expect_from=found[0], expect_run=found[1])
        # The longest leading run shared with an earlier array; after it, only new names,
        # `_` and fixed sizes (in one consecutive block).
        shared_len, shared = 0, None
        for length in range(len(dims), 0, -1):
            shared = _find_run(self.kept, dims[:length])
            if shared is not None:
                shared_len = length
                break
        rest = dims[shared_len:]
        if any(n in self.bound for n in _names(rest)):
            return None  # a known name outside the shared run: needs the general path
        fixed_at = [i for i, d in enumerate(dims) if isinstance(d, FixedDim) and i >= shared_len]
        for i, d in enumerate(dims):
            if i < shared_len:
                continue
            if isinstance(d, (FixedDim, NamedDim, VariadicDim)) and getattr(d, "broadcast", False):
                return None
            if not isinstance(d, (FixedDim, NamedDim, VariadicDim, AnyDim)):
                return None  # an expression
        if fixed_at and fixed_at != list(range(fixed_at[0], fixed_at[-1] + 1)):
            return None  # fixed sizes in two separate blocks
        self.kept.append(dims)
        self.bound.update(names)
        extra: dict[str, Any] = {}
        if shared is not None:
            extra.update(
                shared_from=shared[0], shared_own=_axes(dims, 0, shared_len), shared_run=shared[1]
            )
        if fixed_at:
            extra.update(
                fixed_own=_axes(dims, fixed_at[0], fixed_at[-1] + 1),
                fixed_sizes=tuple(
                    d.size for d in dims[fixed_at[0] : fixed_at[-1] + 1] if isinstance(d, FixedDim)
                ),
            )
        return replace(base, **extra)


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
