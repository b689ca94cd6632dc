"""Editors: dmypy (what the VS Code mypy extension and others run) reports the plugin's
findings exactly as `mypy` does; `import shapeguard` (and the CLI module) stay free of mypy
and torch until a command needs them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CACHE = Path(tempfile.gettempdir()) / "shapeguard-cli-test-cache"
_LINE = re.compile(r"^(?P<loc>[^:]+:\d+:\d+): (?P<sev>error|note): (?P<msg>.*)$")


def _shape_lines(text: str) -> set[str]:
    out = set()
    for raw in text.splitlines():
        m = _LINE.match(raw)
        if m and m["sev"] == "error" and re.search(r"\[(shape|dtype|shape-spec)\]$", raw):
            out.add(f"{Path(m['loc'].split(':')[0]).name}:{':'.join(m['loc'].split(':')[1:])}: "
                    f"{m['msg']}")
    return out


def test_dmypy_matches_mypy(tmp_path: Path) -> None:
    for name in ("binary", "multiclass", "misaligned"):
        for kind in ("buggy", "fixed"):
            shutil.copy(EXAMPLES / f"{name}_{kind}.py", tmp_path)
    ini = tmp_path / "mypy.ini"
    ini.write_text(
        f"[mypy]\nplugins = shapeguard.mypy_plugin\nmypy_path = {ROOT}\ncache_dir = {CACHE}\n"
        "show_column_numbers = True\n\n[mypy-shapeguard.*]\nignore_errors = True\n"
    )
    files = sorted(p.name for p in tmp_path.glob("*.py"))
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PYTHONPATH="")
    mypy = subprocess.run([str(bindir / "mypy"), "--config-file", "mypy.ini", *files],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    status = tmp_path / "dmypy.json"
    dmypy = [str(bindir / "dmypy"), "--status-file", str(status)]
    try:
        daemon = subprocess.run(
            [*dmypy, "run", "--timeout", "300", "--", "--config-file", "mypy.ini", *files],
            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600,
        )
        # A second request to the warm daemon, as an editor sends on each save.
        again = subprocess.run([*dmypy, "check", *files], cwd=tmp_path, capture_output=True,
                               text=True, env=env, timeout=600)
    finally:
        subprocess.run([*dmypy, "stop"], cwd=tmp_path, capture_output=True, env=env, timeout=60)
    expected = _shape_lines(mypy.stdout)
    assert len(expected) == 3, mypy.stdout + mypy.stderr
    assert {line.split(":")[0] for line in expected} == {
        "binary_buggy.py", "multiclass_buggy.py", "misaligned_buggy.py"
    }
    assert _shape_lines(daemon.stdout) == expected, daemon.stdout + daemon.stderr
    assert _shape_lines(again.stdout) == expected, again.stdout + again.stderr


def test_imports_stay_light() -> None:
    code = (
        "import sys, shapeguard, shapeguard._cli, shapeguard._output\n"
        "heavy = sorted(m for m in ('mypy', 'torch') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_console_script_help_mentions_top_level_code() -> None:
    proc = subprocess.run([sys.executable, "-m", "shapeguard._cli", "check", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "top-level code" in proc.stdout
