"""The fast path and the general path must agree on every call.

The general path (`_runtime._check_values`) is the reference semantics; the fast path
(`_fastpath`) is an optimisation compiled per signature. Hypothesis draws signatures from
the dims the fast path handles (and some it must refuse) and shapes around them.
"""

from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st
from torch import Tensor

from shapeguard import Float, ShapeError, check
from shapeguard._runtime import _check_values, _Plan

DIMS = ["b", "h", "w", "n", "1", "2", "3", "_", "#h", "h+1"]
VARIADIC = ["*batch", "...", "*#batch"]


@st.composite
def spec_strings(draw: st.DrawFn) -> str:
    dims = draw(st.lists(st.sampled_from(DIMS), max_size=4))
    if draw(st.booleans()):
        dims.insert(draw(st.integers(0, len(dims))), draw(st.sampled_from(VARIADIC)))
    return " ".join(dims)


def make_function(specs: list[str], returns: str | None) -> Any:
    def f(*args: Any) -> Any:
        return args[0] if returns is not None else None

    params = [f"x{i}" for i in range(len(specs))]

    # A real signature with named parameters, built without exec: a function per arity.
    def f1(x0: Any) -> Any:
        return f(x0)

    def f2(x0: Any, x1: Any) -> Any:
        return f(x0, x1)

    def f3(x0: Any, x1: Any, x2: Any) -> Any:
        return f(x0, x1, x2)

    fn = {1: f1, 2: f2, 3: f3}[len(specs)]
    fn.__annotations__ = {p: Float[Tensor, s] for p, s in zip(params, specs, strict=True)}
    fn.__annotations__["return"] = Float[Tensor, returns] if returns is not None else None
    return fn


def realize(
    spec: str, sizes: dict[str, int], batch: tuple[int, ...], extra: tuple[int, ...]
) -> tuple[int, ...]:
    """A shape that matches `spec` under the bindings `sizes` and `*batch`=batch (`...`
    and `_` take sizes from `extra`), so that most drawn calls pass and the fast path
    answers on its own."""
    out: list[int] = []
    for token in spec.split():
        name = token.lstrip("#")
        if token in ("*batch", "*#batch"):
            out.extend(batch)
        elif token == "...":
            out.extend(extra[:2])
        elif token == "_":
            out.append(extra[-1] if extra else 4)
        elif name.isdigit():
            out.append(int(name))
        elif name == "h+1":
            out.append(sizes["h"] + 1)
        else:
            out.append(sizes[name])
    return tuple(out)


@st.composite
def matching_calls(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, ...]]]:
    specs = draw(st.lists(spec_strings(), min_size=1, max_size=3))
    sizes = {n: draw(st.integers(1, 5)) for n in ("b", "h", "w", "n")}
    batch = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    extra = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    call = [realize(s, sizes, batch, extra) for s in specs]
    if draw(st.booleans()):  # break one size of one argument
        k = draw(st.integers(0, len(call) - 1))
        if call[k]:
            axis = draw(st.integers(0, len(call[k]) - 1))
            broken = list(call[k])
            broken[axis] += draw(st.sampled_from([1, 2, -1]))
            call[k] = tuple(max(s, 0) for s in broken)
    return specs, call


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(matching_calls())
def test_fast_and_general_paths_agree(call: tuple[list[str], list[tuple[int, ...]]]) -> None:
    specs, arg_shapes = call
    fn = make_function(specs, None)
    try:
        plan = _Plan(fn)
    except ValueError:  # SpecError: e.g. an expression over a name nothing binds
        return
    values = tuple(torch.zeros(s) for s in arg_shapes[: len(specs)])
    try:
        _check_values(plan, values)
        general_ok = True
    except ShapeError:
        general_ok = False
    if plan.fast is None:
        return
    # The fast path answers only after the general path has seen the dtype once.
    fast_ok = plan.fast.check_args(values) is not None
    assert fast_ok == general_ok, (specs, arg_shapes)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(matching_calls(), spec_strings())
def test_decorated_calls_raise_exactly_when_the_reference_does(
    call: tuple[list[str], list[tuple[int, ...]]], returns: str
) -> None:
    specs, arg_shapes = call
    fn = make_function(specs, returns)
    try:
        checked = check(fn)
        plan = _Plan(fn)
    except ValueError:
        return
    values = tuple(torch.zeros(s) for s in arg_shapes[: len(specs)])
    try:
        b = _check_values(plan, values)
        result = fn(*values)
        from shapeguard._runtime import _check_result

        _check_result(plan, values, result, b)
        expected_ok = True
    except ShapeError:
        expected_ok = False
    for _ in range(2):  # the second call runs on a warm dtype cache: the fast path proper
        try:
            checked(*values)
            ok = True
        except ShapeError:
            ok = False
        assert ok == expected_ok, (specs, returns, arg_shapes)


@pytest.mark.parametrize(
    ("specs", "has_fast_path"),
    [
        (["b 23 23 1", "b 23 23 1"], True),
        (["*batch h w n", "*batch h w"], True),
        (["b h w c", "b h w c"], True),
        (["b n", "n b"], False),  # names shared out of order
        (["#b n", "b n"], False),  # broadcast dims
        (["n n+1"], False),  # expressions
    ],
)
def test_which_signatures_get_a_fast_path(specs: list[str], has_fast_path: bool) -> None:
    assert (_Plan(make_function(specs, None)).fast is not None) == has_fast_path
