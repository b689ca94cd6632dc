"""The runtime guard: what passes, what fails, and what the failure says.

No `from __future__ import annotations` here: most users write evaluated annotations, and
local classes in these tests must be visible to them. tests/test_runtime_pep563.py covers
string annotations.
"""

import dataclasses

import numpy as np
import pytest
import torch
from torch import Tensor

import shapeguard
from shapeguard import Bool, Float, Int, Shaped, ShapeError, SpecError, UInt8, assert_shape, check


def zeros(*shape: int, dtype: torch.dtype = torch.float32) -> Tensor:
    return torch.zeros(*shape, dtype=dtype)


@check
def seg_loss(
    logits: Float[Tensor, "*batch h w n"], labels: Int[Tensor, "*batch h w"]
) -> Float[Tensor, ""]:
    return logits.sum()


@check
def binary_loss(
    logits: Float[Tensor, "b 23 23 1"], labels: Float[Tensor, "b 23 23 1"]
) -> Float[Tensor, ""]:
    return (logits - labels).abs().mean()


# --- what passes ----------------------------------------------------------------------


def test_matching_arguments_pass_and_return_the_functions_result() -> None:
    out = binary_loss(torch.ones(4, 23, 23, 1), zeros(4, 23, 23, 1))
    assert out.item() == pytest.approx(1.0)


@pytest.mark.parametrize("batch", [(), (1,), (3,), (2, 5)])
def test_variadic_batch_binds_any_number_of_dims(batch: tuple[int, ...]) -> None:
    seg_loss(zeros(*batch, 23, 23, 4), zeros(*batch, 23, 23, dtype=torch.long))


def test_each_call_binds_its_own_sizes() -> None:
    for size in (3, 7, 23):
        binary_loss(zeros(size, 23, 23, 1), zeros(size, 23, 23, 1))
        seg_loss(zeros(2, size, size, 5), zeros(2, size, size, dtype=torch.int32))


def test_numpy_arrays_are_checked_like_tensors() -> None:
    @check
    def add(x: Float[np.ndarray, "n 3"], y: Float[np.ndarray, "n 3"]) -> Float[np.ndarray, "n 3"]:
        return x + y

    add(np.zeros((5, 3)), np.ones((5, 3), dtype=np.float32))
    with pytest.raises(ShapeError, match="axis 0"):
        add(np.zeros((5, 3)), np.zeros((4, 3)))
    with pytest.raises(ShapeError, match="dtype int64"):
        add(np.zeros((5, 3)), np.zeros((5, 3), dtype=np.int64))


@pytest.mark.parametrize(
    ("annotation", "dtype", "ok"),
    [
        (Float, torch.float16, True),
        (Float, torch.bfloat16, True),
        (Float, torch.int64, False),
        (Int, torch.int8, True),
        (Int, torch.uint8, False),
        (UInt8, torch.uint8, True),
        (Bool, torch.bool, True),
        (Bool, torch.float32, False),
        (Shaped, torch.complex64, True),
    ],
)
def test_dtype_families(annotation: object, dtype: torch.dtype, ok: bool) -> None:
    @check
    def f(x: annotation[Tensor, "n"]) -> None:  # type: ignore[valid-type]
        pass

    if ok:
        f(torch.zeros(3, dtype=dtype))
    else:
        with pytest.raises(ShapeError, match="dtype"):
            f(torch.zeros(3, dtype=dtype))


# --- what fails, and what the message says -----------------------------------------


def test_22_vs_23_labels_name_function_argument_axis_binding_and_fix() -> None:
    with pytest.raises(ShapeError) as info:
        seg_loss(zeros(2, 23, 23, 5), zeros(2, 22, 22, dtype=torch.long))
    message = str(info.value)
    assert message.startswith("seg_loss() at tests/test_runtime.py:")
    assert "argument 'labels'" in message
    assert 'expected: Int[Tensor, "*batch h w"]' in message
    assert "got:      i64[2,22,22]" in message
    assert "axis 1 (h) has size 22, but h=23" in message
    assert "h=23 (from logits axis 1)" in message
    assert "*batch=(2,) (from logits axis 0)" in message
    assert "off by 1" in message
    assert "align_labels" in message


