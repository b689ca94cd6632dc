"""Cost of `shapeguard check` over plain mypy with the plugin, and of `--trace`.

1. Static: a project (the examples and the CLI test cases) already in mypy's cache. Plain
   `mypy` with the shapeguard plugin and `shapeguard check` run as the user runs them (one
   process each, the same mypy configuration and cache), warm, alternately; medians.
   Budget: `shapeguard check` adds at most 20%.
2. Trace: a checked model whose real forward takes seconds on CPU; the time `--trace` spends
   on it (meta tensors) against one real forward. Budget: milliseconds.

    .venv/bin/python benchmarks/check_bench.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

MODEL = '''
import torch
from torch import Tensor, nn

from shapeguard import Float, check


class Deep(nn.Module):
    """24 3x3 convolutions at 64 channels: seconds per forward at 4x3x128x128 on CPU."""

    def __init__(self, depth: int = 24, width: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(3, width, 3, padding=1), nn.ReLU()]
        for _ in range(depth - 1):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(width, 1, 1)

    @check
    def forward(self, images: Float[Tensor, "b 3 h w"]) -> Float[Tensor, "b h w 1"]:
        return self.head(self.body(images)).permute(0, 2, 3, 1)
'''


def _run(cmd: list[str], cwd: Path) -> float:
    env = dict(os.environ, PYTHONPATH="")
    # As on a user's machine, imports read cached bytecode: some sandboxes set
    # PYTHONDONTWRITEBYTECODE, and then every run compiles shapeguard's modules anew.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return elapsed


def static(repeat: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="shapeguard-bench-"))
    try:
        for path in sorted((ROOT / "examples").glob("*.py")):
            shutil.copy(path, work)
        shutil.copy(ROOT / "tests" / "cli_cases" / "returns.py", work)
        (work / "mypy.ini").write_text(
            f"[mypy]\nplugins = shapeguard.mypy_plugin\nmypy_path = {ROOT}\n\n"
            "[mypy-shapeguard.*]\nignore_errors = True\n"
        )
        files = sorted(p.name for p in work.glob("*.py"))
        mypy = [str(BIN / "mypy"), "--config-file", "mypy.ini", *files]
        check = [str(BIN / "shapeguard"), "check", "--config-file", "mypy.ini", *files]
        cold = _run(check, work)
        _run(mypy, work)
        _run(check, work)
        plain, ours = [], []
        for _ in range(repeat):
            plain.append(_run(mypy, work))
            ours.append(_run(check, work))
        p, o = statistics.median(plain), statistics.median(ours)
        print(f"static: {len(files)} files, cold shapeguard check {cold:.1f} s")
        print(f"  warm mypy + plugin     median {p:.3f} s  (min {min(plain):.3f})")
        print(f"  warm shapeguard check  median {o:.3f} s  (min {min(ours):.3f})")
        print(f"  overhead {100 * (o / p - 1):+.1f}%  (budget +20%)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def trace(repeat: int) -> None:
    import torch

    from shapeguard._trace import trace_sources

    work = Path(tempfile.mkdtemp(prefix="shapeguard-bench-trace-"))
    try:
        (work / "deep_model.py").write_text(MODEL)
        sys.path.insert(0, str(work))
        import deep_model  # type: ignore[import-not-found]

        model = deep_model.Deep()
        images = torch.randn(4, 3, 128, 128)
        with torch.no_grad():
            start = time.perf_counter()
            out = model(images)
            real = time.perf_counter() - start
        sources = [("deep_model", str(work / "deep_model.py"), str(work))]
        times = []
        for _ in range(repeat):
            report = trace_sources(sources)
            (traced,) = report.traced
            assert not report.findings, report.findings
            times.append(traced.seconds)
        print(f"trace: real forward {tuple(images.shape)} -> {tuple(out.shape)}: {real:.2f} s")
        print(f"  --trace of Deep.forward ({traced.runs} run(s) on meta tensors): median "
              f"{1000 * statistics.median(times):.1f} ms (first {1000 * times[0]:.1f} ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", choices=("static", "trace"))
    args = parser.parse_args()
    if args.only != "trace":
        static(args.repeat)
    if args.only != "static":
        trace(args.repeat)


if __name__ == "__main__":
    main()
