"""Explain a logits/labels mismatch in a segmentation loss, and give the line that fixes it.

`diagnose_shapes` works on shapes and dtype names alone (the `shapeguard explain` CLI has
nothing else); `diagnose` reads them off tensors or arrays and, when the shapes are right,
also notices probabilities passed where logits belong. The losses append the same
`Diagnosis` to their `ShapeError`s, so there is one place that words these messages.

The rules are tried in order, most specific first; each recognises one known mistake and
returns an explanation plus a fix written as a template over the labels expression
(`"{labels}.unsqueeze(-1)"`), so that two fixes compose into one line when a structural
mistake comes together with a spatial one (`align_labels(labels.unsqueeze(-1), like=...)`).

Nothing here imports torch or numpy: `import shapeguard` must stay free of both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Diagnosis", "Layout", "Task", "diagnose", "diagnose_shapes", "format_shape"]

Task = Literal["binary", "multiclass"]
Layout = Literal["channels_last", "channels_first"]
Shape = tuple[int, ...]
DtypeKind = Literal["float", "int", "uint", "bool", "complex"]

_LAYOUTS = ("channels_last", "channels_first")
_TASKS = ("binary", "multiclass", "auto")


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with a (logits, labels) pair, why, and the line of code that fixes it.

    `kind` is a stable identifier (`"missing-channel-dim"`, `"spatial-mismatch"`, …, or
    `"ok"`); `explanation` is one paragraph; `fix` is one line of Python (empty when ok).
    """

    kind: str
    explanation: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    def __str__(self) -> str:
        if not self.fix:
            return self.explanation
        return f"{self.explanation}\nfix: {self.fix}"


# --- dtypes and shape summaries --------------------------------------------------------

_SHORT_DTYPES = {
    "float16": "f16", "half": "f16", "bfloat16": "bf16", "float32": "f32", "float": "f32",
    "float64": "f64", "double": "f64", "int8": "i8", "int16": "i16", "short": "i16",
    "int32": "i32", "int": "i32", "int64": "i64", "long": "i64", "uint8": "u8",
    "uint16": "u16", "uint32": "u32", "uint64": "u64", "bool": "bool",
    "complex64": "c64", "complex128": "c128",
}  # fmt: skip
_KIND_BY_PREFIX: tuple[tuple[str, DtypeKind], ...] = (
    ("bf", "float"), ("f", "float"), ("i", "int"), ("u", "uint"), ("b", "bool"), ("c", "complex"),
)  # fmt: skip


def _short_dtype(dtype: object) -> str | None:
    """`torch.float32`, `np.dtype('float32')`, `"float32"` and `"f32"` all give `"f32"`."""
    if dtype is None:
        return None
    name = str(dtype).lower().removeprefix("torch.").removeprefix("<class 'numpy.")
    name = name.rstrip("'>")
    if name in _SHORT_DTYPES:
        return _SHORT_DTYPES[name]
    if name in _SHORT_DTYPES.values():
        return name
    return name


def _dtype_kind(short: str | None) -> DtypeKind | None:
    if short is None:
        return None
    for prefix, kind in _KIND_BY_PREFIX:
        if short.startswith(prefix) and short in _SHORT_DTYPES.values():
            return kind
    return None


def format_shape(shape: Sequence[int], dtype: object = None) -> str:
    """`f32[1,23,23,1]`: the summary every shapeguard message uses, never tensor contents."""
    short = _short_dtype(dtype)
    return f"{short or ''}[{','.join(str(d) for d in shape)}]"


# --- the case being diagnosed ----------------------------------------------------------