def test_missing_channel_dim_suggests_unsqueeze() -> None:
    with pytest.raises(ShapeError) as info:
        binary_loss(zeros(4, 23, 23, 1), zeros(4, 23, 23))
    assert "rank 3, but 'b 23 23 1' has 4 dims" in str(info.value)
    assert "labels.unsqueeze(-1) would match" in str(info.value)


def test_channels_first_logits_suggest_permute() -> None:
    with pytest.raises(ShapeError) as info:
        binary_loss(zeros(4, 1, 23, 23), zeros(4, 23, 23, 1))
    assert "argument 'logits'" in str(info.value)
    assert "logits.permute(0, 2, 3, 1)" in str(info.value)


def test_squeezed_batch_of_one_suggests_unsqueeze_0() -> None:
    with pytest.raises(ShapeError) as info:
        seg_loss(zeros(1, 23, 23, 5), zeros(23, 23, dtype=torch.long))
    assert "labels.unsqueeze(0) would match" in str(info.value)


def test_float_labels_for_class_indices_suggest_long() -> None:
    with pytest.raises(ShapeError) as info:
        seg_loss(zeros(2, 23, 23, 5), zeros(2, 23, 23))
    message = str(info.value)
    assert "dtype float32 is not in Int" in message
    assert "labels.long()" in message


def test_return_value_is_checked_against_the_calls_bindings() -> None:
    @check
    def broken(x: Float[Tensor, "b n"]) -> Float[Tensor, "b"]:
        return x.sum(0)  # the wrong axis: sums over b, leaves n

    broken(zeros(3, 3))  # square input: the bug hides
    with pytest.raises(ShapeError) as info:
        broken(zeros(2, 5))
    assert "the return value" in str(info.value)
    assert "axis 0 (b) has size 5, but b=2" in str(info.value)


def test_not_an_array_is_reported_as_such() -> None:
    with pytest.raises(ShapeError, match=r"expected a torch\.Tensor, got a list"):
        binary_loss([1, 2], zeros(1, 23, 23, 1))  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match=r"torch.as_tensor\(logits\)"):
        binary_loss(np.zeros((1, 23, 23, 1), np.float32), zeros(1, 23, 23, 1))  # type: ignore[arg-type]


def test_shape_error_is_a_type_error() -> None:
    assert issubclass(ShapeError, TypeError)
    assert issubclass(SpecError, ValueError)


# --- the contract language at run time ------------------------------------------------


def test_expressions_evaluate_over_bound_dims_in_any_order() -> None:
    @check
    def pad(x: Float[Tensor, "n+2 n"], y: Float[Tensor, "2*n (n+1)//2"]) -> None:
        pass

    pad(zeros(5, 3), zeros(6, 2))
    with pytest.raises(ShapeError, match=r"axis 0 \(n\+2\) has size 4, but n\+2=5 with n=3"):
        pad(zeros(4, 3), zeros(6, 2))
    with pytest.raises(ShapeError, match=r"\(n\+1\)//2"):
        pad(zeros(5, 3), zeros(6, 3))


def test_broadcast_dims_accept_one() -> None:
    @check
    def scale(x: Float[Tensor, "b c"], w: Float[Tensor, "#b c"]) -> None:
        pass

    scale(zeros(4, 3), zeros(1, 3))
    scale(zeros(4, 3), zeros(4, 3))
    with pytest.raises(ShapeError):
        scale(zeros(4, 3), zeros(2, 3))


def test_broadcast_variadic_merges_shapes() -> None:
    @check
    def f(
        x: Float[Tensor, "*#batch c"], y: Float[Tensor, "*#batch c"]
    ) -> Float[Tensor, "*#batch c"]:
        return x + y

    f(zeros(4, 1, 3), zeros(1, 5, 3))
    with pytest.raises(ShapeError, match="do not broadcast"):
        f(zeros(4, 2, 3), zeros(3, 3))


