"""`shapeguard check` / `shapeguard explain`: the command line, end to end.

One project folder per session (the examples and tests/cli_cases copied in, a mypy.ini that
lists the plugin and a cache dir shared across sessions), one full `check` over it (the cold
mypy run, ~25 s the first time), then warm runs (< 2 s) for formats, exit codes and
configuration. `--trace` runs in a subprocess (it imports the user's modules).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mypy")

from shapeguard._cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CASES = Path(__file__).resolve().parent / "cli_cases"
CACHE = Path(tempfile.gettempdir()) / "shapeguard-cli-test-cache"

MYPY_INI = f"""\
[mypy]
plugins = shapeguard.mypy_plugin
mypy_path = {ROOT}
cache_dir = {CACHE}
warn_unused_ignores = True

[mypy-shapeguard.*]
ignore_errors = True
"""

SCENARIOS = ["binary", "multiclass", "misaligned"]
_EXPECT = re.compile(r"#\s*E:\s*(.*?)\s*(?:\[([a-z-]+)\])?\s*(?=#\s*E:|$)")


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "examples").mkdir()
    for name in SCENARIOS:
        for kind in ("buggy", "fixed"):
            shutil.copy(EXAMPLES / f"{name}_{kind}.py", root / "examples")
    shutil.copy(CASES / "returns.py", root / "returns.py")
    shutil.copytree(CASES / "trace_pkg", root / "trace_pkg")
    (root / "mypy.ini").write_text(MYPY_INI)
    return root


def run(args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        code = main(args)
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def full_run(project: Path) -> tuple[int, list[dict[str, Any]]]:
    """One check over everything, JSON output (the cold run)."""
    old = Path.cwd()
    os.chdir(project)
    try:
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = main(["check", "examples", "returns.py", "--config-file", "mypy.ini",
                         "--format", "json"])
    finally:
        os.chdir(old)
    return code, json.loads(buf.getvalue())


def _findings(full_run: tuple[int, list[dict[str, Any]]], path: str) -> list[dict[str, Any]]:
    return [f for f in full_run[1] if f["path"] == path]


# -- the three scenarios -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "expected", "actual"),
    [
        ("binary", 51, "*batch 23 23 1", "4 23 23"),
        ("multiclass", 55, "*batch 23 23", "2116"),
        ("misaligned", 54, "*batch 23 23", "4 22 22"),
    ],
)
def test_buggy_example_is_found(
    full_run: tuple[int, list[dict[str, Any]]], name: str, line: int, expected: str, actual: str
) -> None:
    found = _findings(full_run, f"examples/{name}_buggy.py")
    assert [(f["line"], f["code"], f["expected"], f["actual"]) for f in found] == [
        (line, "shape", expected, actual)
    ], found
    assert found[0]["column"] > 0
    assert "labels" in found[0]["message"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_fixed_example_is_clean(full_run: tuple[int, list[dict[str, Any]]], name: str) -> None:
    assert _findings(full_run, f"examples/{name}_fixed.py") == []


def test_exit_status_with_findings(full_run: tuple[int, list[dict[str, Any]]]) -> None:
    assert full_run[0] == 1


# -- the second pass ------------------------------------------------------------------------


def _expectations(path: Path) -> list[tuple[int, str, str | None]]:
    out = []
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if "# E:" in line:
            for text, code in _EXPECT.findall(line[line.index("# E:") :]):
                out.append((lineno, text.strip(), code or None))
    return out


RETURN_CASES = _expectations(CASES / "returns.py")


@pytest.mark.parametrize(("line", "text", "code"), RETURN_CASES,
                         ids=[f"returns.py:{c[0]}" for c in RETURN_CASES])
def test_second_pass_expectation(
    full_run: tuple[int, list[dict[str, Any]]], line: int, text: str, code: str | None
) -> None:
    found = [f for f in _findings(full_run, "returns.py") if f["line"] == line]
    assert any(text in f["message"] and (code is None or f["code"] == code) for f in found), found


def test_second_pass_nothing_unexpected(full_run: tuple[int, list[dict[str, Any]]]) -> None:
    lines = {line for line, _, _ in RETURN_CASES}
    unexpected = [f for f in _findings(full_run, "returns.py") if f["line"] not in lines]
    # Includes: no "unused type: ignore[shape]" for the ignore the second pass honours.
    assert unexpected == []


def test_second_pass_findings_have_shapes(full_run: tuple[int, list[dict[str, Any]]]) -> None:
    swapped = next(f for f in _findings(full_run, "returns.py") if '"swapped"' in f["message"])
    assert (swapped["expected"], swapped["actual"], swapped["source"]) == ("h b", "b h", "returns")


def test_warm_run_replays_second_pass_from_store(
    project: Path, full_run: tuple[int, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["check", "returns.py", "--config-file", "mypy.ini", "--format", "json"],
                       project, capsys)
    assert code == 1
    assert json.loads(out) == _findings(full_run, "returns.py")


def test_stale_store_rechecks(
    project: Path, full_run: tuple[int, list[dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    store = CACHE / "shapeguard-check.json"
    data = json.loads(store.read_text())
    data["modules"]["returns"]["stamp"] = "stale"
    data["modules"]["returns"]["findings"] = []
    store.write_text(json.dumps(data))
    code, out, _ = run(["check", "returns.py", "--config-file", "mypy.ini", "--format", "json"],
                       project, capsys)
    assert code == 1
    assert json.loads(out) == _findings(full_run, "returns.py")


# -- formats -------------------------------------------------------------------------------


def test_text_format_is_mypys(
    project: Path, full_run: object, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["check", "examples/misaligned_buggy.py", "--config-file", "mypy.ini"],
                       project, capsys)
    assert code == 1
    first = out.splitlines()[0]
    assert re.match(
        r'^examples/misaligned_buggy\.py:54:\d+: error: Argument "labels" to "cross_entropy" '
        r'has shape "4 22 22"; expected "\*batch 23 23": .*  \[shape\]$', first
    ), first
    assert out.splitlines()[-1] == "Found 1 shape error in 1 file"


def test_github_format(project: Path, full_run: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "examples/binary_buggy.py", "--config-file", "mypy.ini",
                        "--format", "github"], project, capsys)
    assert code == 1
    line = out.strip()
    assert line.startswith("::error file=examples/binary_buggy.py,line=51,col=")
    assert "title=shapeguard [shape]::" in line
    assert "\n" not in line


def test_clean_run_exit_zero(project: Path, full_run: object,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "examples/binary_fixed.py", "examples/multiclass_fixed.py",
                        "--config-file", "mypy.ini"], project, capsys)
    assert (code, out) == (0, "Success: no shape issues found\n")


# -- usage errors: exit 2 with a message, no traceback ------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "does_not_exist.py"], "no such file or directory: does_not_exist.py"),
        (["check", "returns.py", "--config-file", "nope.ini"], "no such config file"),
        (["check", "returns.py", "--format", "xml"], "invalid choice: 'xml'"),
        (["check", "returns.py", "--factory", "oops"], "CLASS=MODULE:FUNCTION"),
        (["explain", "--logits", "1,a", "--labels", "1"], "is not a shape"),
        ([], "usage"),
    ],
)
def test_usage_errors(project: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                      message: str) -> None:
    old = Path.cwd()
    os.chdir(project)
    try:
        try:
            code = main(args)
        except SystemExit as exc:  # argparse exits by itself
            code = exc.code  # type: ignore[assignment]
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_syntax_error_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "mypy.ini").write_text(MYPY_INI)
    code, _, err = run(["check", "broken.py", "--config-file", "mypy.ini"], tmp_path, capsys)
    assert code == 2
    assert "broken.py:1" in err
    assert "Traceback" not in err


# -- configuration -------------------------------------------------------------------------


def test_pyproject_settings_and_overrides(
    project: Path, full_run: object, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.shapeguard]\npaths = ["examples/misaligned_buggy.py"]\nformat = "json"\n'
        'config-file = "mypy.ini"\n'
    )
    try:
        code, out, _ = run(["check"], project, capsys)
        assert code == 1
        assert [f["path"] for f in json.loads(out)] == ["examples/misaligned_buggy.py"]
        code, out, _ = run(["check", "--format", "text", "examples/binary_fixed.py"], project,
                           capsys)
        assert (code, out) == (0, "Success: no shape issues found\n")
        (project / "pyproject.toml").write_text('[tool.shapeguard]\nstrictness = "high"\n')
        code, _, err = run(["check"], project, capsys)
        assert code == 2
        assert "unknown key(s) in [tool.shapeguard]: strictness" in err
    finally:
        (project / "pyproject.toml").unlink()


def test_plugin_added_when_config_lacks_it(
    project: Path, full_run: object, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = project / "noplugin.ini"
    ini.write_text(MYPY_INI.replace("plugins = shapeguard.mypy_plugin\n", ""))
    code, out, _ = run(["check", "examples/misaligned_buggy.py", "--config-file", str(ini)],
                       project, capsys)
    assert code == 1
    assert "[shape]" in out


def test_blinding_import_errors_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without shapeguard importable, every contract is unknown: say so, don't pass."""
    (tmp_path / "m.py").write_text("from shapeguard import Float\n")
    (tmp_path / "mypy.ini").write_text(
        f"[mypy]\ncache_dir = {CACHE / 'blind'}\nno_site_packages = True\n"
    )
    code, out, _ = run(["check", "m.py", "--config-file", "mypy.ini"], tmp_path, capsys)
    assert code == 1
    assert 'module named "shapeguard"' in out