@dataclass(frozen=True)
class _Case:
    logits: Shape
    labels: Shape
    logits_dtype: str | None
    labels_dtype: str | None
    task: Task
    layout: Layout

    @property
    def channels_last(self) -> bool:
        return self.layout == "channels_last"

    @property
    def channel_axis(self) -> int:
        """The logits' channel axis, counted from the end."""
        return -1 if self.channels_last else -3

    @property
    def other_channel_axis(self) -> int:
        return -3 if self.channels_last else -1

    @property
    def label_kind(self) -> DtypeKind | None:
        return _dtype_kind(self.labels_dtype)

    @property
    def index_shape(self) -> Shape:
        """Class-index labels: the logits without their channel axis."""
        return _drop(self.logits, self.channel_axis)

    @property
    def expected(self) -> Shape:
        """The label shape this task's loss expects (class indices for multi-class)."""
        return self.logits if self.task == "binary" else self.index_shape

    @property
    def expected_code(self) -> str:
        if self.task == "binary":
            return "logits.shape"
        if self.channels_last:
            return "logits.shape[:-1]"
        return "logits.shape[:-3] + logits.shape[-2:]"

    @property
    def batch_rank(self) -> int:
        return len(self.logits) - 3

    @property
    def loss_name(self) -> str:
        base = "binary_cross_entropy" if self.task == "binary" else "cross_entropy"
        return base if self.channels_last else f"{base}_channels_first"

    @property
    def logits_spec(self) -> str:
        channel = "1" if self.task == "binary" else "n"
        return f"*batch h w {channel}" if self.channels_last else f"*batch {channel} h w"

    @property
    def align_call(self) -> str:
        extra = "" if self.channels_last else ', layout="channels_first"'
        if self.label_kind == "float":
            extra += ", allow_float=True"
        return "shapeguard.align_labels({labels}, like=logits" + extra + ")"

    def show_logits(self) -> str:
        return format_shape(self.logits, self.logits_dtype)

    def show_labels(self) -> str:
        return format_shape(self.labels, self.labels_dtype)

    def with_labels(self, labels: Shape) -> _Case:
        return _Case(
            self.logits, labels, self.logits_dtype, self.labels_dtype, self.task, self.layout
        )


def _drop(shape: Shape, axis: int) -> Shape:
    items = list(shape)
    del items[axis]
    return tuple(items)


def _insert(shape: Shape, axis_from_end: int, size: int) -> Shape:
    """Insert `size` so that it ends up at `axis_from_end` (negative) in the result."""
    position = len(shape) + 1 + axis_from_end
    return (*shape[:position], size, *shape[position:])


def _without(shape: Shape, *axes: int) -> Shape:
    """`shape` without the given axes (negative indices into `shape`)."""
    drop = {axis % len(shape) for axis in axes}
    return tuple(d for i, d in enumerate(shape) if i not in drop)


def _movedim(shape: Shape, source: int, destination: int) -> Shape:
    items = list(shape)
    size = items.pop(source)
    position = destination if destination >= 0 else len(shape) + destination
    items.insert(position, size)
    return tuple(items)


def _grid_axes(case: _Case, labels_rank: int) -> tuple[int, int] | None:
    """Where the h, w axes sit in labels of this rank: with a channel axis, or without."""
    if labels_rank == len(case.logits):
        return (-3, -2) if case.channels_last else (-2, -1)
    if labels_rank == len(case.logits) - 1:
        return (-2, -1)
    return None


def _logits_grid(case: _Case) -> tuple[int, int]:
    axes = (-3, -2) if case.channels_last else (-2, -1)
    return case.logits[axes[0]], case.logits[axes[1]]


def _fill(template: str, labels: str = "labels") -> str:
    return template.replace("{labels}", labels)


# --- the rules -------------------------------------------------------------------------
#
# A rule looks at the case and returns (kind, explanation, fix template) or None. A fix
# template is `"labels = <expr>"` with `{labels}` in <expr>, or a whole line of its own
# (then it does not compose). Order matters: the first rule that matches wins.

_Finding = tuple[str, str, str]
_Rule = Callable[[_Case], "_Finding | None"]

_BROADCAST_WARNING = (
    "PyTorch's BCE-with-logits refuses unequal sizes, but any elementwise step on the pair "
    "(`logits - labels`, a masked mean, a hand-written loss) broadcasts silently: [N,1] "
    "against [N] becomes [N,N]."
)


