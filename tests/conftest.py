"""Fixtures shared by test modules: one mypy run over examples/ for every test that needs it
(cold mypy over code importing torch costs ~25 s)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def examples_mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """mypy's output, with the shapeguard plugin, over every program in examples/,
    run from the repository root (paths read `examples/<name>.py`)."""
    pytest.importorskip("mypy")
    workdir = tmp_path_factory.mktemp("mypy-examples")
    config = workdir / "mypy.ini"
    config.write_text("[mypy]\nplugins = shapeguard.mypy_plugin\nfollow_imports = silent\n")
    programs = sorted(str(p.relative_to(ROOT)) for p in EXAMPLES.glob("*.py"))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config),
         "--cache-dir", str(workdir / "cache"), *programs],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr  # 2: mypy crashed
    return result.stdout
