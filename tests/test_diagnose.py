"""`diagnose` / `diagnose_shapes`: each known mistake gets its kind, an explanation and a fix.

Every case also applies its fix line to real tensors of the stated shapes (where the fix is
an expression over `logits`/`labels`) and checks that the loss then accepts them: a fix that
does not fix is a bug.
"""

import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

import shapeguard
from shapeguard import losses
from shapeguard._diagnose import Diagnosis, diagnose_shapes, format_shape

CL, CF = "channels_last", "channels_first"

# (logits shape, labels shape, labels dtype, task, layout, kind, fix)
CASES = [
    # missing / extra batch dim
    ((4, 23, 23, 5), (23, 23), "int64", "multiclass", CL, "missing-batch-dim",
     "labels = torch.stack(per_sample_labels)  # one label per sample, like the inputs"),
    ((1, 23, 23, 1), (23, 23, 1), "float32", "binary", CL, "missing-batch-dim",
     "labels = labels.unsqueeze(0)"),
    ((4, 23, 23, 5), (1, 4, 23, 23), "int64", "multiclass", CL, "extra-batch-dim",
     "labels = labels.squeeze(0)"),
    # squeeze() that removed a batch of 1
    ((1, 23, 23, 1), (23, 23), "float32", "binary", CL, "squeezed-batch",
     "labels = labels.reshape(logits.shape)"),
    ((1, 23, 23, 5), (23, 23), "int64", "multiclass", CL, "squeezed-batch",
     "labels = labels.reshape(logits.shape[:-1])"),
    # missing / extra channel dim
    ((4, 23, 23, 1), (4, 23, 23), "float32", "binary", CL, "missing-channel-dim",
     "labels = labels.unsqueeze(-1)"),
    ((4, 1, 23, 23), (4, 23, 23), "float32", "binary", CF, "missing-channel-dim",
     "labels = labels.unsqueeze(-3)"),
    ((8, 1), (8,), "float32", "binary", CL, "missing-channel-dim",
     "labels = labels.unsqueeze(-1)"),
    ((4, 23, 23), (4, 23, 23, 1), "float32", "binary", CL, "logits-missing-channel-dim",
     "logits = logits.unsqueeze(-1)"),
    ((4, 23, 23, 5), (4, 23, 23, 1), "int64", "multiclass", CL, "extra-channel-dim",
     "labels = labels.squeeze(-1)"),
    ((4, 5, 23, 23), (4, 1, 23, 23), "int64", "multiclass", CF, "extra-channel-dim",
     "labels = labels.squeeze(-3)"),
    # channels-first vs channels-last
    ((4, 5, 23, 23), (4, 23, 23), "int64", "multiclass", CL, "channels-first-logits",
     "logits = logits.movedim(-3, -1)  # or use shapeguard.losses.cross_entropy_channels_first"),
    ((4, 23, 23, 5), (4, 23, 23), "int64", "multiclass", CF, "channels-last-logits",
     "logits = logits.movedim(-1, -3)  # or use shapeguard.losses.cross_entropy"),
    ((4, 1, 23, 23), (4, 1, 23, 23), "float32", "binary", CL, "channels-first-logits",
     "loss = shapeguard.losses.binary_cross_entropy_channels_first(logits, labels)"),
    ((4, 1, 23, 23), (4, 23, 23), "float32", "binary", CL, "channels-first-logits",
     "loss = shapeguard.losses.binary_cross_entropy_channels_first(logits, labels.unsqueeze(-3))"),
    ((4, 1, 23, 23), (4, 23, 23, 1), "float32", "binary", CL, "channels-first-logits",
     "logits = logits.movedim(-3, -1)"
     "  # or use shapeguard.losses.binary_cross_entropy_channels_first"),
    ((4, 23, 23, 1), (4, 1, 23, 23), "float32", "binary", CL, "channels-first-labels",
     "labels = labels.movedim(-3, -1)"),
    ((4, 1, 23, 23), (4, 23, 23, 1), "float32", "binary", CF, "channels-last-labels",
     "labels = labels.movedim(-1, -3)"),
    # one-hot vs class indices
    ((4, 23, 23, 5), (4, 23, 23, 5), "int64", "multiclass", CL, "one-hot-labels",
     "labels = labels.argmax(dim=-1)"),
    ((4, 5, 23, 23), (4, 5, 23, 23), "int64", "multiclass", CF, "one-hot-labels",
     "labels = labels.argmax(dim=-3)"),
    # RGB masks
    ((4, 23, 23, 5), (4, 23, 23, 3), "uint8", "multiclass", CL, "rgb-mask",
     "labels = labels[..., 0].long()  # if all 3 channels are equal"),
    ((4, 5, 23, 23), (4, 3, 23, 23), "uint8", "multiclass", CF, "rgb-mask",
     "labels = labels[..., 0, :, :].long()  # if all 3 channels are equal"),
    ((4, 23, 23, 3), (4, 23, 23, 3), "uint8", "multiclass", CL, "rgb-mask",
     "labels = labels[..., 0].long()  # if all 3 channels are equal"),
    ((4, 23, 23, 1), (4, 23, 23, 3), "uint8", "binary", CL, "rgb-mask",
     "labels = (labels[..., :1] > 0).float()"),
    # float labels where class indices are needed, and other integer dtypes
    ((4, 23, 23, 5), (4, 23, 23), "float32", "multiclass", CL, "float-class-labels",
     "labels = labels.long()"),
    ((4, 23, 23, 5), (4, 23, 23), "uint8", "multiclass", CL, "non-int64-class-labels",
     "labels = labels.long()"),
    ((4, 23, 23, 1), (4, 23, 23, 1), "uint8", "binary", CL, "integer-binary-labels",
     "labels = labels.float()"),
    # off-by-one / off-by-k spatial
    ((1, 23, 23, 1), (1, 22, 22, 1), "bool", "binary", CL, "spatial-mismatch",
     "labels = shapeguard.align_labels(labels, like=logits)"),
    ((4, 23, 23, 5), (4, 21, 21), "int64", "multiclass", CL, "spatial-mismatch",
     "labels = shapeguard.align_labels(labels, like=logits)"),
    ((4, 5, 23, 23), (4, 46, 46), "int64", "multiclass", CF, "spatial-mismatch",
     'labels = shapeguard.align_labels(labels, like=logits, layout="channels_first")'),
    ((4, 23, 23, 1), (4, 22, 22, 1), "float32", "binary", CL, "spatial-mismatch",
     "labels = shapeguard.align_labels(labels, like=logits, allow_float=True)"),
    # two mistakes at once compose into one line
    ((4, 23, 23, 1), (4, 22, 22), "bool", "binary", CL, "missing-channel-dim+spatial-mismatch",
     "labels = shapeguard.align_labels(labels.unsqueeze(-1), like=logits)"),
    ((4, 23, 23, 5), (4, 22, 22, 1), "int64", "multiclass", CL,
     "extra-channel-dim+spatial-mismatch",
     "labels = shapeguard.align_labels(labels.squeeze(-1), like=logits)"),
    # flattened labels (the labels.view(-1) of F.cross_entropy recipes)
    ((4, 23, 23, 5), (4 * 23 * 23,), "int64", "multiclass", CL, "flattened-labels",
     "labels = labels.view(logits.shape[:-1])  # or drop the .view(-1)"),
    # rank mismatch, batch mismatch
    ((4, 23, 23, 5), (4, 529), "int64", "multiclass", CL, "rank-mismatch",
     "labels = labels.reshape(logits.shape[:-1])"),
    ((8, 23, 23, 5), (4, 23, 23), "int64", "multiclass", CL, "batch-size-mismatch",
     "logits = model(images)  # images and labels from the same batch of the same loader"),
]  # fmt: skip