def _rule_logits_rank(case: _Case) -> _Finding | None:
    if len(case.logits) >= 3:
        return None
    if case.task == "binary" and case.logits[-1:] == (1,) and case.labels == case.logits[:-1]:
        return (
            "missing-channel-dim",
            f"labels {case.show_labels()} lack the trailing dim of size 1 that the logits "
            f"{case.show_logits()} have; binary labels must have exactly the logits' shape. "
            f"{_BROADCAST_WARNING}",
            "labels = {labels}.unsqueeze(-1)",
        )
    if case.task == "multiclass" and len(case.logits) == 2 and case.labels == case.logits[:1]:
        return (
            "flattened-logits-and-labels",
            f"logits {case.show_logits()} and labels {case.show_labels()} were flattened "
            "the way `F.cross_entropy` wants them; shapeguard's loss keeps the grid so that "
            "it can check it, and does the flattening itself. Pass both before "
            "`.view(-1, n)` / `.view(-1)`.",
            f"loss = shapeguard.losses.{case.loss_name}(logits, labels)"
            "  # unflattened: logits *batch h w n, labels *batch h w",
        )
    return (
        "logits-rank",
        f"logits {case.show_logits()} have rank {len(case.logits)}, but a segmentation "
        f"loss needs at least `h w` and a channel (`{case.logits_spec}`). For one label per "
        "sample rather than per pixel, use `torch.nn.functional` directly.",
        "loss = F.binary_cross_entropy_with_logits(logits, labels)  # equal shapes"
        if case.task == "binary"
        else "loss = F.cross_entropy(logits, labels)  # logits (N, n), labels (N,)",
    )


def _rule_layout_swapped_logits(case: _Case) -> _Finding | None:
    """Channels-first logits given to a channels-last loss, or the other way round."""
    if case.logits[case.channel_axis] == 1 and case.task == "binary":
        return None
    swapped = _movedim(case.logits, case.other_channel_axis, case.channel_axis)
    if case.task == "binary":
        if case.logits[case.other_channel_axis] != 1:
            return None
        fits = {case.logits, swapped, _drop(case.logits, case.other_channel_axis)}
        if case.labels not in fits and len(case.labels) == len(case.logits):
            return None
    else:
        if case.labels != _drop(case.logits, case.other_channel_axis):
            return None
        if case.labels == case.index_shape:
            return None
    source, target = case.other_channel_axis, case.channel_axis
    if case.channels_last:
        what, other_loss = "channels-first", case.loss_name + "_channels_first"
        detail = (
            "Most PyTorch models (nn.Conv2d) produce channels-first `N C H W`; this loss takes "
            "channels-last `*batch h w n`."
        )
    else:
        what, other_loss = "channels-last", case.loss_name.removesuffix("_channels_first")
        detail = (
            "This loss, like `F.cross_entropy`, reads the class axis at dim -3 (`N C H W`); "
            "logits with classes last make it read a spatial axis as the classes, which is "
            "silently wrong when that axis happens to have the size the labels expect."
        )
    if case.labels == case.logits:
        # Labels in the same (other) layout: switching the loss fixes both at once.
        return (
            f"{what}-logits",
            f"logits {case.show_logits()} and labels {case.show_labels()} are {what}, but "
            f"the loss expects `{case.logits_spec}`. {detail} Call the loss made for this "
            "layout (or move the channel axis of both).",
            f"loss = shapeguard.losses.{other_loss}(logits, labels)",
        )
    if case.task == "binary" and case.labels == _drop(case.logits, case.other_channel_axis):
        return (
            f"{what}-logits",
            f"logits {case.show_logits()} are {what}, but the loss expects "
            f"`{case.logits_spec}`; and the labels {case.show_labels()} have no channel dim, "
            f"which binary labels need (exactly the logits' shape). {detail} Call the loss "
            "made for this layout, with the labels' channel dim restored.",
            f"loss = shapeguard.losses.{other_loss}(logits, labels.unsqueeze({source}))",
        )
    return (
        f"{what}-logits",
        f"logits {case.show_logits()} are {what}, but the loss expects "
        f"`{case.logits_spec}`. {detail} Move the channel axis, or call "
        f"`shapeguard.losses.{other_loss}`, which takes this layout.",
        f"logits = logits.movedim({source}, {target})  # or use shapeguard.losses.{other_loss}",
    )


