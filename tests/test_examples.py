"""Run every program in examples/ as a newcomer would, in a subprocess.

Buggy programs must end with a `ShapeError` whose message carries the line that fixes
them; fixed programs must run clean; the training example must lower its loss.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

BUGGY = {
    "binary_buggy.py": "fix:      labels = labels.unsqueeze(-1)",
    "binary_sigmoid_buggy.py": "fix:      loss = grid23.binary_cross_entropy(scores, labels)",
    "multiclass_buggy.py": "fix:      labels = labels.view(logits.shape[:-1])",
    "misaligned_buggy.py": "fix:      labels = shapeguard.align_labels(labels, like=logits)",
}
FIXED = ["binary_fixed.py", "multiclass_fixed.py", "misaligned_fixed.py"]


def _run(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=EXAMPLES.parent,
    )


def test_every_example_is_covered():
    programs = {p.name for p in EXAMPLES.glob("*.py")}
    assert programs == set(BUGGY) | set(FIXED) | {"train_segmentation.py"}


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_example_is_caught_with_its_fix(name):
    result = _run(name)
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()
    assert any(line.startswith("shapeguard._errors.ShapeError:") for line in last_line)
    assert BUGGY[name] in result.stderr, result.stderr
    assert "why:" in result.stderr
    assert "loss " not in result.stdout  # the error came before any loss was computed


def _learned(stdout: str) -> bool:
    first, last = map(float, re.findall(r"loss ([0-9.]+) -> ([0-9.]+)", stdout)[0])
    return last < first


@pytest.mark.parametrize("name", FIXED)
def test_fixed_example_runs_clean(name):
    result = _run(name)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr
    assert "Warning" not in result.stderr
    assert "loss" in result.stdout
    if name == "misaligned_fixed.py":
        assert "(4, 22, 22) -> (4, 23, 23), classes kept: True" in result.stdout
    else:
        assert _learned(result.stdout), result.stdout


def test_training_example_loss_decreases():
    result = _run("train_segmentation.py", "30")
    assert result.returncode == 0, result.stderr
    first, last = map(
        float, re.findall(r"first 5 steps ([0-9.]+), of the last 5 ([0-9.]+)", result.stdout)[0]
    )
    assert last < 0.8 * first
