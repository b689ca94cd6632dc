"""Static tests: mypy runs ONCE over tests/static/ with the plugin; each inline expectation
(`# E: <text> [code]`, `# N: <text>`) is one test, and each case file also asserts that it
produced no finding it did not expect (zero false positives on correct code).

An expectation's text must be contained in a message mypy printed on that line with the same
severity and code. Several expectations on one line: `# E: a [shape] # E: b [dtype]`.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).resolve().parent / "static"
CACHE = Path(tempfile.gettempdir()) / "shapeguard-mypy-static-cache"

CONFIG = f"""\
[mypy]
plugins = shapeguard.mypy_plugin
mypy_path = {ROOT}:{CASES}
show_error_codes = True
no_error_summary = True
show_column_numbers = False
warn_unused_ignores = True
disable_error_code = empty-body

[mypy-shapeguard.*]
ignore_errors = True
"""

_EXPECT = re.compile(r"#\s*([EN]):\s*(.*?)\s*(?:\[([a-z-]+)\])?\s*(?=#\s*[EN]:|$)")
_OUTPUT = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+): (?P<sev>error|note): (?P<msg>.*?)"
    r"(?:  \[(?P<code>[a-z-]+)\])?$"
)


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    severity: str  # "E" or "N"
    message: str
    code: str | None


def run_mypy(paths: list[Path], *extra: str, config: str = CONFIG) -> tuple[list[Finding], str]:
    CACHE.mkdir(parents=True, exist_ok=True)
    ini = CACHE / "mypy.ini"
    ini.write_text(config)
    stdout, stderr, _status = mypy_api.run(
        ["--config-file", str(ini), "--cache-dir", str(CACHE / "cache"), *extra,
         *[str(p) for p in paths]]
    )
    findings = []
    for raw in stdout.splitlines():
        m = _OUTPUT.match(raw)
        if m is None:
            continue
        findings.append(
            Finding(
                _relative(m["path"]), int(m["line"]), "E" if m["sev"] == "error" else "N",
                m["msg"], m["code"],
            )
        )
    return findings, stdout + stderr


def _relative(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(CASES).as_posix()
    except ValueError:
        return Path(path).as_posix()


def expectations(path: Path) -> list[Finding]:
    out = []
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if "# E:" not in line and "# N:" not in line:
            continue
        starts = [i for i in (line.find("# E:"), line.find("# N:")) if i >= 0]
        comment = line[min(starts) :]
        for sev, text, code in _EXPECT.findall(comment):
            out.append(Finding(_relative(str(path)), lineno, sev, text.strip(), code or None))
    return out


CASE_FILES = sorted(CASES.rglob("*.py"))
ALL_EXPECTED = [e for p in CASE_FILES for e in expectations(p)]


@pytest.fixture(scope="session")
def mypy_output() -> tuple[list[Finding], str]:
    return run_mypy([p for p in CASE_FILES if p.parent == CASES] + [CASES / "segcorpus"])


def _matches(expected: Finding, actual: Finding) -> bool:
    return (
        expected.file == actual.file
        and expected.line == actual.line
        and expected.severity == actual.severity
        and expected.message in actual.message
        and (expected.code is None or expected.code == actual.code)
    )


@pytest.mark.parametrize(
    "expected", ALL_EXPECTED, ids=[f"{e.file}:{e.line}:{e.message[:40]}" for e in ALL_EXPECTED]
)
def test_expectation(expected: Finding, mypy_output: tuple[list[Finding], str]) -> None:
    findings, raw = mypy_output
    if not any(_matches(expected, f) for f in findings):
        near = [f for f in findings if f.file == expected.file and f.line == expected.line]
        pytest.fail(f"expected {expected} not found; on that line: {near}\n{raw[-3000:]}")


def _is_checked(f: Finding) -> bool:
    """Findings that must all be expected: errors, and reveal_shape notes."""
    return f.severity == "E" or f.message.startswith("Revealed shape")


CASE_IDS = [_relative(str(p)) for p in CASE_FILES]


@pytest.mark.parametrize("case", CASE_FILES, ids=CASE_IDS)
def test_no_unexpected_findings(case: Path, mypy_output: tuple[list[Finding], str]) -> None:
    findings, _ = mypy_output
    expected = expectations(case)
    unexpected = [
        f for f in findings
        if f.file == _relative(str(case))
        and _is_checked(f)
        and not any(_matches(e, f) for e in expected)
    ]
    assert not unexpected, "\n".join(
        f"{f.file}:{f.line}: {f.severity}: {f.message} [{f.code}]" for f in unexpected
    )


def test_mypy_did_not_crash(mypy_output: tuple[list[Finding], str]) -> None:
    _, raw = mypy_output
    assert "INTERNAL ERROR" not in raw
    assert "Traceback" not in raw


def test_unsupported_mypy_major_gets_an_inactive_plugin(capsys: pytest.CaptureFixture[str]) -> None:
    from mypy.plugin import Plugin

    from shapeguard import mypy_plugin

    assert mypy_plugin.plugin("2.4.1") is mypy_plugin.ShapeguardPlugin
    inactive = mypy_plugin.plugin("3.0.0")
    assert inactive is not mypy_plugin.ShapeguardPlugin
    assert issubclass(inactive, Plugin)
    assert "mypy 3.0.0 is not supported" in capsys.readouterr().err