def _rule_binary_logits_missing_channel(case: _Case) -> _Finding | None:
    if case.task != "binary" or case.logits[case.channel_axis] == 1:
        return None
    if case.labels == _insert(case.logits, case.channel_axis, 1):
        return (
            "logits-missing-channel-dim",
            f"logits {case.show_logits()} lack the channel dim of size 1 that the labels "
            f"{case.show_labels()} have. The binary contract is `{case.logits_spec}` for "
            "both, so that they have exactly the same shape and nothing broadcasts.",
            f"logits = logits.unsqueeze({case.channel_axis})",
        )
    if case.labels == case.logits:
        return (
            "missing-channel-dim",
            f"logits {case.show_logits()} and labels {case.show_labels()} both lack the "
            f"channel dim of size 1: the binary contract is `{case.logits_spec}`. Keeping the "
            "explicit 1 is what lets the checker tell a 23x23 grid from 23 samples of 23.",
            f"logits, labels = logits.unsqueeze({case.channel_axis}), "
            f"labels.unsqueeze({case.channel_axis})",
        )
    return None


def _rule_exact_shape(case: _Case) -> _Finding | None:
    """Right shape: only the dtype can be wrong."""
    kind = case.label_kind
    if case.task == "binary":
        if case.labels != case.logits:
            return None
        if kind in (None, "float", "bool"):
            return ("ok", "", "")
        return (
            "integer-binary-labels",
            f"labels {case.show_labels()} have the right shape but an integer dtype; binary "
            "labels are float (0.0/1.0, or soft targets) or bool, the dtype the loss computes "
            "in. Masks read from image files are often uint8.",
            "labels = {labels}.float()",
        )
    if case.labels == case.index_shape:
        if kind in (None, "int"):
            return ("ok", "", "")
        if kind == "float":
            return (
                "float-class-labels",
                f"labels {case.show_labels()} have the shape of class indices but a float "
                "dtype; class indices must be integers (float labels with the logits' shape "
                "would be probabilities). If they came through `ToTensor()`, they were also "
                "divided by 255: check the values before casting.",
                "labels = {labels}.long()",
            )
        return (
            "non-int64-class-labels",
            f"labels {case.show_labels()} have the shape of class indices but dtype "
            f"{case.labels_dtype}; class indices are a signed integer type (int64 is what "
            "`F.cross_entropy` uses). uint8 masks from image files are the usual source.",
            "labels = {labels}.long()",
        )
    if case.labels == case.logits:
        classes = case.logits[case.channel_axis]
        if kind in (None, "float"):
            return ("ok", "", "")
        if classes == 3 and case.labels_dtype == "u8":
            return _rgb_finding(case)
        axis = case.channel_axis
        return (
            "one-hot-labels",
            f"labels {case.show_labels()} have the logits' shape and an integer dtype: they "
            "are one-hot. The loss takes class indices (`Int *batch h w`) or probabilities "
            "(`Float`, the logits' shape); one-hot integers are neither. Take the argmax for "
            "indices (or `.float()` to use them as probabilities).",
            f"labels = {{labels}}.argmax(dim={axis})",
        )
    return None


def _rgb_finding(case: _Case) -> _Finding:
    if case.task == "binary":
        pick = "[..., :1]" if case.channels_last else "[..., :1, :, :]"
        fix = f"labels = ({{labels}}{pick} > 0).float()"
    else:
        pick = "[..., 0]" if case.channels_last else "[..., 0, :, :]"
        fix = f"labels = {{labels}}{pick}.long()  # if all 3 channels are equal"
    return (
        "rgb-mask",
        f"labels {case.show_labels()} have 3 channels where the loss expects "
        f"{'one' if case.task == 'binary' else 'none'}: the mask was read as an RGB image "
        "(`.convert('RGB')`, `cv2.imread`'s default). Read it as a single-channel image "
        "(`Image.open(path)` in 'L' or 'P' mode), or, if all three channels hold the same "
        "value, keep one of them; a colour palette needs a colour→class lookup instead.",
        fix,
    )