IDS = [
    f"{kind}:{format_shape(logits)}-{format_shape(labels)}"
    for logits, labels, _, _, _, kind, _ in CASES
]


@pytest.mark.parametrize(
    ("logits", "labels", "dtype", "task", "layout", "kind", "fix"), CASES, ids=IDS
)
def test_known_mistakes(logits, labels, dtype, task, layout, kind, fix):
    found = diagnose_shapes(
        logits, labels, logits_dtype="float32", labels_dtype=dtype, task=task, layout=layout
    )
    assert found.kind == kind, found
    assert found.fix == fix
    assert not found.ok
    # One paragraph naming what was seen; str() puts the fix line under it.
    assert "\n" not in found.explanation
    assert format_shape(labels) in found.explanation or format_shape(logits) in found.explanation
    assert str(found) == f"{found.explanation}\nfix: {fix}"


def _tensor(shape, dtype):
    if dtype == "float32":
        return torch.rand(shape).round()
    if dtype == "bool":
        return torch.rand(shape) > 0.5
    return torch.randint(0, 2, shape, dtype=getattr(torch, dtype))


def _apply_fix(fix: str, logits: torch.Tensor, labels: torch.Tensor):
    """Run a one-line fix `x = expr` / `x, y = a, b` on the two tensors, without exec."""
    code = fix.split("  #")[0]
    target, expression = (part.strip() for part in code.split(" = ", 1))
    namespace = {"logits": logits, "labels": labels}
    # The fixes are method chains and calls over logits/labels; compile() + a restricted
    # namespace evaluates them, the same thing a user pasting the line would run.
    value = _evaluate(expression, namespace)
    if target in ("labels", "loss"):
        return value if target == "loss" else (logits, value)
    if target == "logits":
        return value, labels
    assert target == "logits, labels"
    return value


