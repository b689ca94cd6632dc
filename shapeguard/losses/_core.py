"""The arithmetic behind every typed loss, and the wrapper that explains their ShapeErrors.

The public functions (`_generic`, `grid23`) only carry contracts; they all end here. The
math is `torch.nn.functional`'s own fused kernels, called with the class axis where torch
expects it: numerical parity with torch is by construction, and what this module adds is
getting the layout right (channels-last logits flattened to `(M, n)`, never read with a
spatial axis as the classes) and refusing probabilities passed as logits.

Value checks on the labels (0/1, class index < n) need the values on the host, a device
sync; they run only when asked (`validate_labels=True`).
"""

import functools
import textwrap
from collections.abc import Callable
from typing import Any, Literal, TypeVar, cast

import torch
import torch.nn.functional as F
from torch import Tensor

from .._diagnose import (
    Diagnosis,
    Layout,
    Task,
    diagnose,
    format_shape,
    probabilities_as_logits,
    probability_producer,
)
from .._errors import ShapeError

Reduction = Literal["mean", "sum", "none"]
_REDUCTIONS = ("mean", "sum", "none")
_F = TypeVar("_F", bound=Callable[..., Any])


# --- the contract's error message, with the diagnosis appended ---------------------------


def explained(task: Task, layout: Layout) -> Callable[[_F], _F]:
    """Append `diagnose(logits, labels)` to a `ShapeError` from the checked function below.

    The runtime guard (`@check`) names the argument, the spec, the actual shape and the
    bindings; the diagnosis adds what the mismatch usually means and the line that fixes it.
    Errors that are not about the logits/labels pair (a `weight` of the wrong length) pass
    through unchanged.
    """

    def decorate(checked: _F) -> _F:
        @functools.wraps(checked)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return checked(*args, **kwargs)
            except ShapeError as error:
                if getattr(error, "_shapeguard_diagnosed", False):
                    raise
                logits = args[0] if args else kwargs.get("logits")
                labels = args[1] if len(args) > 1 else kwargs.get("labels")
                if not (hasattr(logits, "shape") and hasattr(labels, "shape")):
                    raise
                found = diagnose(logits, labels, task=task, layout=layout)
                if found.ok:
                    raise
                raise _diagnosed(with_diagnosis(str(error), found)) from None

        return cast(_F, wrapper)

    return decorate


def with_diagnosis(message: str, found: Diagnosis) -> str:
    """The runtime's message with the diagnosis in its own `label: text` layout.

    The diagnosis's fix replaces the runtime's generic one (it knows the task and layout),
    so a message never offers two different fixes.
    """
    lines = message.rstrip("\n").split("\n")
    if found.fix:
        lines = [line for line in lines if not line.startswith("  fix:")]
    indent = " " * 12
    lines.append(textwrap.fill(found.explanation, 96, initial_indent="  why:      ",
                               subsequent_indent=indent))  # fmt: skip
    if found.fix:
        lines.append(f"  fix:      {found.fix}")
    return "\n".join(lines)


def _diagnosed(message: str) -> ShapeError:
    error = ShapeError(message)
    error._shapeguard_diagnosed = True  # type: ignore[attr-defined]
    return error


def refuse_probabilities(logits: Tensor, function: str) -> None:
    """Raise if autograd says `logits` came straight out of a sigmoid or softmax.

    Reads `grad_fn` only: no values, no device sync. Skipped while torch.compile traces,
    where the graph is not the eager one.
    """
    if logits.grad_fn is None or torch.compiler.is_compiling():
        return
    producer = probability_producer(logits)
    if producer is not None:
        raise _diagnosed(
            with_diagnosis(
                f"{function}() takes logits, but its argument 'logits' {_summary(logits)} "
                f"is the output of {producer}",
                probabilities_as_logits(producer, function),
            )
        )


def _summary(tensor: Tensor) -> str:
    return format_shape(tuple(tensor.shape), tensor.dtype)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


# --- binary ------------------------------------------------------------------------------