def test_underscore_and_anonymous_variadic_match_anything() -> None:
    @check
    def f(x: Float[Tensor, "_ ... c"], y: Float[Tensor, "c"]) -> None:
        pass

    f(zeros(9, 3), zeros(3))
    f(zeros(9, 1, 2, 3), zeros(3))
    with pytest.raises(ShapeError):
        f(zeros(9, 1, 2, 3), zeros(4))


def test_scalar_spec() -> None:
    @check
    def mean(x: Float[Tensor, "..."]) -> Float[Tensor, ""]:
        return x.mean()

    mean(zeros(2, 3))

    @check
    def not_reduced(x: Float[Tensor, "n"]) -> Float[Tensor, ""]:
        return x

    with pytest.raises(ShapeError, match="rank 1, but '' has 0 dims"):
        not_reduced(zeros(3))


def test_named_fixed_size_documents_the_size() -> None:
    @check
    def to_gray(x: Float[Tensor, "h w rgb=3"]) -> Float[Tensor, "h w"]:
        return x.mean(-1)

    to_gray(zeros(4, 4, 3))
    with pytest.raises(ShapeError, match="expected 3"):
        to_gray(zeros(4, 4, 4))


# --- malformed specs: SpecError at decoration ----------------------------------------


@pytest.mark.parametrize(
    ("spec", "hint"),
    [
        ("h,w", "not commas"),
        ("23x23x1", "'23 23 1'"),
        ("*a *b", "two variadic"),
        ("(h+1", "unbalanced"),
        ("h/2", "use //"),
        ("h**2", "powers"),
    ],
)
def test_malformed_spec_raises_spec_error_at_decoration(spec: str, hint: str) -> None:
    def f(x: object) -> None:
        pass

    # jaxtyping itself rejects some strings when the annotation is built; the same string
    # handed over as text (from __future__ annotations) reaches shapeguard's parser.
    f.__annotations__ = {"x": f'Float[Tensor, "{spec}"]'}
    f.__globals__["Float"] = Float
    f.__globals__["Tensor"] = Tensor
    with pytest.raises((SpecError, ValueError)) as info:
        check(f)
    if isinstance(info.value, SpecError):
        assert hint in str(info.value)


def test_spec_error_points_at_the_token() -> None:
    with pytest.raises(SpecError) as info:
        shapeguard.parse_shape("b h 2h")
    lines = str(info.value).splitlines()
    assert lines[1].index("2h") + 1 == lines[2].index("^")


def test_expression_over_a_name_nothing_binds_is_a_spec_error() -> None:
    def f(x: Float[Tensor, "n+1"]) -> None:
        pass

    with pytest.raises(SpecError, match="no argument binds"):
        check(f)


def test_same_name_variadic_and_single_across_arguments_is_a_spec_error() -> None:
    def f(x: Float[Tensor, "*b"], y: Float[Tensor, "b"]) -> None:
        pass

    with pytest.raises(SpecError, match="variadic dim"):
        check(f)


# --- calling conventions --------------------------------------------------------------


def test_keyword_arguments_and_defaults() -> None:
    @check
    def f(
        x: Float[Tensor, "n"], y: Float[Tensor, "n"] | None = None, *, scale: float = 1.0
    ) -> None:
        pass

    f(zeros(3))
    f(zeros(3), y=zeros(3))
    f(y=zeros(3), x=zeros(3), scale=2.0)
    with pytest.raises(ShapeError, match="argument 'y'"):
        f(x=zeros(3), y=zeros(4))
    with pytest.raises(ShapeError, match="argument 'scale'"):
        f(zeros(3), scale="big")  # type: ignore[arg-type]


def test_a_call_that_does_not_bind_raises_pythons_own_type_error() -> None:
    with pytest.raises(TypeError, match="argument") as info:
        binary_loss(zeros(1, 23, 23, 1))  # type: ignore[call-arg]
    assert not isinstance(info.value, ShapeError)


