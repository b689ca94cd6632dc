"""Coexistence with the tools users already run: pyright (Pylance's engine) and ruff.

Both run on tests/sample_pkgs/sg_coexist, copied into a temporary folder: `annotated.py`
uses every form of contract and must get no finding; `control.py` holds real mistakes that
must still be found, so that a quiet run proves something.

pyright comes from PyPI (`pip install pyright`: the wheel bundles pyright and runs it on
Node.js); without it, or without Node.js, the pyright tests skip and say so.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COEXIST = ROOT / "tests" / "sample_pkgs" / "sg_coexist"

# The settings the README recommends. F722: pyflakes reads "b h w" as a broken forward
# reference. UP037: with `from __future__ import annotations`, pyupgrade would unquote a
# one-word shape ("n" -> n). F821 stays on: write a one-word or expression shape with a
# leading space (" n", " h*w"), which shapeguard's parser (and jaxtyping's) ignores.
RUFF_SETTINGS = """\
[lint]
select = ["E", "F", "UP"]
ignore = ["F722", "UP037"]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for source in COEXIST.glob("*.py"):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


# --- pyright ---------------------------------------------------------------------------


def _pyright() -> list[str]:
    try:
        import pyright  # noqa: F401
    except ImportError:
        pytest.skip("pyright is not installed: pip install pyright (it bundles pyright's JS)")
    if shutil.which("node") is None:
        pytest.skip("pyright needs Node.js on PATH (node >= 14); none found")
    return [sys.executable, "-m", "pyright"]


def _run_pyright(project: Path, mode: str) -> list[dict[str, object]]:
    config = {
        "pythonVersion": f"{sys.version_info.major}.{sys.version_info.minor}",
        "typeCheckingMode": mode,
        "extraPaths": [str(ROOT)],
    }
    (project / "pyrightconfig.json").write_text(json.dumps(config))
    result = subprocess.run(
        [*_pyright(), "--outputjson", "--pythonpath", sys.executable, "."],
        cwd=project, capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.skip(f"pyright did not run here (offline without its JS?): {result.stderr[-500:]}")
    diagnostics: list[dict[str, object]] = report["generalDiagnostics"]
    return diagnostics


def _findings(diagnostics: list[dict[str, object]], filename: str) -> list[str]:
    return [
        f"{d['range']['start']['line'] + 1}: {d['severity']}: {d['message']}"  # type: ignore[index]
        for d in diagnostics
        if Path(str(d["file"])).name == filename and d["severity"] in ("error", "warning")
    ]


@pytest.mark.parametrize("mode", ["standard", "strict"])
def test_pyright_is_quiet_on_contracts(project: Path, mode: str) -> None:
    diagnostics = _run_pyright(project, mode)
    assert _findings(diagnostics, "annotated.py") == []
    if mode == "standard":
        found = _findings(diagnostics, "control.py")
        assert any('"undefined_name" is not defined' in f for f in found), found
        # `Float[Tensor, "b n"]` is plain `Tensor` to pyright: a str argument is an error
        assert any(f.startswith("14:") and '"Tensor"' in f for f in found), found
        assert any(f.startswith("18:") and '"int"' in f for f in found), found


# --- ruff ------------------------------------------------------------------------------


def _ruff(project: Path, settings: str) -> list[str]:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install ruff)")
    (project / "ruff.toml").write_text("line-length = 100\n" + settings)
    result = subprocess.run(
        [ruff, "check", "--no-cache", "--output-format", "concise", "--config",
         str(project / "ruff.toml"), "."],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )
    return [line for line in result.stdout.splitlines() if ".py:" in line]


def test_recommended_ruff_settings_silence_shape_strings_only(project: Path) -> None:
    findings = _ruff(project, RUFF_SETTINGS)
    assert [f for f in findings if f.startswith("annotated.py")] == []
    control = [f for f in findings if f.startswith("control.py")]
    assert len(control) == 1, control
    assert "F821" in control[0]
    assert "undefined_name" in control[0]  # a real undefined name is still reported


def test_without_the_settings_ruff_flags_shape_strings(project: Path) -> None:
    findings = _ruff(project, '[lint]\nselect = ["E", "F", "UP"]\n')
    codes = {f.split()[1] for f in findings if f.startswith("annotated.py")}
    assert "F722" in codes, findings


def test_unquoting_a_one_word_shape_is_what_up037_would_do(project: Path) -> None:
    """Why UP037 is in the settings: its fix turns a one-word shape into a bare name."""
    (project / "one_word.py").write_text(
        "from __future__ import annotations\n\n"
        "import numpy as np\n\nfrom shapeguard import Float\n\n\n"
        'def f(x: Float[np.ndarray, "n"]) -> None:\n    pass\n'
    )
    findings = _ruff(project, '[lint]\nselect = ["F", "UP"]\nignore = ["F722"]\n')
    one_word = {f.split()[1] for f in findings if f.startswith("one_word.py")}
    assert one_word == {"UP037", "F821"}, findings
    # With the settings, UP037 is off; F821 remains, and the leading space fixes it.
    with_settings = {f.split()[1] for f in _ruff(project, RUFF_SETTINGS) if "one_word" in f}
    assert with_settings == {"F821"}
    source = (project / "one_word.py").read_text()
    (project / "one_word.py").write_text(source.replace('"n"', '" n"'))
    assert [f for f in _ruff(project, RUFF_SETTINGS) if "one_word" in f] == []