def _evaluate(expression: str, namespace: dict[str, object]) -> object:
    import ast

    tree = ast.parse(expression, mode="eval")
    return _Evaluator(namespace).visit(tree.body)


class _Evaluator:
    """A tiny evaluator for fix lines: names, attributes, calls, ints, tuples, slices."""

    def __init__(self, namespace: dict[str, object]) -> None:
        self.namespace = {"shapeguard": shapeguard, "torch": torch, **namespace}

    def visit(self, node):
        import ast

        if isinstance(node, ast.Name):
            return self.namespace[node.id]
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.visit(node.operand)
        if isinstance(node, ast.Attribute):
            return getattr(self.visit(node.value), node.attr)
        if isinstance(node, ast.Call):
            function = self.visit(node.func)
            args = [self.visit(a) for a in node.args]
            kwargs = {k.arg: self.visit(k.value) for k in node.keywords}
            return function(*args, **kwargs)
        if isinstance(node, ast.Tuple):
            return tuple(self.visit(e) for e in node.elts)
        if isinstance(node, ast.Subscript):
            return self.visit(node.value)[self.visit(node.slice)]
        if isinstance(node, ast.Slice):
            return slice(
                *(None if p is None else self.visit(p) for p in (node.lower, node.upper, node.step))
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.visit(node.left) + self.visit(node.right)
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Gt):
            return self.visit(node.left) > self.visit(node.comparators[0])
        raise AssertionError(f"unexpected syntax in a fix line: {ast.dump(node)}")


LOSSES = {
    ("binary", CL): losses.binary_cross_entropy,
    ("binary", CF): losses.binary_cross_entropy_channels_first,
    ("multiclass", CL): losses.cross_entropy,
    ("multiclass", CF): losses.cross_entropy_channels_first,
}


