"""The typed losses: parity with torch.nn.functional, gradients, dtypes, and their refusals.

Parity is checked against the *correct* torch call for the same data (classes moved to
dim 1 for channels-last logits). The typed losses call the same fused kernels, so float32
results agree to rounding of the summation order: rtol 1e-5, atol 1e-6. Half precision:
rtol 1e-2, atol 1e-3.
"""

import itertools

import pytest
import torch
import torch.nn.functional as F

import shapeguard
from shapeguard import losses
from shapeguard.losses import grid23

F32 = {"rtol": 1e-5, "atol": 1e-6}
HALF = {"rtol": 1e-2, "atol": 1e-3}
REDUCTIONS = ("mean", "sum", "none")


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


# --- binary ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reduction", "pos_weight", "bool_labels"),
    list(itertools.product(REDUCTIONS, (None, 3.0, "tensor0", "tensor1"), (False, True))),
)
def test_binary_parity_channels_last(reduction, pos_weight, bool_labels):
    logits = torch.randn(3, 23, 23, 1) * 4
    labels = torch.rand(3, 23, 23, 1) > 0.5
    float_labels = labels.float()
    weight = {
        None: None,
        3.0: 3.0,
        "tensor0": torch.tensor(2.5),
        "tensor1": torch.tensor([0.5]),
    }[pos_weight]
    got = losses.binary_cross_entropy(
        logits, labels if bool_labels else float_labels, pos_weight=weight, reduction=reduction
    )
    ref_weight = torch.tensor([weight]) if isinstance(weight, float) else weight
    want = F.binary_cross_entropy_with_logits(
        logits, float_labels, pos_weight=ref_weight, reduction=reduction
    )
    torch.testing.assert_close(got, want, **F32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_parity_channels_first(reduction):
    logits = torch.randn(2, 1, 23, 23) * 4
    labels = torch.rand(2, 1, 23, 23)  # soft targets are allowed
    got = losses.binary_cross_entropy_channels_first(
        logits, labels, pos_weight=2.0, reduction=reduction
    )
    want = F.binary_cross_entropy_with_logits(
        logits, labels, pos_weight=torch.tensor([2.0]), reduction=reduction
    )
    torch.testing.assert_close(got, want, **F32)


def test_binary_is_stable_for_extreme_logits():
    logits = torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0]).reshape(1, 1, 5, 1)
    labels = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0]).reshape(1, 1, 5, 1)
    loss = losses.binary_cross_entropy(logits, labels, reduction="none")
    assert torch.isfinite(loss).all()
    torch.testing.assert_close(loss[0, 0, 0, 0], torch.tensor(200.0))


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_binary_any_number_of_batch_dims(batch):
    logits = torch.randn(*batch, 5, 7, 1)
    labels = torch.rand(*batch, 5, 7, 1).round()
    loss = losses.binary_cross_entropy(logits, labels, reduction="none")
    assert loss.shape == logits.shape


# --- multi-class -------------------------------------------------------------------------------


def _reference_ce(logits_last, labels, **options):
    """The correct torch call for channels-last logits with one batch dim."""
    if labels.is_floating_point():
        labels = labels.movedim(-1, 1)
    return F.cross_entropy(logits_last.movedim(-1, 1), labels, **options)


OPTIONS = [
    {},
    {"weight": "w"},
    {"ignore_index": 2},
    {"label_smoothing": 0.1},
    {"weight": "w", "ignore_index": 0, "label_smoothing": 0.2},
]


@pytest.mark.parametrize(("reduction", "options"), list(itertools.product(REDUCTIONS, OPTIONS)))
@pytest.mark.parametrize("contiguous", [True, False])
def test_cross_entropy_parity_indices(reduction, options, contiguous):
    n = 5
    if contiguous:
        logits = torch.randn(3, 23, 23, n) * 3
    else:  # channels-last as a view of a conv's channels-first output
        logits = (torch.randn(3, n, 23, 23) * 3).permute(0, 2, 3, 1)
    labels = torch.randint(0, n, (3, 23, 23))
    opts = dict(options)
    if opts.get("weight") == "w":
        opts["weight"] = torch.rand(n) + 0.5
    got = losses.cross_entropy(logits, labels, reduction=reduction, **opts)
    want = _reference_ce(logits, labels, reduction=reduction, **opts)
    torch.testing.assert_close(got, want, **F32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.1}, {"weight": "w"}])
