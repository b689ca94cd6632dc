"""The plugin under mypy's other modes, and robustness over random input.

- a warm (incremental) run reports exactly what the cold run did;
- `--disable-error-code shape` silences `[shape]` only;
- dmypy reports what mypy reports;
- randomly generated annotations, calls and ops never crash mypy (hypothesis).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from test_mypy_plugin import CASES, CONFIG, ROOT, Finding, run_mypy

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

SCENARIOS = CASES / "scenarios.py"
CALLS = CASES / "calls.py"


def _key(findings: list[Finding]) -> list[tuple[str, int, str, str, str | None]]:
    return sorted((f.file, f.line, f.severity, f.message, f.code) for f in findings)


def test_incremental_equals_cold(tmp_path: Path) -> None:
    config = CONFIG + f"cache_dir = {tmp_path / 'cache'}\n"
    cold, raw = run_mypy([SCENARIOS, CALLS], "--cache-dir", str(tmp_path / "cache"), config=config)
    assert any(f.code == "shape" for f in cold), raw
    warm, _ = run_mypy([SCENARIOS, CALLS], "--cache-dir", str(tmp_path / "cache"), config=config)
    assert _key(warm) == _key(cold)


def test_incremental_after_edit_of_a_dependency(tmp_path: Path) -> None:
    """Changing a callee's contract in another module re-checks the caller from the cache."""
    pkg = tmp_path / "proj"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    lib = pkg / "lib.py"
    user = pkg / "user.py"
    lib.write_text(textwrap.dedent('''
        from torch import Tensor
        from shapeguard import Float
        def f(x: Float[Tensor, "b 23"]) -> Float[Tensor, "b"]: ...
    '''))
    user.write_text(textwrap.dedent('''
        import torch
        from proj.lib import f
        f(torch.zeros(4, 23))
    '''))
    cache = tmp_path / "cache"
    config = CONFIG.replace(f"mypy_path = {ROOT}", f"mypy_path = {ROOT}:{tmp_path}")
    first, raw = run_mypy([pkg], "--cache-dir", str(cache), config=config)
    assert not [f for f in first if f.code == "shape"], raw
    lib.write_text(lib.read_text().replace('"b 23"', '"b 22"'))
    second, raw = run_mypy([pkg], "--cache-dir", str(cache), config=config)
    assert [f.message for f in second if f.code == "shape"], raw


def test_disable_error_code(tmp_path: Path) -> None:
    found, raw = run_mypy([SCENARIOS], "--disable-error-code", "shape",
                          "--cache-dir", str(tmp_path / "c"))
    assert not [f for f in found if f.code == "shape"], raw
    assert [f for f in found if f.code == "dtype"], raw


def test_dmypy_matches_mypy(tmp_path: Path) -> None:
    dmypy = Path(sys.executable).with_name("dmypy")
    if not dmypy.exists():
        pytest.skip("dmypy not installed")
    ini = tmp_path / "mypy.ini"
    ini.write_text(CONFIG)
    target = tmp_path / "case.py"
    shutil.copy(SCENARIOS, target)
    status = tmp_path / "status.json"
    base = [str(dmypy), "--status-file", str(status)]
    try:
        proc = subprocess.run(
            [*base, "run", "--timeout", "120", "--", "--config-file", str(ini), str(target)],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )
        lines = proc.stdout.splitlines()
        daemon = {line for line in lines if "[shape]" in line or "[dtype]" in line}
    finally:
        subprocess.run([*base, "stop"], capture_output=True, timeout=60)
    plain, _ = run_mypy([target], "--cache-dir", str(tmp_path / "c"))
    expected = {f"{f.message}  [{f.code}]" for f in plain if f.code in ("shape", "dtype")}
    got = {line.split(": error: ", 1)[1] for line in daemon if ": error: " in line}
    assert expected, "the case file has findings"
    assert got == expected, proc.stdout + proc.stderr


# -- robustness -------------------------------------------------------------------------

_TOKENS = ["h", "w", "b", "n", "23", "1", "0", "*b", "...", "#c", "_", "h+1", "2*w", "h//2",
           "(h", "h)", "x,", "**", "/", "*", "#", "?h", "*_", "rgb=3", "*#b", "h-n", "(h-1)*2"]
_FAMILIES = ["Float", "Int", "Bool", "Shaped", "Float32", "Int64", "Integer", "Num", "UInt8"]

spec = st.lists(st.sampled_from(_TOKENS), max_size=5).map(" ".join)
family = st.sampled_from(_FAMILIES)
annotation = st.tuples(family, spec).map(lambda fs: f'{fs[0]}[Tensor, {fs[1]!r}]')
op = st.sampled_from([
    "{v}.squeeze({i})", "{v}.unsqueeze({i})", "{v}.view({i}, -1)", "{v}.reshape(-1)",
    "{v}.permute({i}, 0)", "{v}.transpose({i}, 0)", "{v}[{i}]", "{v}[..., {i}]", "{v}[:, None]",
    "{v}.sum(dim={i})", "{v}.mean({i}, keepdim=True)", "{v} + {w}", "{v} @ {w}", "{v} * 2",
    "torch.cat([{v}, {w}], dim={i})", "torch.stack([{v}, {w}])", "F.one_hot({v}, {i})",
    "F.cross_entropy({v}, {w})", "F.binary_cross_entropy_with_logits({v}, {w})",
    "F.mse_loss({v}, {w})", "{v}.expand({i}, -1)", "{v}.repeat({i}, 1)", "{v}.flatten({i})",
    "{v}.T", "{v}.long()", "{v}.to(torch.float16)", "torch.zeros({i}, {i})", "f0({v}, {w})",
    "f1({v})", "{v}.max()", "{v}.argmax(dim=-1)", "F.interpolate({v}, size=({i}, {i}))",
])


@st.composite
def program(draw: st.DrawFn) -> str:
    lines = [
        "import torch", "import torch.nn.functional as F", "from torch import Tensor",
        "from shapeguard import *", "from shapeguard import reveal_shape", "",
    ]
    for k in range(2):
        params = ", ".join(f"p{j}: {draw(annotation)}" for j in range(2 - k))
        lines.append(f"def f{k}({params}) -> {draw(annotation)}: ...")
    for n in range(draw(st.integers(1, 4))):
        names = [f"a{j}" for j in range(3)]
        params = ", ".join(f"{v}: {draw(annotation)}" for v in names)
        lines.append(f"def g{n}({params}) -> {draw(annotation)}:")
        for _ in range(draw(st.integers(1, 6))):
            text = draw(op).format(
                v=draw(st.sampled_from(names)), w=draw(st.sampled_from(names)),
                i=draw(st.integers(-3, 4)),
            )
            lines.append(f"    reveal_shape({text})")
        lines.append(f"    return {draw(op).format(v='a0', w='a1', i=0)}")
    return "\n".join(lines) + "\n"


@hypothesis.settings(max_examples=12, deadline=None, derandomize=True)
@hypothesis.given(program())
def test_random_programs_never_crash_mypy(source: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rand.py"
        path.write_text(source)
        _, raw = run_mypy([path])
    assert "INTERNAL ERROR" not in raw, source + raw
    assert "Traceback" not in raw, source + raw
