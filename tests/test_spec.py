"""The contract language parser: its tree, its errors, and properties over arbitrary text."""

import contextlib

import pytest
from hypothesis import given, settings, strategies as st

from shapeguard import SpecError, parse_shape
from shapeguard._spec import (
    AnyDim,
    BinOp,
    Const,
    ExprDim,
    FixedDim,
    NamedDim,
    Ref,
    ShapeSpec,
    VariadicDim,
    evaluate,
)


def test_the_grammar_table() -> None:
    spec = parse_shape("23 h _ *batch #w rgb=3 _doc (h+1)//2")
    assert spec.dims == (
        FixedDim(23),
        NamedDim("h"),
        AnyDim(),
        VariadicDim("batch"),
        NamedDim("w", broadcast=True),
        FixedDim(3, label="rgb"),
        AnyDim("doc"),
        ExprDim(BinOp("//", BinOp("+", Ref("h"), Const(1)), Const(2))),
    )
    assert parse_shape("").dims == ()
    assert parse_shape("   ").dims == ()
    assert parse_shape("... c").dims == (VariadicDim(None), NamedDim("c"))
    assert parse_shape("*_ c").dims == (VariadicDim(None), NamedDim("c"))
    assert parse_shape("*_rest c").dims == (VariadicDim(None, label="rest"), NamedDim("c"))
    assert parse_shape("*#b").dims == (VariadicDim("b", broadcast=True),)
    assert parse_shape("#*b") == parse_shape("*#b")


def test_expressions_follow_precedence_and_left_associativity() -> None:
    (dim,) = parse_shape("a-b-c").dims
    assert isinstance(dim, ExprDim)
    assert evaluate(dim.expr, {"a": 10, "b": 3, "c": 2}) == 5
    (dim,) = parse_shape("a+b*c").dims
    assert isinstance(dim, ExprDim)
    assert evaluate(dim.expr, {"a": 1, "b": 2, "c": 3}) == 7
    (dim,) = parse_shape("h//2").dims
    assert isinstance(dim, ExprDim)
    assert evaluate(dim.expr, {"h": 23}) == 11
    assert evaluate(dim.expr, {}) is None


@pytest.mark.parametrize(
    ("text", "problem", "hint"),
    [
        ("h,w", "not commas", "write 'h w'"),
        ("b, h, w", "not commas", "write 'b h w'"),
        ("23x23x1", "is one token", "'23 23 1'"),
        ("*a *b", "two variadic dims", "at most one variadic"),
        ("... ...", "two variadic dims", ""),
        ("(h+1", "'(' without ')'", ""),
        ("h+1)", "')' without '('", ""),
        ("h/2", "unknown operator", "use //"),
        ("h%2", "unknown operator", "+ - * //"),
        ("h**2", "unknown operator", "powers"),
        ("-1", "negative", ""),
        ("*", "without a name", "'*batch'"),
        ("#_", "cannot be broadcastable", ""),
        ("*b b", "both as a variadic", ""),
        ("[b, h]", "without brackets", "write 'b h'"),
        ("?x", "not supported", ""),
        ("*23", "cannot be variadic", ""),
        ("*h+1", "cannot be an expression", ""),
        ("h...", "'...' must stand alone", ""),
        ("rgb=x", "cannot read", "rgb=3"),
        ("2h", "unexpected 'h'", "operator is missing"),
    ],
)
def test_malformed_strings_name_the_problem_and_the_fix(text: str, problem: str, hint: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_shape(text)
    message = str(info.value)
    assert problem in message
    assert hint in message
    assert message.splitlines()[1].strip() == repr(text)
    assert message.splitlines()[2].strip() == "^"


def test_caret_points_at_the_offending_character() -> None:
    with pytest.raises(SpecError) as info:
        parse_shape("b h w/2")
    quoted, caret = str(info.value).splitlines()[1:3]
    assert quoted[caret.index("^")] == "/"


def test_spec_error_is_a_value_error_and_keeps_its_parts() -> None:
    with pytest.raises(ValueError) as info:  # noqa: PT011 - the subclass relation is the point
        parse_shape("a,b")
    error = info.value
    assert isinstance(error, SpecError)
    assert (error.spec, error.position) == ("a,b", 1)


def test_non_string_input_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="must be a string"):
        parse_shape(23)  # type: ignore[arg-type]


# --- properties -------------------------------------------------------------------------


@settings(max_examples=1500)
@given(st.text(alphabet=st.sampled_from(list("abhnw_*#.?=()+-/%,x0123 ")), max_size=14))
def test_arbitrary_text_raises_nothing_but_spec_error(text: str) -> None:
    try:
        spec = parse_shape(text)
    except SpecError:
        return
    assert parse_shape(str(spec)) == spec


@settings(max_examples=300)
@given(st.text(max_size=20))
def test_arbitrary_unicode_raises_nothing_but_spec_error(text: str) -> None:
    with contextlib.suppress(SpecError):
        parse_shape(text)


names = st.sampled_from(["b", "h", "w", "n", "c1"])  # never a variadic's name: see specs()
exprs = st.recursive(
    st.one_of(st.integers(0, 64).map(Const), names.map(Ref)),
    lambda inner: st.builds(BinOp, st.sampled_from(["+", "-", "*", "//"]), inner, inner),
    max_leaves=6,
)
single_dims = st.one_of(
    st.builds(FixedDim, st.integers(0, 512), st.booleans()),
    st.builds(FixedDim, st.integers(0, 64), st.just(False), st.sampled_from(["rgb", "k"])),
    st.builds(NamedDim, names, st.booleans()),
    st.builds(AnyDim, st.sampled_from([None, "doc"])),
    st.builds(ExprDim, exprs.filter(lambda e: isinstance(e, BinOp)), st.booleans()),
)
variadic_dims = st.one_of(
    st.builds(VariadicDim, st.sampled_from(["batch", "rest"]), st.booleans()),
    st.just(VariadicDim(None)),
)


@st.composite
def specs(draw: st.DrawFn) -> ShapeSpec:
    dims = draw(st.lists(single_dims, max_size=5))
    if draw(st.booleans()):
        dims.insert(draw(st.integers(0, len(dims))), draw(variadic_dims))
    return ShapeSpec(tuple(dims))


@settings(max_examples=1000)
@given(specs())
def test_printing_a_spec_and_parsing_it_again_gives_the_same_tree(spec: ShapeSpec) -> None:
    assert parse_shape(str(spec)) == spec


def test_errors_pickle_for_worker_processes() -> None:
    import pickle

    from shapeguard import ShapeError

    with pytest.raises(SpecError) as info:
        parse_shape("a,b")
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value)
    assert (copy.spec, copy.position, copy.problem) == ("a,b", 1, info.value.problem)
    assert str(pickle.loads(pickle.dumps(ShapeError("message")))) == "message"
    assert ShapeError.__module__ == "shapeguard"