def binary_cross_entropy(
    logits: Tensor,
    labels: Tensor,
    *,
    pos_weight: float | Tensor | None,
    reduction: str,
    validate_labels: bool,
    function: str,
) -> Tensor:
    """BCE on logits; `labels` already has exactly the logits' shape (the contract says so)."""
    _check_reduction(reduction)
    refuse_probabilities(logits, function)
    if validate_labels:
        _validate_binary(labels, function)
    weight: Tensor | None
    if pos_weight is None:
        weight = None
    elif isinstance(pos_weight, Tensor):
        weight = pos_weight.to(dtype=logits.dtype)
    else:
        # new_full fills on the logits' device: no host-to-device copy of a Python float.
        weight = logits.new_full((1,), float(pos_weight))
    return F.binary_cross_entropy_with_logits(
        logits, labels.to(dtype=logits.dtype), pos_weight=weight, reduction=reduction
    )


def _validate_binary(labels: Tensor, function: str) -> None:
    if labels.dtype == torch.bool:
        return
    bad = (labels != 0) & (labels != 1)
    if bool(bad.any()):  # the host sync the caller asked for
        examples = labels[bad][:5].tolist()
        raise ValueError(
            f"{function}(validate_labels=True): binary labels must be 0 or 1; found "
            f"{int(bad.sum())} other values, e.g. {examples}. Masks read from 8-bit images "
            "are 0/255: use `labels = (labels > 0).float()`."
        )


# --- multi-class -------------------------------------------------------------------------


def cross_entropy(
    logits: Tensor,
    labels: Tensor,
    *,
    channels_last: bool,
    weight: Tensor | None,
    ignore_index: int,
    label_smoothing: float,
    reduction: str,
    validate_labels: bool,
    function: str,
) -> Tensor:
    """Cross-entropy with the class axis last (`*batch h w n`) or at -3 (`*batch n h w`).

    `labels` are class indices (`*batch h w`, integer) or probabilities with the logits'
    shape (float); the contract has already told them apart by dtype and shape.
    """
    _check_reduction(reduction)
    refuse_probabilities(logits, function)
    class_axis = -1 if channels_last else -3
    classes = logits.shape[class_axis]
    indices = not labels.is_floating_point()
    if validate_labels:
        _validate_multiclass(labels, indices, classes, ignore_index, class_axis, function)
    target = labels.long() if indices else labels.to(dtype=logits.dtype)
    if weight is not None:
        weight = weight.to(dtype=logits.dtype)
    batch = logits.shape[: logits.dim() - 3]
    grid = logits.shape[-3:-1] if channels_last else logits.shape[-2:]

    if channels_last and logits.is_contiguous():
        # Rows of n contiguous scores: the fastest layout for log-softmax. Sums and means
        # over all cells do not depend on the cells' order.
        flat_logits = logits.reshape(-1, classes)
        flat_target = target.reshape(-1) if indices else target.reshape(-1, classes)
    else:
        # (B, n, h, w), the layout F.cross_entropy reads; for channels-last logits that were
        # permuted from a conv's channels-first output this is a view, not a copy.
        flat_logits = logits.reshape(-1, *logits.shape[-3:])
        if channels_last:
            flat_logits = flat_logits.movedim(-1, 1)
        if indices:
            flat_target = target.reshape(-1, *grid)
        else:
            flat_target = target.reshape(-1, *target.shape[-3:])
            if channels_last:
                flat_target = flat_target.movedim(-1, 1)
    loss = F.cross_entropy(
        flat_logits,
        flat_target,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
    if reduction == "none":
        return loss.reshape(*batch, *grid)
    return loss


def _validate_multiclass(
    labels: Tensor, indices: bool, classes: int, ignore_index: int, class_axis: int,
    function: str,
) -> None:  # fmt: skip
    if indices:
        bad = ((labels < 0) | (labels >= classes)) & (labels != ignore_index)
        if bool(bad.any()):  # the host sync the caller asked for
            examples = labels[bad][:5].tolist()
            raise ValueError(
                f"{function}(validate_labels=True): class indices must be in [0, {classes}) "
                f"or ignore_index={ignore_index}; found {int(bad.sum())} others, e.g. "
                f"{examples}. A mask with 255 for 'void' needs `ignore_index=255`."
            )
        return
    negative = bool((labels < 0).any())
    sums = labels.sum(dim=class_axis, dtype=torch.float32)
    off = float((sums - 1).abs().max()) if sums.numel() else 0.0
    if negative or off > 1e-3:
        raise ValueError(
            f"{function}(validate_labels=True): probability labels must be non-negative and "
            f"sum to 1 over the class axis; "
            + ("some are negative" if negative else f"sums are off by up to {off:.3g}")
            + ". If they are scores, apply `softmax` over the class axis first."
        )
