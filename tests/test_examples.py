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
    # tour.py is the README's tour; tests/test_readme.py runs it and compares the output.
    assert programs == set(BUGGY) | set(FIXED) | {"train_segmentation.py", "tour.py"}


@pytest.mark.parametrize("name", sorted(BUGGY))
def test_buggy_example_is_caught_with_its_fix(name):
    result = _run(name)
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()
    assert any(line.startswith("shapeguard.ShapeError:") for line in last_line)
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


# --- statically: mypy with the shapeguard plugin, one run over the folder -----------------------

STATIC_CATCHES = {
    "binary_buggy.py": "grid23.binary_cross_entropy(logits, masks)",
    "multiclass_buggy.py": "grid23.cross_entropy(logits, labels.view(-1))",
    "misaligned_buggy.py": "grid23.cross_entropy(logits, labels)",
}


@pytest.fixture(scope="module")
def mypy_findings(examples_mypy_output: str) -> dict[str, set[int]]:
    findings: dict[str, set[int]] = {}
    for line in examples_mypy_output.splitlines():
        match = re.match(r".*?examples/(\w+\.py):(\d+): error: .*\[shape\]$", line)
        if match:
            findings.setdefault(match[1], set()).add(int(match[2]))
    return findings


def _line_of(name: str, text: str) -> int:
    lines = (EXAMPLES / name).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize("name", sorted(STATIC_CATCHES))
def test_buggy_example_is_caught_by_mypy(mypy_findings, name):
    assert mypy_findings.get(name) == {_line_of(name, STATIC_CATCHES[name])}


def test_fixed_examples_pass_mypy(mypy_findings):
    # binary_sigmoid_buggy.py is runtime-only: probabilities and logits have the same type.
    clean = [*FIXED, "train_segmentation.py", "binary_sigmoid_buggy.py"]
    assert {name: mypy_findings[name] for name in clean if name in mypy_findings} == {}
