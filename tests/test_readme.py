"""The README tells the truth: its commands are what CI runs, and its tour output is what
the tour prints today (pasted from real runs, compared here on every test run)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def block_after(marker: str) -> str:
    """The fenced block that follows `<!-- marker -->` in the README."""
    match = re.search(rf"<!-- {re.escape(marker)} -->\s*```\w*\n(.*?)```", README, re.S)
    assert match, f"README has no block after <!-- {marker} -->"
    return match[1].rstrip("\n")


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in ci


def test_tour_runtime_output_matches_the_readme() -> None:
    result = subprocess.run(
        [sys.executable, "examples/tour.py"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 1
    report = result.stderr[result.stderr.index("shapeguard.ShapeError:") :].rstrip("\n")
    assert report == block_after("tour:runtime")


def test_tour_mypy_output_matches_the_readme(examples_mypy_output: str) -> None:
    findings = [line for line in examples_mypy_output.splitlines() if "examples/tour.py" in line]
    assert "\n".join(findings) == block_after("tour:mypy")


def test_tour_source_in_the_readme_is_the_example() -> None:
    source = (ROOT / "examples" / "tour.py").read_text()
    code = source[source.index("import torch") :].rstrip("\n")
    assert code in README