def test_cross_entropy_parity_probabilities(reduction, options):
    n = 4
    logits = torch.randn(2, 23, 23, n)
    probabilities = torch.softmax(torch.randn(2, 23, 23, n), dim=-1)
    opts = dict(options)
    if opts.get("weight") == "w":
        opts["weight"] = torch.rand(n) + 0.5
    got = losses.cross_entropy(logits, probabilities, reduction=reduction, **opts)
    want = _reference_ce(logits, probabilities, reduction=reduction, **opts)
    torch.testing.assert_close(got, want, **F32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", OPTIONS)
def test_cross_entropy_channels_first_parity(reduction, options):
    n = 6
    logits = torch.randn(2, n, 23, 23)
    labels = torch.randint(0, n, (2, 23, 23))
    opts = dict(options)
    if opts.get("weight") == "w":
        opts["weight"] = torch.rand(n) + 0.5
    got = losses.cross_entropy_channels_first(logits, labels, reduction=reduction, **opts)
    want = F.cross_entropy(logits, labels, reduction=reduction, **opts)
    torch.testing.assert_close(got, want, **F32)


def test_cross_entropy_channels_first_probabilities_and_no_batch():
    logits = torch.randn(3, 9, 9)  # no batch dim at all: n h w
    probabilities = torch.softmax(torch.randn(3, 9, 9), dim=0)
    got = losses.cross_entropy_channels_first(logits, probabilities)
    want = F.cross_entropy(logits[None], probabilities[None])
    torch.testing.assert_close(got, want, **F32)


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_cross_entropy_any_number_of_batch_dims(batch):
    logits = torch.randn(*batch, 5, 7, 4)
    labels = torch.randint(0, 4, (*batch, 5, 7))
    loss = losses.cross_entropy(logits, labels, reduction="none")
    assert loss.shape == labels.shape
    flat = F.cross_entropy(logits.reshape(-1, 4), labels.reshape(-1), reduction="none")
    torch.testing.assert_close(loss.reshape(-1), flat, **F32)


def test_int32_class_indices_are_accepted():
    logits = torch.randn(2, 5, 5, 3)
    labels = torch.randint(0, 3, (2, 5, 5), dtype=torch.int32)
    torch.testing.assert_close(
        losses.cross_entropy(logits, labels), losses.cross_entropy(logits, labels.long())
    )


# --- gradients and dtypes ------------------------------------------------------------------------


def test_gradients_flow_through_every_loss():
    cases = [
        (losses.binary_cross_entropy, torch.randn(2, 6, 6, 1), torch.rand(2, 6, 6, 1)),
        (
            losses.binary_cross_entropy_channels_first,
            torch.randn(2, 1, 6, 6),
            torch.rand(2, 1, 6, 6) > 0.5,
        ),
        (losses.cross_entropy, torch.randn(2, 6, 6, 4), torch.randint(0, 4, (2, 6, 6))),
        (
            losses.cross_entropy_channels_first,
            torch.randn(2, 4, 6, 6),
            torch.randint(0, 4, (2, 6, 6)),
        ),
    ]
    for loss_fn, logits, labels in cases:
        logits.requires_grad_(True)
        loss_fn(logits, labels).backward()
        assert logits.grad is not None
        assert logits.grad.abs().sum() > 0, loss_fn.__name__


def test_gradients_match_torch():
    logits = torch.randn(2, 7, 7, 3, requires_grad=True)
    reference = logits.detach().clone().requires_grad_(True)
    labels = torch.randint(0, 3, (2, 7, 7))
    losses.cross_entropy(logits, labels, label_smoothing=0.1).backward()
    _reference_ce(reference, labels, label_smoothing=0.1).backward()
    torch.testing.assert_close(logits.grad, reference.grad, **F32)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_half_and_double_logits(dtype):
    logits = torch.randn(2, 8, 8, 1).to(dtype)
    labels = torch.rand(2, 8, 8, 1) > 0.5  # bool labels become the logits' dtype
    got = losses.binary_cross_entropy(logits, labels)
    assert got.dtype == dtype
    want = F.binary_cross_entropy_with_logits(logits, labels.to(dtype))
    torch.testing.assert_close(got, want, **HALF)

    logits = torch.randn(2, 8, 8, 5).to(dtype)
    classes = torch.randint(0, 5, (2, 8, 8))
    weight = (torch.rand(5) + 0.5).to(dtype)
    got = losses.cross_entropy(logits, classes, weight=weight, label_smoothing=0.1)
    assert got.dtype == dtype
    want = _reference_ce(logits, classes, weight=weight, label_smoothing=0.1)
    torch.testing.assert_close(got, want, **HALF)


def test_float32_labels_with_half_logits():
    logits = torch.randn(2, 4, 4, 1, dtype=torch.float16)
    labels = torch.rand(2, 4, 4, 1)  # float32
    assert losses.binary_cross_entropy(logits, labels).dtype == torch.float16


# --- refusals: the contract, with the diagnosis --------------------------------------------------


def _message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return str(excinfo.value)


def test_binary_labels_missing_channel_dim_is_refused_with_the_fix():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.binary_cross_entropy(torch.randn(4, 23, 23, 1), torch.rand(4, 23, 23))
    message = _message(excinfo)
    assert "labels" in message
    assert "fix:      labels = labels.unsqueeze(-1)" in message
    assert message.count("fix:") == 1  # the diagnosis's fix replaces the generic one


def test_binary_channels_first_labels_missing_channel_dim():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.binary_cross_entropy_channels_first(torch.randn(4, 1, 23, 23), torch.rand(4, 23, 23))
    assert "labels = labels.unsqueeze(-3)" in _message(excinfo)


def test_binary_never_broadcasts_n1_against_n():
    # [N,1] against [N]: rank too low for a grid, and labels lack the trailing 1.
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.binary_cross_entropy(torch.randn(8, 1), torch.rand(8))
    assert "unsqueeze(-1)" in _message(excinfo)


def test_binary_integer_labels_are_refused():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.binary_cross_entropy(
            torch.randn(2, 5, 5, 1), torch.randint(0, 2, (2, 5, 5, 1), dtype=torch.uint8)
        )
    assert "labels = labels.float()" in _message(excinfo)


def test_channels_first_logits_in_channels_last_loss():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.cross_entropy(torch.randn(2, 5, 23, 23), torch.randint(0, 5, (2, 23, 23)))
    message = _message(excinfo)
    assert "logits = logits.movedim(-3, -1)" in message
    assert "cross_entropy_channels_first" in message


def test_channels_last_logits_in_channels_first_loss():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.cross_entropy_channels_first(
            torch.randn(2, 23, 23, 5), torch.randint(0, 5, (2, 23, 23))
        )
    assert "logits = logits.movedim(-1, -3)" in _message(excinfo)


def test_flattened_labels_are_refused():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.cross_entropy(torch.randn(2, 23, 23, 5), torch.randint(0, 5, (2, 23, 23)).view(-1))
    assert "labels = labels.view(logits.shape[:-1])" in _message(excinfo)


def test_float_class_indices_are_refused():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.cross_entropy(torch.randn(2, 5, 5, 3), torch.randint(0, 3, (2, 5, 5)).float())
    assert "labels = labels.long()" in _message(excinfo)


def test_one_hot_integer_labels_are_refused():
    labels = F.one_hot(torch.randint(0, 3, (2, 5, 5)), 3)
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.cross_entropy(torch.randn(2, 5, 5, 3), labels)
    assert "labels = labels.argmax(dim=-1)" in _message(excinfo)


def test_class_weight_of_the_wrong_length():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.cross_entropy(
            torch.randn(2, 5, 5, 3), torch.randint(0, 3, (2, 5, 5)), weight=torch.ones(4)
        )
    assert "weight" in _message(excinfo)


def test_spatial_mismatch_points_at_align_labels():
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.cross_entropy(torch.randn(1, 23, 23, 4), torch.randint(0, 4, (1, 22, 22)))
    assert "labels = shapeguard.align_labels(labels, like=logits)" in _message(excinfo)


def test_bad_reduction():
    with pytest.raises((ValueError, TypeError)):
        losses.binary_cross_entropy(
            torch.randn(1, 2, 2, 1),
            torch.rand(1, 2, 2, 1),
            reduction="avg",  # type: ignore[call-overload]
        )


# --- probabilities passed as logits --------------------------------------------------------------


def test_sigmoid_output_is_refused_as_binary_logits():
    scores = torch.randn(2, 23, 23, 1, requires_grad=True)
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        losses.binary_cross_entropy(torch.sigmoid(scores), torch.rand(2, 23, 23, 1))
    message = _message(excinfo)
    assert "sigmoid" in message
    assert "fix:" in message


def test_softmax_output_is_refused_even_through_a_permute():
    scores = torch.randn(2, 4, 23, 23, requires_grad=True)
    probabilities = torch.softmax(scores, dim=1).permute(0, 2, 3, 1)
    with pytest.raises(shapeguard.ShapeError, match="softmax"):
        losses.cross_entropy(probabilities, torch.randint(0, 4, (2, 23, 23)))


def test_log_softmax_output_is_fine():
    # log_softmax is idempotent under cross-entropy's own log_softmax: not a bug.
    scores = torch.randn(2, 5, 5, 3, requires_grad=True)
    losses.cross_entropy(torch.log_softmax(scores, -1), torch.randint(0, 3, (2, 5, 5)))


def test_sigmoid_without_autograd_is_not_guessed():
    with torch.no_grad():
        probabilities = torch.sigmoid(torch.randn(2, 5, 5, 1))
    losses.binary_cross_entropy(probabilities, torch.rand(2, 5, 5, 1))


# --- value validation: only when asked -----------------------------------------------------------


def test_validate_binary_labels():
    logits = torch.randn(1, 4, 4, 1)
    labels = torch.full((1, 4, 4, 1), 255.0)
    losses.binary_cross_entropy(logits, labels)  # no sync, no check
    with pytest.raises(ValueError, match="0 or 1"):
        losses.binary_cross_entropy(logits, labels, validate_labels=True)
    losses.binary_cross_entropy(logits, labels / 255, validate_labels=True)


def test_validate_class_indices():
    logits = torch.randn(1, 4, 4, 3)
    labels = torch.randint(0, 3, (1, 4, 4))
    labels[0, 0, 0] = 255
    with pytest.raises(ValueError, match="ignore_index=255"):
        losses.cross_entropy(logits, labels, validate_labels=True)
    losses.cross_entropy(logits, labels, validate_labels=True, ignore_index=255)


def test_validate_probabilities():
    logits = torch.randn(1, 4, 4, 3)
    with pytest.raises(ValueError, match="sum to 1"):
        losses.cross_entropy(logits, torch.rand(1, 4, 4, 3) + 0.5, validate_labels=True)
    losses.cross_entropy(logits, torch.softmax(logits, -1).detach(), validate_labels=True)


# --- grid23 ---------------------------------------------------------------------------------------


def test_grid23_matches_the_generic_losses():
    logits = torch.randn(2, 23, 23, 1)
    labels = torch.rand(2, 23, 23, 1)
    torch.testing.assert_close(
        grid23.binary_cross_entropy(logits, labels), losses.binary_cross_entropy(logits, labels)
    )
    logits = torch.randn(2, 23, 23, 6)
    classes = torch.randint(0, 6, (2, 23, 23))
    torch.testing.assert_close(
        grid23.cross_entropy(logits, classes, reduction="none"),
        losses.cross_entropy(logits, classes, reduction="none"),
    )
    first = logits.movedim(-1, -3)
    torch.testing.assert_close(
        grid23.cross_entropy_channels_first(first, classes),
        losses.cross_entropy(logits, classes),
        **F32,
    )
    torch.testing.assert_close(
        grid23.binary_cross_entropy_channels_first(
            torch.zeros(1, 1, 23, 23), torch.ones(1, 1, 23, 23)
        ),
        torch.tensor(0.6931472),
    )


def test_grid23_refuses_other_grids():
    with pytest.raises(shapeguard.ShapeError):
        grid23.binary_cross_entropy(torch.randn(2, 24, 24, 1), torch.rand(2, 24, 24, 1))
    with pytest.raises(shapeguard.ShapeError) as excinfo:
        grid23.cross_entropy(torch.randn(2, 23, 23, 3), torch.randint(0, 3, (2, 22, 22)))
    assert "align_labels" in _message(excinfo)


def test_grid23_aliases_carry_the_contract():
    assert grid23.Grid23BinaryLogits is not None
    shapeguard.assert_shape(torch.randn(4, 23, 23, 1), grid23.Grid23BinaryLogits)
    shapeguard.assert_shape(torch.randint(0, 3, (23, 23)), grid23.Grid23ClassIndices)
    with pytest.raises(shapeguard.ShapeError):
        shapeguard.assert_shape(torch.randn(4, 22, 22, 1), grid23.Grid23BinaryLogits)


def test_losses_are_picklable():
    import pickle

    for fn in (losses.binary_cross_entropy, losses.cross_entropy, grid23.cross_entropy):
        assert pickle.loads(pickle.dumps(fn)) is fn


def test_torch_compile_traces_the_losses():
    def step(logits, labels):
        return losses.cross_entropy(logits, labels) + losses.binary_cross_entropy(
            logits[..., :1], (labels[..., None] > 0).float()
        )

    compiled = torch.compile(step, backend="eager")
    logits = torch.randn(2, 23, 23, 5, requires_grad=True)
    labels = torch.randint(0, 5, (2, 23, 23))
    torch.testing.assert_close(compiled(logits, labels), step(logits, labels))