def test_star_args_and_kwargs_check_each_item() -> None:
    @check
    def stack(*xs: Float[Tensor, "n"], **named: Float[Tensor, "n"]) -> None:
        pass

    stack(zeros(3), zeros(3), a=zeros(3))
    with pytest.raises(ShapeError, match=r"argument xs\[1\]"):
        stack(zeros(3), zeros(4))
    with pytest.raises(ShapeError, match=r"argument named\['b'\]"):
        stack(zeros(3), b=zeros(4))


def test_union_of_array_types_and_none() -> None:
    @check
    def f(
        x: Float[Tensor, "n"] | Float[np.ndarray, "n"], y: Float[Tensor, "n"] | None
    ) -> None:
        pass

    f(zeros(3), None)
    f(np.zeros(3), zeros(3))
    with pytest.raises(ShapeError, match="no member of the union matches"):
        f(np.zeros(3), zeros(4))


def test_tuple_return_shares_bindings() -> None:
    @check
    def split(x: Float[Tensor, "b 2*n"]) -> tuple[Float[Tensor, "b n"], Float[Tensor, "b n"]]:
        return x[:, ::2], x[:, 1::2]

    split(zeros(2, 6))

    @check
    def bad_split(x: Float[Tensor, "b 2*n"]) -> tuple[Float[Tensor, "b n"], Float[Tensor, "b n"]]:
        return x, x

    # n is bound only by the return value; x's "2*n" is checked after it.
    with pytest.raises(ShapeError) as info:
        bad_split(zeros(2, 6))
    assert r"2*n=12 with n=6" in str(info.value)
    assert "n=6 (from the return value axis 1)" in str(info.value)

    @check
    def first(xs: tuple[Float[Tensor, "b n"], Float[Tensor, "b n"]]) -> Float[Tensor, "b n"]:
        return xs[0]

    first((zeros(2, 3), zeros(2, 3)))
    with pytest.raises(ShapeError, match="item 1: axis 1 \\(n\\) has size 4, but n=3"):
        first((zeros(2, 3), zeros(2, 4)))


def test_methods_static_and_class_methods() -> None:
    class Model:
        @check
        def forward(self, x: Float[Tensor, "b d"]) -> Float[Tensor, "b"]:
            return x.sum(-1)

        @staticmethod
        @check
        def norm(x: Float[Tensor, "d"]) -> Float[Tensor, ""]:
            return x.norm()

        @check
        @classmethod
        def make(cls, x: Float[Tensor, "d"]) -> Float[Tensor, "d"]:
            return x

    m = Model()
    m.forward(zeros(2, 3))
    Model.norm(zeros(3))
    Model.make(zeros(3))
    with pytest.raises(ShapeError, match=r"Model\.forward"):
        m.forward(zeros(3))
    with pytest.raises(ShapeError):
        Model.make(zeros(3, 1))


def test_nn_module_forward() -> None:
    class Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = torch.nn.Linear(8, 4)

        @check
        def forward(self, x: Float[Tensor, "b h w 8"]) -> Float[Tensor, "b h w 4"]:
            return self.proj(x)

    head = Head()
    assert head(zeros(2, 5, 5, 8)).shape == (2, 5, 5, 4)
    with pytest.raises(ShapeError, match="argument 'x'"):
        head(zeros(2, 8, 5, 5))


def test_dataclass_fields_are_checked_on_init() -> None:
    @check
    @dataclasses.dataclass
    class Batch:
        images: Float[Tensor, "b h w 3"]
        masks: Int[Tensor, "b h w"]
        name: str = "train"

    Batch(zeros(2, 8, 8, 3), zeros(2, 8, 8, dtype=torch.long))
    with pytest.raises(ShapeError) as info:
        Batch(zeros(2, 8, 8, 3), zeros(2, 7, 8, dtype=torch.long))
    assert "field 'masks'" in str(info.value)
    assert "h=8 (from field 'images' axis 1)" in str(info.value)
    with pytest.raises(ShapeError, match="field 'name'"):
        Batch(zeros(2, 8, 8, 3), zeros(2, 8, 8, dtype=torch.long), name=3)  # type: ignore[arg-type]


