"""Unify a callee's contract with the shapes of the arguments at one call.

Callee dims are variables of the call; caller dims are facts (or symbols of the caller's
scope). `Unifier.match` binds callee names argument by argument and returns the first
definite conflict per argument; `Unifier.finish` checks the dim expressions once every name
that can be bound is bound; `Unifier.substitute` writes the bindings into the return spec so
that shapes flow on. Unknown is never a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shapeguard._spec import (
    AnyDim,
    BinOp,
    Const,
    Dim,
    Expr,
    ExprDim,
    FixedDim,
    NamedDim,
    Ref,
    ShapeSpec,
    VariadicDim,
)

from ._dims import UNKNOWN, UNKNOWN_RUN, dim_of_expr, expr_of_dim, fold, make, plain, same, split

#: The `arg` name for matching one whole value against a declaration (a return, an
#: annotated assignment) rather than an argument of a call.
VALUE = "the value"


@dataclass(frozen=True)
class Conflict:
    """A definite conflict for one argument: `detail` completes the message."""

    arg: str
    actual: ShapeSpec
    expected: ShapeSpec
    detail: str


@dataclass
class _Bound:
    dim: Dim
    source: str


@dataclass
class _BoundRun:
    dims: tuple[Dim, ...]
    source: str


@dataclass
class Unifier:
    symbols: bool = True  # two different caller names conflict (user contracts: yes)
    dims: dict[str, _Bound] = field(default_factory=dict)
    runs: dict[str, _BoundRun] = field(default_factory=dict)
    _deferred: list[tuple[str, ShapeSpec, ShapeSpec, ExprDim, Dim, int]] = field(
        default_factory=list
    )

    def clone(self) -> Unifier:
        return Unifier(self.symbols, dict(self.dims), dict(self.runs), list(self._deferred))

    # -- binding ------------------------------------------------------------------------

    def bind_int(self, name: str, size: int, source: str) -> None:
        """Preset a binding (e.g. from an int argument of a library stub)."""
        self.dims.setdefault(name, _Bound(FixedDim(size), source))

    def match(
        self, pattern: ShapeSpec, actual: ShapeSpec, arg: str, *, numpy: bool = False
    ) -> Conflict | None:
        """Bind `pattern`'s names against `actual`; the first definite conflict, if any.

        When adding or dropping one unit dim would make `actual` match, the conflict says
        so, in the runtime's words (`labels.unsqueeze(-1) would match`); `numpy` picks the
        array library's spelling.
        """
        before = self.clone() if split(actual)[1] is None else None
        found = self._match(pattern, actual, arg)
        if found is None or before is None:
            return found
        hint = before._unit_dim_hint(pattern, actual, arg, numpy)
        if hint is None:
            return found
        # The rank is the cause: a dim-by-dim complaint about misaligned axes misleads.
        cause = f"rank {len(actual.dims)}" if found.detail.startswith("dim ") else found.detail
        return Conflict(arg, actual, pattern, f"{cause}; {hint}")

    def _unit_dim_hint(
        self, pattern: ShapeSpec, actual: ShapeSpec, arg: str, numpy: bool
    ) -> str | None:
        """The one-line fix when squeezing or unsqueezing one axis of `actual` matches."""
        dims = list(actual.dims)
        n = len(dims)
        name = arg if arg.isidentifier() and arg != "self" else ""
        tries: list[tuple[list[Dim], str]] = []
        for d, dim in enumerate(dims):
            if isinstance(dim, FixedDim) and not dim.broadcast and dim.size == 1:
                fix = f"{name}.squeeze({d})" if name else f"squeeze({d})"
                tries.append((dims[:d] + dims[d + 1 :], f"dim {d} is an extra 1: {fix}"))
        for d in range(n + 1):
            axis = -1 if d == n else d
            if numpy:
                fix = f"np.expand_dims({name or 'x'}, {axis})"
            else:
                fix = f"{name}.unsqueeze({axis})" if name else f"unsqueeze({axis})"
            last = pattern.dims[-1] if pattern.dims else None
            if axis == -1 and isinstance(last, FixedDim) and last.size == 1:
                why = f"the trailing 1 of {_quote(pattern)} is missing: {fix}"
            elif axis == -1:
                why = f"a trailing unit dim is missing: {fix}"
            else:
                why = f"a unit dim is missing at dim {axis}: {fix}"
            tries.append(([*dims[:d], FixedDim(1), *dims[d:]], why))
        for candidate, why in tries:
            trial = self.clone()
            if trial._match(pattern, make(candidate), arg) is None and not any(
                c.arg == arg for c in trial.finish()
            ):
                return f"{why} would match"
        return None

    def _match(self, pattern: ShapeSpec, actual: ShapeSpec, arg: str) -> Conflict | None:
        pb, pv, pa = split(pattern)
        ab, av, aa = split(actual)
        pairs: list[tuple[Dim, Dim, int]] = []  # (pattern dim, actual dim, actual index)
        runs: list[tuple[VariadicDim, tuple[Dim, ...]]] = []

        def conflict(detail: str) -> Conflict:
            return Conflict(arg, actual, pattern, detail)

        if av is None:
            n = len(ab)
            if pv is None:
                if n != len(pb):
                    return conflict(f"rank {n}, expected rank {len(pb)}")
                pairs = [(p, a, i) for i, (p, a) in enumerate(zip(pb, ab, strict=False))]
            else:
                need = len(pb) + len(pa)
                if n < need:
                    return conflict(f"rank {n}, expected rank {need} or more")
                pairs = [(p, a, i) for i, (p, a) in enumerate(zip(pb, ab, strict=False))]
                start = n - len(pa)
                pairs += [(p, ab[start + j], start + j) for j, p in enumerate(pa)]
                runs.append((pv, tuple(ab[len(pb) : start])))
        else:
            least = len(ab) + len(aa)
            if pv is None:
                if least > len(pb):
                    return conflict(f"rank {least} or more, expected rank {len(pb)}")
                pairs = [(p, a, i) for i, (p, a) in enumerate(zip(pb, ab, strict=False))]
                off = len(pb) - len(aa)
                pairs += [(pb[off + j], a, -len(aa) + j) for j, a in enumerate(aa)]
            else:
                k = min(len(pb), len(ab))
                pairs = [(pb[i], ab[i], i) for i in range(k)]
                m = min(len(pa), len(aa))
                pairs += [(pa[len(pa) - m + j], aa[len(aa) - m + j], -m + j) for j in range(m)]
                if len(pb) <= len(ab) and len(pa) <= len(aa):
                    runs.append((pv, (*ab[len(pb) :], av, *aa[: len(aa) - len(pa)])))
        for p, a, index in pairs:
            found = self._match_dim(pattern, actual, p, a, index, arg)
            if found is not None:
                return conflict(found)
        for var, run in runs:
            found = self._match_run(var, run, arg)
            if found is not None:
                return conflict(found)
        return None

    def _match_dim(
        self, pattern: ShapeSpec, actual: ShapeSpec, p: Dim, a: Dim, index: int, arg: str
    ) -> str | None:
        a = plain(a)
        if isinstance(a, (AnyDim, VariadicDim)):
            return None
        where = f"dim {index}"
        if isinstance(p, AnyDim):
            return None
        if isinstance(p, FixedDim):
            if p.broadcast and isinstance(a, FixedDim) and a.size == 1:
                return None
            if same(a, FixedDim(p.size), symbols=False) is False:
                return f"{where} is {a}, expected {p.size}"
            return None
        if isinstance(p, NamedDim):
            if p.broadcast:
                if isinstance(a, FixedDim) and a.size != 1:
                    return self._bind(p.name, a, where, arg, broadcast=True)
                return None
            return self._bind(p.name, a, where, arg, broadcast=False)
        if isinstance(p, ExprDim):
            self._deferred.append((arg, pattern, actual, p, a, index))
        return None

    def _bind(self, name: str, a: Dim, where: str, arg: str, *, broadcast: bool) -> str | None:
        old = self.dims.get(name)
        if old is None:
            self.dims[name] = _Bound(a, arg)
            return None
        verdict = same(old.dim, a, symbols=self.symbols)
        if verdict is False:
            if broadcast and isinstance(old.dim, FixedDim) and old.dim.size == 1:
                return None
            if old.source == "the declaration":
                return f"{where} is {a}, expected {old.dim}"
            if old.source != arg:
                source = f'from "{old.source}"'
            else:
                source = "earlier in this value" if arg == VALUE else "earlier in this argument"
            return f"{where} is {a}, but {name}={old.dim} {source}"
        if verdict is None and isinstance(old.dim, (NamedDim, ExprDim)) and isinstance(
            a, FixedDim
        ):
            # A known size is more useful downstream than a symbol.
            self.dims[name] = _Bound(a, arg)
        return None

    def _match_run(self, pv: VariadicDim, run: tuple[Dim, ...], arg: str) -> str | None:
        dims = run
        if pv.name is None or pv.broadcast:
            return None
        old = self.runs.get(pv.name)
        if old is None:
            self.runs[pv.name] = _BoundRun(dims, arg)
            return None
        detail = _compare_runs(old.dims, dims, self.symbols)
        if detail is None:
            return None
        return (
            f"*{pv.name} is {_show_run(dims)} here, but {_show_run(old.dims)} "
            f'from "{old.source}" ({detail})'
        )

    # -- expressions --------------------------------------------------------------------

    def finish(self) -> list[Conflict]:
        """Check the deferred dim expressions against their arguments."""
        out: list[Conflict] = []
        seen: set[str] = set()
        for arg, pattern, actual, p, a, index in self._deferred:
            expr = self.substitute_expr(p.expr)
            if expr is None or arg in seen:
                continue
            value = dim_of_expr(expr)
            if p.broadcast and isinstance(a, FixedDim) and a.size == 1:
                continue
            if same(value, a, symbols=False) is False:
                seen.add(arg)
                detail = f"dim {index} is {a}, expected {p.expr}={value}"
                out.append(Conflict(arg, actual, pattern, detail))
        return out

    def substitute_expr(self, expr: Expr) -> Expr | None:
        if isinstance(expr, Const):
            return expr
        if isinstance(expr, Ref):
            bound = self.dims.get(expr.name)
            if bound is None:
                return None
            return expr_of_dim(bound.dim)
        left = self.substitute_expr(expr.left)
        right = self.substitute_expr(expr.right)
        if left is None or right is None:
            return None
        return fold(BinOp(expr.op, left, right))

    # -- results ------------------------------------------------------------------------

    def substitute(self, spec: ShapeSpec) -> ShapeSpec:
        """The return spec with bindings written in; unbound names become unknown."""
        out: list[Dim] = []
        for dim in spec.dims:
            if isinstance(dim, FixedDim):
                out.append(FixedDim(dim.size, label=dim.label))
            elif isinstance(dim, NamedDim):
                bound = self.dims.get(dim.name)
                out.append(bound.dim if bound is not None else UNKNOWN)
            elif isinstance(dim, ExprDim):
                expr = self.substitute_expr(dim.expr)
                out.append(dim_of_expr(expr) if expr is not None else UNKNOWN)
            elif isinstance(dim, VariadicDim):
                run = self.runs.get(dim.name) if dim.name is not None else None
                if run is None:
                    out.append(UNKNOWN_RUN)
                else:
                    out.extend(run.dims)
            else:
                out.append(UNKNOWN)
        return make(out)

    def binding_note(self) -> str:
        parts = [f"{name}={b.dim}" for name, b in self.dims.items()]
        parts += [f"*{name}=({_show_run(b.dims)})" for name, b in self.runs.items()]
        return ", ".join(parts)


def _quote(spec: ShapeSpec) -> str:
    return f'"{spec}"'


def _show_run(dims: Sequence[Dim]) -> str:
    return f'"{" ".join(str(d) for d in dims)}"' if dims else "empty"


def _compare_runs(a: tuple[Dim, ...], b: tuple[Dim, ...], symbols: bool) -> str | None:
    """Why two bindings of one variadic definitely differ, or None."""
    a_var = any(isinstance(d, VariadicDim) for d in a)
    b_var = any(isinstance(d, VariadicDim) for d in b)
    if not a_var and not b_var:
        if len(a) != len(b):
            return f"{len(b)} dims vs {len(a)}"
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if same(plain(x), plain(y), symbols=symbols) is False:
                return f"{y} vs {x} at position {i}"
        return None
    if a_var and b_var:
        sa, sb = make(list(a)), make(list(b))
        ab, av, aa = split(sa)
        bb, bv, ba = split(sb)
        aligned = len(ab) == len(bb) and len(aa) == len(ba)
        if av == bv and av is not None and av.name is not None and aligned:
            for x, y in zip(ab + aa, bb + ba, strict=False):
                if same(plain(x), plain(y), symbols=symbols) is False:
                    return f"{y} vs {x}"
        return None
    fixed, run = (a, b) if not a_var else (b, a)
    least = sum(1 for d in run if not isinstance(d, VariadicDim))
    if least > len(fixed):
        return f"at least {least} dims vs {len(fixed)}"
    return None


__all__ = ["VALUE", "Conflict", "Unifier"]