def _rule_rgb_mask(case: _Case) -> _Finding | None:
    if case.task == "binary":
        candidates = {_insert(_drop(case.logits, case.channel_axis), axis, 3) for axis in (-1, -3)}
    else:
        candidates = {_insert(case.index_shape, axis, 3) for axis in (-1, -3)}
        if case.logits[case.channel_axis] == 3:
            return None  # 3 classes: indistinguishable from probabilities; _exact_shape decides
    if case.labels in candidates:
        return _rgb_finding(case)
    return None


def _rule_squeezed_batch(case: _Case) -> _Finding | None:
    batch = case.logits[: case.batch_rank]
    if 1 not in batch or case.labels == case.expected:
        return None
    if case.labels != tuple(d for d in case.expected if d != 1):
        return None
    return (
        "squeezed-batch",
        f"labels {case.show_labels()} lost every size-1 dim of the expected "
        f"{format_shape(case.expected)}, including the batch of 1: `squeeze()` without a dim "
        "removes them all, and only does so when the batch happens to be 1 (often just the "
        "last batch, or batch_size=1 at evaluation). Restore the shape, and give `squeeze` "
        "the dim you mean (`squeeze(-1)`).",
        f"labels = labels.reshape({case.expected_code})",
    )


def _rule_missing_channel(case: _Case) -> _Finding | None:
    if case.task != "binary":
        return None
    if case.labels != case.index_shape:
        return None
    axis = case.channel_axis
    return (
        "missing-channel-dim",
        f"labels {case.show_labels()} lack the channel dim of size 1 that the logits "
        f"{case.show_logits()} have; binary labels must have exactly the logits' shape "
        f"(`{case.logits_spec}`). {_BROADCAST_WARNING}",
        f"labels = {{labels}}.unsqueeze({axis})",
    )


def _rule_layout_swapped_labels(case: _Case) -> _Finding | None:
    if len(case.labels) != len(case.logits) or case.labels == case.logits:
        return None
    source, target = case.other_channel_axis, case.channel_axis
    if case.labels != _movedim(case.logits, target, source):
        return None
    what = "channels-first" if case.channels_last else "channels-last"
    return (
        f"{what}-labels",
        f"labels {case.show_labels()} are {what} while the logits {case.show_logits()} are "
        f"not: the channel axis has to be in the same place in both (`{case.logits_spec}`).",
        f"labels = {{labels}}.movedim({source}, {target})",
    )


def _rule_extra_unit_dim(case: _Case) -> _Finding | None:
    expected = case.expected
    if len(case.labels) != len(expected) + 1:
        return None
    for position in range(len(case.labels)):
        if case.labels[position] == 1 and _drop(case.labels, position) == expected:
            axis = position - len(case.labels)
            if position == 0:
                return (
                    "extra-batch-dim",
                    f"labels {case.show_labels()} have an extra leading dim of size 1 "
                    f"compared with the expected {format_shape(expected)}: a batch dim was "
                    "added twice (`unsqueeze(0)` on an already batched tensor, or a "
                    "DataLoader collating labels that were already batched).",
                    "labels = {labels}.squeeze(0)",
                )
            where = "a channel dim" if axis in (-1, -3) else "a unit dim"
            source = (
                " Masks loaded with `ToTensor()` come as 1xHxW." if case.task != "binary" else ""
            )
            return (
                "extra-channel-dim",
                f"labels {case.show_labels()} carry {where} of size 1 at axis {axis} that the "
                f"expected {format_shape(expected)} does not have"
                f"{': class indices have no channel axis' if case.task != 'binary' else ''}."
                f"{source}",
                f"labels = {{labels}}.squeeze({axis})",
            )
    return None


