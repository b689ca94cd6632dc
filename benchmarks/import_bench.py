"""Import cost: `import shapeguard` against `import jaxtyping, beartype`, fresh processes.

Each statement runs in a new interpreter N times (`-X frozen_modules=on`, no site tweaks);
the time is measured inside the process around the import alone, so interpreter start-up
is not counted (it is printed separately). Median and spread over the runs are printed.

    python benchmarks/import_bench.py            # N=21
    python benchmarks/import_bench.py -n 51 --json

The script also asserts the promise of DESIGN.md: `import shapeguard` imports neither torch
nor mypy (nor pytest).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CASES = {
    "interpreter start-up (python -c pass)": None,
    "import numpy": "import numpy",
    "import jaxtyping, beartype": "import jaxtyping, beartype",
    "import shapeguard": "import shapeguard",
    "from shapeguard import Float, check": "from shapeguard import Float, check",
    "import pytest": "import pytest",
    "import pytest, shapeguard._pytest_plugin": "import pytest, shapeguard._pytest_plugin",
    "import torch (for scale)": "import torch",
}

PROBE = """
import sys, time
t = time.perf_counter()
{statement}
elapsed = time.perf_counter() - t
print(elapsed)
print(",".join(m for m in ("torch", "mypy", "pytest") if m in sys.modules))
"""


def _once(statement: str | None) -> tuple[float, float, str]:
    code = "pass" if statement is None else PROBE.format(statement=statement)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    start = _now()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    wall = _now() - start
    if statement is None:
        return wall, wall, ""
    lines = out.stdout.splitlines()
    return float(lines[0]), wall, lines[1] if len(lines) > 1 else ""


def _now() -> float:
    import time

    return time.perf_counter()


def _pytest_startup(n: int) -> dict[str, float]:
    """`pytest --co` on an empty folder, with the shapeguard plugin and with it blocked."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as empty:
        for label, extra in (("pytest start, shapeguard plugin loaded", []),
                             ("pytest start, -p no:shapeguard", ["-p", "no:shapeguard"])):
            times = []
            for _ in range(n):
                start = _now()
                subprocess.run(
                    [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider",
                     *extra],
                    cwd=empty, capture_output=True, check=False,
                )
                times.append(_now() - start)
            out[label] = statistics.median(times)
    return out


def _own_modules() -> list[tuple[str, float]]:
    """`-X importtime`: self time of every module that `from shapeguard import Float, check`
    adds to `import jaxtyping, beartype` (one run each: enough to see what costs)."""

    def load(statement: str) -> dict[str, float]:
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", statement],
                             capture_output=True, text=True, check=True)
        times: dict[str, float] = {}
        for line in out.stderr.splitlines():
            parts = line.split("|")
            if line.startswith("import time:") and len(parts) == 3 and "self" not in line:
                times[parts[2].strip()] = int(parts[0].split(":")[1]) / 1000
        return times

    base = load("import jaxtyping, beartype")
    extra = {k: v for k, v in load("from shapeguard import Float, check").items() if k not in base}
    return sorted(extra.items(), key=lambda kv: -kv[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=21, help="runs per case (default 21)")
    parser.add_argument("--pytest", action="store_true", help="also time pytest start-up")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--breakdown", action="store_true",
                        help="also list the modules shapeguard adds, with -X importtime")
    args = parser.parse_args()

    results: dict[str, dict[str, float]] = {}
    for label, statement in CASES.items():
        runs = [_once(statement) for _ in range(args.n)]
        imported = {r[2] for r in runs}
        light = statement and "shapeguard" in statement and "pytest" not in statement
        if light and imported != {""}:
            raise SystemExit(f"{statement} pulled in {imported}: DESIGN.md forbids it")
        times = sorted(r[0] for r in runs)
        results[label] = {
            "median_ms": 1000 * statistics.median(times),
            "min_ms": 1000 * times[0],
            "p90_ms": 1000 * times[int(0.9 * (len(times) - 1))],
        }
    pytest_times = _pytest_startup(max(5, args.n // 3)) if args.pytest else {}

    if args.json:
        print(json.dumps({"python": sys.version.split()[0], "n": args.n, "imports": results,
                          "pytest_ms": {k: 1000 * v for k, v in pytest_times.items()}}, indent=2))
        return
    print(f"Python {sys.version.split()[0]}, {args.n} fresh processes per case, "
          "time of the import statement alone (start-up row: whole process)")
    print(f"{'case':<42}{'median':>10}{'min':>10}{'p90':>10}")
    for label, r in results.items():
        print(f"{label:<42}{r['median_ms']:>8.1f}ms{r['min_ms']:>8.1f}ms{r['p90_ms']:>8.1f}ms")
    jb = results["import jaxtyping, beartype"]["median_ms"]
    print()
    for label in ("import shapeguard", "from shapeguard import Float, check"):
        sg = results[label]["median_ms"]
        print(f"{label} / import jaxtyping, beartype = {sg / jb:.2f}x ({sg - jb:+.1f} ms)")
    print("torch, mypy, pytest: not imported by either shapeguard statement")
    plugin = results["import pytest, shapeguard._pytest_plugin"]["median_ms"]
    print(f"the pytest plugin, inert: {plugin - results['import pytest']['median_ms']:+.1f} ms "
          "over import pytest")
    for label, seconds in pytest_times.items():
        print(f"{label:<42}{1000 * seconds:>8.1f}ms (whole process, median)")
    if args.breakdown:
        own = _own_modules()
        total = sum(t for _, t in own)
        print(f"\nmodules shapeguard adds to jaxtyping+beartype ({total:.1f} ms self time, "
              "-X importtime):")
        for name, ms in own:
            print(f"  {name:<40}{ms:>7.1f}ms")


if __name__ == "__main__":
    main()