def test_async_functions() -> None:
    import asyncio

    @check
    async def f(x: Float[Tensor, "n"]) -> Float[Tensor, "n"]:
        await asyncio.sleep(0)
        return x

    assert asyncio.run(f(zeros(3))).shape == (3,)
    with pytest.raises(ShapeError):
        asyncio.run(f(zeros(3, 1)))


# --- assert_shape and scopes ------------------------------------------------------------


def test_assert_shape_shares_the_calls_bindings() -> None:
    @check
    def f(x: Float[Tensor, "b h"]) -> Float[Tensor, "b"]:
        hidden = x.sum(-1, keepdim=True)
        assert_shape(hidden, Float[Tensor, "b 1"])
        wrong = x.t()
        assert_shape(wrong, Float[Tensor, "b h"])
        return hidden[:, 0]

    with pytest.raises(ShapeError) as info:
        f(zeros(2, 3))
    assert "assert_shape failed in f" in str(info.value)
    assert "b=2" in str(info.value)


def test_assert_shape_binds_new_names_for_the_return() -> None:
    @check
    def f(x: Float[Tensor, "b d"]) -> Float[Tensor, "b k"]:
        out = x[:, :2]
        shapeguard.assert_shape(out, Float[Tensor, "b k"])
        return x  # k was bound to 2 above: returning d=5 columns is a violation

    with pytest.raises(ShapeError, match="the return value"):
        f(zeros(3, 5))


def test_assert_shape_outside_a_checked_call_checks_on_its_own() -> None:
    assert_shape(zeros(2, 2), Float[Tensor, "n n"])
    with pytest.raises(ShapeError):
        assert_shape(zeros(2, 3), Float[Tensor, "n n"])


def test_nested_checked_calls_have_their_own_scope() -> None:
    @check
    def inner(x: Float[Tensor, "n"]) -> Float[Tensor, "n"]:
        return x

    @check
    def outer(x: Float[Tensor, "n"]) -> Float[Tensor, "n"]:
        inner(zeros(7))  # n=7 inside, n=3 outside: no conflict
        return x

    outer(zeros(3))


def test_recursion() -> None:
    @check
    def halve(x: Float[Tensor, "n"]) -> Float[Tensor, "1"]:
        if x.shape[0] == 1:
            return x
        return halve(x[: x.shape[0] // 2])

    assert halve(zeros(64)).shape == (1,)


# --- switches -------------------------------------------------------------------------


def test_config_disables_decoration() -> None:
    def f(x: Float[Tensor, "n"]) -> None:
        pass

    previous = shapeguard.config().enabled
    try:
        shapeguard.config(enabled=False)
        assert check(f) is f
    finally:
        shapeguard.config(enabled=previous)
    assert check(f) is not f


def test_decorating_twice_is_harmless() -> None:
    assert check(binary_loss) is binary_loss


def test_numpy_fix_hints_speak_numpy() -> None:
    @check
    def f(x: Float[np.ndarray, "b h w 1"], labels: Int[np.ndarray, "b h w"]) -> None:
        pass

    with pytest.raises(ShapeError, match=r"np\.expand_dims\(x, -1\) would match"):
        f(np.zeros((2, 4, 4), np.float32), np.zeros((2, 4, 4), np.int64))
    with pytest.raises(ShapeError, match=r"labels\.astype\(np\.int64\)"):
        f(np.zeros((2, 4, 4, 1), np.float32), np.zeros((2, 4, 4), np.float32))


def test_dataclass_defined_without_source_file() -> None:
    import subprocess
    import sys

    code = (
        "import dataclasses, numpy as np\n"
        "from shapeguard import Float, ShapeError, check\n"
        "S = check(dataclasses.dataclass(type('S', (), {'__annotations__': "
        "{'x': Float[np.ndarray, 'n 2']}})))\n"
        "S(np.zeros((3, 2)))\n"
        "try:\n    S(np.zeros((3, 3)))\n"
        "except ShapeError as e:\n    print(str(e).splitlines()[0])\n"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("S() (<__main__>), field 'x'")