def _rule_missing_batch(case: _Case) -> _Finding | None:
    expected = case.expected
    if case.batch_rank < 1 or case.labels != expected[1:]:
        return None
    if expected[0] == 1:
        return (
            "missing-batch-dim",
            f"labels {case.show_labels()} lack the batch dim of the expected "
            f"{format_shape(expected)}: a single sample's label next to a batch of one.",
            "labels = {labels}.unsqueeze(0)",
        )
    return (
        "missing-batch-dim",
        f"labels {case.show_labels()} are one sample's label, but the logits "
        f"{case.show_logits()} are a batch of {expected[0]}: collate the labels per sample, "
        "exactly as the inputs are (a custom collate_fn or a loop that kept only the last "
        "label are the usual causes).",
        "labels = torch.stack(per_sample_labels)  # one label per sample, like the inputs",
    )


def _rule_flattened(case: _Case) -> _Finding | None:
    expected = case.expected
    if len(case.labels) != 1 or len(expected) < 2 or case.labels[0] != math.prod(expected):
        return None
    return (
        "flattened-labels",
        f"labels {case.show_labels()} were flattened (`labels.view(-1)`), but the loss takes "
        f"them with their grid, {format_shape(expected)}, and flattens internally. "
        "`view(-1)` is only right together with `logits.view(-1, n)` for `F.cross_entropy`, "
        "and only when the logits are channels-last and contiguous.",
        f"labels = labels.view({case.expected_code})  # or drop the .view(-1)",
    )


def _rule_spatial(case: _Case) -> _Finding | None:
    axes = _grid_axes(case, len(case.labels))
    if axes is None or (case.task == "binary" and len(case.labels) != len(case.logits)):
        return None  # binary labels have the logits' rank; anything else is not just the grid
    reference = case.logits if len(case.labels) == len(case.logits) else case.index_shape
    if _without(case.labels, *axes) != _without(reference, *axes):
        return None
    have = (case.labels[axes[0]], case.labels[axes[1]])
    want = _logits_grid(case)
    if have == want:
        return None
    explanation = f"labels {case.show_labels()} {_spatial_explanation(case, have, want)}"
    return ("spatial-mismatch", explanation, f"labels = {case.align_call}")


def _spatial_explanation(case: _Case, have: tuple[int, int], want: tuple[int, int]) -> str:
    """The grid half of a message; the caller puts the subject in front."""
    deltas = {w - h for h, w in zip(have, want, strict=True)}
    grid = f"{have[0]}x{have[1]}"
    target = f"{want[0]}x{want[1]}"
    if all(abs(d) <= 2 for d in deltas):
        k = max(abs(d) for d in deltas)
        cause = (
            f"off by {k}: the usual causes are padding or cropping that differ between the "
            "image and mask pipelines (a center crop, a conv without padding, a stride-2 "
            "layer on an odd size)"
        )
    else:
        cause = (
            "a different resolution: the image and the mask were resized differently, or "
            "the model down- or up-samples"
        )
    return (
        f"are on a {grid} grid, the logits {case.show_logits()} "
        f"on {target}; {cause}. The right fix is in the preprocessing; until then, "
        "`align_labels` resizes the labels to the logits' grid by nearest neighbour, which "
        "keeps their dtype and never invents label values."
    )


def _rule_batch_size(case: _Case) -> _Finding | None:
    expected = case.expected
    if len(case.labels) != len(expected) or case.batch_rank < 1:
        return None
    rank = case.batch_rank
    if case.labels[rank:] != expected[rank:] or case.labels[:rank] == expected[:rank]:
        return None
    return (
        "batch-size-mismatch",
        f"labels {case.show_labels()} and logits {case.show_logits()} have different batch "
        "sizes: they come from different batches (two loaders zipped out of step, a "
        "`drop_last` on one side, or a reshape that used the wrong batch size).",
        "logits = model(images)  # images and labels from the same batch of the same loader",
    )