# -- explain -------------------------------------------------------------------------------


def test_explain_spatial(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", "--logits", "1,23,23,1", "--labels", "1,22,22,1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "fix: labels = shapeguard.align_labels(labels, like=logits)" in out


def test_explain_matches_diagnose(capsys: pytest.CaptureFixture[str]) -> None:
    from shapeguard._diagnose import diagnose_shapes

    code = main(["explain", "--logits", "4,23,23,5", "--labels", "2116", "--task", "multiclass",
                 "--labels-dtype", "int64"])
    out = capsys.readouterr().out
    expected = diagnose_shapes((4, 23, 23, 5), (2116,), labels_dtype="int64", task="multiclass")
    assert code == 1
    assert out == f"{expected}\n"


def test_explain_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explain", "--logits", "2,23,23,1", "--labels", "2,23,23,1"])
    assert code == 0
    assert "fit" in capsys.readouterr().out


# -- --trace -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def trace_run(project: Path, full_run: object) -> list[dict[str, Any]]:
    """`check trace_pkg --trace`, JSON output: the findings (exit status 1)."""
    env = dict(os.environ, PYTHONPATH="")
    proc = subprocess.run(
        [sys.executable, "-m", "shapeguard._cli", "check", "trace_pkg", "--config-file",
         "mypy.ini", "--trace", "--format", "json",
         "--factory", "trace_pkg.models:Needy=trace_pkg.models:make_needy"],
        cwd=project, capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    found: list[dict[str, Any]] = json.loads(proc.stdout)
    return found


def _trace_expectations(name: str) -> set[tuple[int, str]]:
    expected = set()
    for lineno, line in enumerate((CASES / "trace_pkg" / name).read_text().splitlines(),
                                  start=1):
        if "# TRACE: shape" in line:
            expected.add((lineno, "error"))
        elif "# TRACE: note" in line:
            expected.add((lineno, "note"))
    return expected


def _traced(found: list[dict[str, Any]], name: str) -> set[tuple[int, str]]:
    return {(f["line"], f["severity"]) for f in found
            if f["source"] == "trace" and f["path"] == f"trace_pkg/{name}"}


def test_trace(trace_run: list[dict[str, Any]]) -> None:
    found = trace_run
    assert _traced(found, "models.py") == _trace_expectations("models.py"), found
    messages = " ".join(f["message"] for f in found if f["source"] == "trace")
    assert "b=13" in messages  # sizes are named in the message
    assert "Needy" not in messages  # traced through its factory, and correct


def _line_ending(name: str, text: str) -> int:
    lines = (CASES / "trace_pkg" / name).read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.endswith(text))


@pytest.mark.parametrize("comment", ["# type: ignore[shape]", "  # type: ignore"])
def test_trace_honours_type_ignore(trace_run: list[dict[str, Any]], comment: str) -> None:
    line = _line_ending("ignores.py", comment)
    assert not [f for f in trace_run if f["source"] == "trace" and f["line"] == line
                and f["path"] == "trace_pkg/ignores.py"], trace_run


def test_trace_other_code_and_strings_still_report(trace_run: list[dict[str, Any]]) -> None:
    # `# type: ignore[dtype]` does not cover a shape finding; a "# type: ignore" inside a
    # string is not a comment.
    assert _traced(trace_run, "ignores.py") == _trace_expectations("ignores.py"), trace_run
    assert (_line_ending("ignores.py", "# type: ignore[dtype]  # TRACE: shape"), "error") in (
        _traced(trace_run, "ignores.py"))


def test_ignored_lines_reads_comments_not_strings(tmp_path: Path) -> None:
    from shapeguard._output import ignored_lines, is_ignored

    source = tmp_path / "m.py"
    source.write_text(
        'a = 1  # type: ignore[shape, dtype]  # why\n'
        'b = "# type: ignore"\n'
        'c = 1  #type:ignore\n'
        'd = 1  # type: ignore[dtype]\n'
        'e = 1  # type: ignored\n'
        'f = 1  # noqa  # type: ignore\n'
        'g = 1  # type: ignore junk\n'
    )
    found = ignored_lines(str(source))
    assert found == {1: ["shape", "dtype"], 3: [], 4: ["dtype"]}
    assert [is_ignored(found, line, "shape") for line in range(1, 8)] == [
        True, False, True, False, False, False, False]
    assert ignored_lines(str(tmp_path / "missing.py")) == {}