@pytest.mark.parametrize(
    ("logits", "labels", "dtype", "task", "layout", "kind", "fix"), CASES, ids=IDS
)
def test_fix_lines_fix(logits, labels, dtype, task, layout, kind, fix):
    if not fix.startswith(("labels = ", "logits = ", "logits, labels = ", "loss = ")) or any(
        name in fix for name in ("stack", "model")
    ):
        pytest.skip("not an expression over logits and labels")
    if len(logits) < 3:
        pytest.skip("no grid: not a segmentation loss")
    logits_t = torch.randn(logits)
    labels_t = _tensor(labels, dtype)
    if fix.startswith("loss = "):
        assert torch.isfinite(_apply_fix(fix, logits_t, labels_t))
        return
    fixed_logits, fixed_labels = _apply_fix(fix, logits_t, labels_t)
    if task == "multiclass" and fixed_labels.dtype == torch.bool:
        fixed_labels = fixed_labels.long()
    if (
        task == "multiclass"
        and fixed_labels.is_floating_point()
        and fixed_labels.shape == fixed_logits.shape
    ):
        fixed_labels = fixed_labels / fixed_labels.sum(
            dim=-1 if layout == CL else -3, keepdim=True
        ).clamp(min=1)
    loss = LOSSES[(task, layout)](fixed_logits, fixed_labels)
    assert torch.isfinite(loss)


def test_ok():
    found = diagnose_shapes((2, 23, 23, 1), (2, 23, 23, 1), labels_dtype="bool")
    assert found.ok
    assert found.fix == ""
    assert "fit" in str(found)
    assert diagnose_shapes((2, 23, 23, 5), (2, 23, 23), labels_dtype="int64").ok
    assert diagnose_shapes((2, 23, 23, 5), (2, 23, 23, 5), labels_dtype="float32").ok


def test_task_auto_reads_the_channel_axis():
    assert diagnose_shapes((2, 23, 23, 1), (2, 23, 23)).kind == "missing-channel-dim"
    assert diagnose_shapes((2, 23, 23, 4), (2, 23, 23)).ok
    assert (
        diagnose_shapes((2, 1, 23, 23), (2, 23, 23), layout="channels_first").kind
        == "missing-channel-dim"
    )


def test_dtype_names_are_normalised():
    for name in ("torch.float32", "float32", "f32", torch.float32):
        found = diagnose_shapes((2, 5, 5, 3), (2, 5, 5), labels_dtype=name)
        assert found.kind == "float-class-labels"
        assert "f32[2,5,5]" in found.explanation


def test_unrecognised_has_no_fake_fix():
    found = diagnose_shapes((4, 23, 23, 1), (7, 3))
    assert found.kind == "unrecognised"
    assert found.fix == ""
    assert not found.ok


def test_bad_arguments():
    with pytest.raises(ValueError, match="layout"):
        diagnose_shapes((1, 2, 3, 1), (1, 2, 3, 1), layout="nhwc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="task"):
        diagnose_shapes((1, 2, 3, 1), (1, 2, 3, 1), task="seg")  # type: ignore[arg-type]


# --- diagnose() on tensors and arrays ------------------------------------------------------------


def test_diagnose_on_tensors():
    found = shapeguard.diagnose(torch.randn(1, 23, 23, 1), torch.rand(1, 22, 22, 1) > 0.5)
    assert isinstance(found, Diagnosis)
    assert found.kind == "spatial-mismatch"
    assert "off by 1" in found.explanation


def test_diagnose_on_numpy_arrays():
    import numpy as np

    found = shapeguard.diagnose(
        np.zeros((2, 23, 23, 4), np.float32), np.zeros((2, 23, 23), np.float64)
    )
    assert found.kind == "float-class-labels"


def test_diagnose_sees_probabilities_passed_as_logits():
    scores = torch.randn(2, 5, 5, 1, requires_grad=True)
    found = shapeguard.diagnose(torch.sigmoid(scores), torch.rand(2, 5, 5, 1), task="binary")
    assert found.kind == "probabilities-as-logits"
    scores = torch.randn(2, 5, 5, 3, requires_grad=True)
    found = shapeguard.diagnose(F.softmax(scores, -1), torch.randint(0, 3, (2, 5, 5)))
    assert found.kind == "probabilities-as-logits"
    assert shapeguard.diagnose(scores, torch.randint(0, 3, (2, 5, 5))).ok


def test_import_shapeguard_does_not_import_torch():
    code = (
        "import sys, shapeguard; shapeguard.diagnose; shapeguard.align_labels; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