def _rule_rank(case: _Case) -> _Finding | None:
    expected = case.expected
    if math.prod(case.labels) == math.prod(expected) and len(case.labels) != len(expected):
        return (
            "rank-mismatch",
            f"labels {case.show_labels()} have rank {len(case.labels)}, the loss expects "
            f"{format_shape(expected)} (rank {len(expected)}). They hold the same number of "
            "elements, so a reshape fits, but only if the elements are in the same order: "
            "check where the dims were merged or split.",
            f"labels = labels.reshape({case.expected_code})",
        )
    return None


_STRUCTURAL_RULES: tuple[_Rule, ...] = (
    _rule_exact_shape,
    _rule_rgb_mask,
    _rule_squeezed_batch,
    _rule_missing_channel,
    _rule_layout_swapped_labels,
    _rule_extra_unit_dim,
    _rule_missing_batch,
    _rule_flattened,
)


_RULES: tuple[_Rule, ...] = (
    _rule_logits_rank,
    _rule_layout_swapped_logits,
    _rule_binary_logits_missing_channel,
    *_STRUCTURAL_RULES,
    _rule_spatial,
    _rule_batch_size,
)


def _find(case: _Case) -> _Finding | None:
    for rule in _RULES:
        finding = rule(case)
        if finding is not None:
            return finding
    composed = _structural_with_spatial(case)
    if composed is not None:
        return composed
    return _rule_rank(case)


def _structural_with_spatial(case: _Case) -> _Finding | None:
    """A structural mistake and a grid mismatch at once: fix the structure, then align."""
    want = _logits_grid(case)
    for start in range(len(case.labels) - 1):
        have = case.labels[start : start + 2]
        if have == want or 1 in have:
            continue
        regridded = case.with_labels((*case.labels[:start], *want, *case.labels[start + 2 :]))
        for rule in _STRUCTURAL_RULES:
            finding = rule(regridded)
            if finding is None or finding[0] == "ok":
                continue
            kind, explanation, fix = finding
            if not fix.startswith("labels = ") or "{labels}" not in fix:
                continue  # a reshape to the expected shape cannot compose with a resize
            expression = _fill(fix.removeprefix("labels = "))
            code, comment = [*expression.split("  #", 1), ""][:2]
            combined = f"labels = {_fill(case.align_call, code)}"
            if comment:
                combined += f"  #{comment}"
            spatial = _spatial_explanation(case, (have[0], have[1]), want)
            explanation = explanation.replace(
                format_shape(regridded.labels, case.labels_dtype), case.show_labels()
            )
            return (
                f"{kind}+spatial-mismatch",
                f"Two things are wrong. First, {explanation} Second, the labels {spatial}",
                combined,
            )
        if _rule_exact_shape(regridded) == ("ok", "", ""):
            return None  # a pure grid mismatch is _rule_spatial's, which did not match
    return None


# --- public entry points ---------------------------------------------------------------


def diagnose_shapes(
    logits_shape: Sequence[int],
    labels_shape: Sequence[int],
    *,
    logits_dtype: object = None,
    labels_dtype: object = None,
    task: Task | Literal["auto"] = "auto",
    layout: Layout = "channels_last",
) -> Diagnosis:
    """Diagnose a logits/labels pair from shapes and (optionally) dtype names alone.

    `task="auto"` reads the task off the logits' channel axis: size 1 is binary, anything
    else multi-class. Pass it explicitly when the logits themselves may be the wrong shape.
    Dtypes may be torch or numpy dtypes or names (`"float32"`, `"torch.int64"`, `"u8"`).
    """
    if layout not in _LAYOUTS:
        raise ValueError(f"layout must be 'channels_last' or 'channels_first', not {layout!r}")
    if task not in _TASKS:
        raise ValueError(f"task must be 'binary', 'multiclass' or 'auto', not {task!r}")
    logits = tuple(int(d) for d in logits_shape)
    labels = tuple(int(d) for d in labels_shape)
    if task == "auto":
        axis = -1 if layout == "channels_last" else -3
        task = "binary" if len(logits) < 3 or logits[axis] == 1 else "multiclass"
    case = _Case(
        logits, labels, _short_dtype(logits_dtype), _short_dtype(labels_dtype), task, layout
    )
    finding = _find(case)
    if finding is None:
        return Diagnosis(
            "unrecognised",
            f"labels {case.show_labels()} do not fit logits {case.show_logits()} for a "
            f"{task} loss (`{case.logits_spec}`, labels "
            f"{format_shape(case.expected)}), and the mismatch is not one of the known "
            "mistakes. Compare where each dim of the labels comes from with the logits'.",
        )
    kind, explanation, fix = finding
    if kind == "ok":
        return Diagnosis(
            "ok",
            f"logits {case.show_logits()} and labels {case.show_labels()} fit the {task} "
            f"contract (`{case.logits_spec}`).",
        )
    return Diagnosis(kind, explanation, _fill(fix))


