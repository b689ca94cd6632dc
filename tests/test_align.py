"""`align_labels`: explicit nearest-neighbour resize of labels to the logits' grid."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import shapeguard
from shapeguard import align_labels, losses
from shapeguard._align import nearest_indices


def test_22_to_23_class_indices():
    labels = torch.randint(0, 5, (2, 22, 22))
    logits = torch.randn(2, 23, 23, 5)
    aligned = align_labels(labels, like=logits)
    assert aligned.shape == (2, 23, 23)
    assert aligned.dtype == labels.dtype
    assert set(aligned.unique().tolist()) == set(labels.unique().tolist())
    losses.cross_entropy(logits, aligned)  # now accepted


def test_binary_mask_channels_last_and_first():
    mask = torch.rand(2, 22, 22, 1) > 0.5
    aligned = align_labels(mask, like=torch.randn(2, 23, 23, 1))
    assert aligned.shape == (2, 23, 23, 1)
    assert aligned.dtype == torch.bool
    first = align_labels(
        mask.movedim(-1, -3), like=torch.randn(2, 1, 23, 23), layout="channels_first"
    )
    assert first.shape == (2, 1, 23, 23)
    torch.testing.assert_close(first.movedim(-3, -1), aligned)


def test_one_hot_labels_keep_their_channels():
    one_hot = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 22, 22)), 4)
    aligned = align_labels(one_hot, like=torch.randn(2, 23, 23, 4))
    assert aligned.shape == (2, 23, 23, 4)
    assert (aligned.sum(-1) == 1).all()


def test_identity_when_already_aligned():
    labels = torch.randint(0, 3, (2, 23, 23))
    assert align_labels(labels, like=torch.randn(2, 23, 23, 3)) is labels


def test_nearest_is_centre_aligned():
    # Upsampling by an integer factor repeats each cell; downsampling picks centres.
    assert nearest_indices(2, 4) == [0, 0, 1, 1]
    assert nearest_indices(4, 2) == [1, 3]
    assert nearest_indices(22, 23)[0] == 0
    assert nearest_indices(22, 23)[-1] == 21
    assert nearest_indices(3, 3) == [0, 1, 2]


@pytest.mark.parametrize(
    ("source", "target"), [((22, 22), (23, 23)), ((46, 30), (23, 15)), ((5, 9), (23, 23))]
)
def test_same_cells_as_torch_nearest_exact(source, target):
    labels = torch.randint(0, 7, (2, *source))
    aligned = align_labels(labels, like=torch.zeros(2, *target, 7))
    reference = torch.nn.functional.interpolate(
        labels[:, None].float(), size=target, mode="nearest-exact"
    )[:, 0].long()
    assert torch.equal(aligned, reference)


def test_downsampling_and_rectangular_grids():
    labels = torch.arange(46 * 30).reshape(1, 46, 30)
    aligned = align_labels(labels, like=torch.randn(1, 23, 15, 2))
    assert aligned.shape == (1, 23, 15)
    assert aligned[0, 0, 0] == labels[0, 1, 1]


def test_numpy_arrays():
    labels = np.random.default_rng(0).integers(0, 4, (2, 22, 22)).astype(np.uint8)
    aligned = align_labels(labels, like=np.zeros((2, 23, 23, 4), np.float32))
    assert isinstance(aligned, np.ndarray)
    assert aligned.dtype == np.uint8
    assert aligned.shape == (2, 23, 23)
    torch_aligned = align_labels(torch.from_numpy(labels), like=torch.zeros(2, 23, 23, 4))
    assert (torch_aligned.numpy() == aligned).all()


def test_float_labels_are_refused_unless_allowed():
    labels = torch.rand(1, 22, 22, 1).round()
    logits = torch.randn(1, 23, 23, 1)
    with pytest.raises(shapeguard.ShapeError, match="allow_float=True"):
        align_labels(labels, like=logits)
    aligned = align_labels(labels, like=logits, allow_float=True)
    assert aligned.dtype == torch.float32
    assert set(aligned.unique().tolist()) <= {0.0, 1.0}


def test_refuses_more_than_a_grid_mismatch():
    with pytest.raises(shapeguard.ShapeError, match="more than the grid"):
        align_labels(torch.randint(0, 3, (3, 22, 22)), like=torch.randn(2, 23, 23, 3))
    with pytest.raises(shapeguard.ShapeError, match="more than the grid") as excinfo:
        align_labels(torch.rand(2, 22, 22, 2) > 0.5, like=torch.randn(2, 23, 23, 1))
    assert (
        "fix" not in str(excinfo.value)
        or "align_labels" not in str(excinfo.value).split("fix:")[-1]
    )


def test_layout_must_be_named():
    with pytest.raises(ValueError, match="layout"):
        align_labels(torch.zeros(1, 2, 2), like=torch.zeros(1, 2, 2, 1), layout="nchw")  # type: ignore[arg-type]


def test_gradients_are_not_involved_and_device_is_kept():
    labels = torch.randint(0, 3, (1, 5, 5))
    aligned = align_labels(labels, like=torch.randn(1, 7, 7, 3, requires_grad=True))
    assert aligned.device == labels.device
    assert not aligned.requires_grad


@settings(max_examples=60, deadline=None)
@given(
    source=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    target=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    classes=st.integers(1, 6),
)
def test_never_invents_labels_and_keeps_every_label_when_upsampling(source, target, classes):
    labels = torch.randint(0, classes, (1, *source))
    aligned = align_labels(labels, like=torch.zeros(1, *target, classes))
    assert aligned.shape == (1, *target)
    values, original = set(aligned.unique().tolist()), set(labels.unique().tolist())
    assert values <= original
    if target[0] >= source[0] and target[1] >= source[1]:
        assert values == original