def diagnose(
    logits: Any,
    labels: Any,
    *,
    task: Task | Literal["auto"] = "auto",
    layout: Layout = "channels_last",
) -> Diagnosis:
    """Explain why `labels` do not fit `logits` for a segmentation loss, and how to fix it.

    Works on anything with `.shape` and `.dtype` (torch tensors, numpy arrays). When the
    shapes are right, also notices logits that are really probabilities: a tensor produced
    by `sigmoid` (binary) or `softmax` (multi-class), seen through view-like ops.
    """
    found = diagnose_shapes(
        tuple(logits.shape),
        tuple(labels.shape),
        logits_dtype=getattr(logits, "dtype", None),
        labels_dtype=getattr(labels, "dtype", None),
        task=task,
        layout=layout,
    )
    if not found.ok:
        return found
    producer = probability_producer(logits)
    if producer is not None:
        return probabilities_as_logits(producer)
    return found


# --- probabilities passed as logits ----------------------------------------------------

# Autograd nodes of ops that only move or copy elements: looking through them finds the
# op that computed the values.
_VIEW_NODES = frozenset({
    "ViewBackward0", "UnsafeViewBackward0", "ReshapeAliasBackward0", "PermuteBackward0",
    "TransposeBackward0", "CloneBackward0", "SqueezeBackward0", "SqueezeBackward1",
    "SqueezeBackward2", "UnsqueezeBackward0", "ToCopyBackward0", "ContiguousBackward0",
    "SelectBackward0", "SliceBackward0",
})  # fmt: skip
_PROBABILITY_NODES = {"SigmoidBackward0": "sigmoid", "SoftmaxBackward0": "softmax"}


def probability_producer(tensor: Any) -> str | None:
    """`"sigmoid"`/`"softmax"` if autograd recorded that op as the source of `tensor`'s values.

    Reads the autograd graph only (no device sync, no values). Tensors without a graph
    (inference under `no_grad`, numpy arrays) give None: this never guesses from values.
    """
    node = getattr(tensor, "grad_fn", None)
    for _ in range(8):
        if node is None:
            return None
        name = type(node).__name__
        if name in _PROBABILITY_NODES:
            return _PROBABILITY_NODES[name]
        if name not in _VIEW_NODES:
            return None
        parents = [parent for parent, _ in node.next_functions if parent is not None]
        if len(parents) != 1:
            return None
        node = parents[0]
    return None


def probabilities_as_logits(producer: str, function: str = "loss_fn") -> Diagnosis:
    loss = "BCE-with-logits" if producer == "sigmoid" else "cross-entropy"
    inner = "sigmoid" if producer == "sigmoid" else "log-softmax"
    return Diagnosis(
        "probabilities-as-logits",
        f"the logits were produced by `{producer}`, so they are probabilities: {loss} "
        f"applies {inner} itself, and applying it twice squashes every prediction into a "
        "narrow band, so the loss barely moves and gradients vanish, with no error. Pass "
        f"the raw scores from before the `{producer}`, and apply `{producer}` only when you "
        "need probabilities (metrics, thresholds, inference).",
        f"loss = {function}(scores, labels)  # scores: the model output before the "
        f"{producer}; drop a final nn.{producer.capitalize()} layer",
    )
