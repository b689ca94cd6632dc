# ruff: noqa: E501  (the generated code templates are long lines)
"""Static cost of the shapeguard mypy plugin: plain mypy vs mypy + plugin, cold and warm.

Generates a shape-heavy multi-module project (>= 5,000 lines: annotated layers, losses,
calls across modules, tensor ops), then times, in one run and in fresh processes:

- cold: empty cache;
- warm: the same command again, nothing changed;
- warm after edit: one leaf module's body changed, the rest from the cache.

    .venv/bin/python benchmarks/static_bench.py [--modules 24] [--repeat 3]

Prints the times and the plugin/plain ratios (target: warm <= 1.25x plain).
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

HEADER = '''\
"""Generated module {k} of the shapeguard static benchmark."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from jaxtyping import Bool, Float, Int
from torch import Tensor, nn

{imports}

'''

BLOCK = '''\
def block{k}_{i}(x: Float[Tensor, "b c h w"], w: Float[Tensor, "c d"]) -> Float[Tensor, "b h w d"]:
    y = x.permute(0, 2, 3, 1)
    z = y @ w
    return z + 1.0


def loss{k}_{i}(logits: Float[Tensor, "b h w n"], labels: Int[Tensor, "b h w"]) -> Float[Tensor, ""]:
    flat = logits.reshape(-1, logits.shape[-1])
    return F.cross_entropy(flat, labels.reshape(-1))


def binary{k}_{i}(logits: Float[Tensor, "b 23 23 1"], mask: Bool[Tensor, "b 23 23"]) -> Float[Tensor, ""]:
    target = mask.float().unsqueeze(-1)
    return F.binary_cross_entropy_with_logits(logits, target)


def pool{k}_{i}(x: Float[Tensor, "b c h w"]) -> Float[Tensor, "b c"]:
    return x.mean(dim=(2, 3))


def run{k}_{i}() -> Float[Tensor, ""]:
    x = torch.randn(4, 8, 23, 23)
    w = torch.randn(8, 5)
    logits = block{k}_{i}(x, w)
    labels = torch.randint(0, 5, (4, 23, 23))
    total = loss{k}_{i}(logits, labels)
    feats = pool{k}_{i}(x)
    scores = torch.softmax(feats @ torch.randn(8, 3), dim=-1)
    picked = scores.argmax(dim=-1)
    onehot = F.one_hot(picked, 3).float()
    total = total + (onehot * scores).sum() + binary{k}_{i}(logits[..., :1], labels > 0)
    {cross}
    return total


class Net{k}_{i}(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, images: Float[Tensor, "b 3 h w"]) -> Float[Tensor, "b 8 h w"]:
        return torch.relu(self.conv(images))


def use_net{k}_{i}(net: Net{k}_{i}, images: Float[Tensor, "b 3 23 23"]) -> Float[Tensor, "b 8"]:
    feats = net(images)
    return pool{k}_{i}(feats)


'''


def generate(root: Path, modules: int, blocks: int) -> int:
    pkg = root / "benchproj"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    lines = 0
    for k in range(modules):
        imports = f"from benchproj.m{k - 1} import run{k - 1}_0, block{k - 1}_0" if k else ""
        parts = [HEADER.format(k=k, imports=imports)]
        for i in range(blocks):
            cross = (
                f"total = total + run{k - 1}_0() + block{k - 1}_0(x, w).sum()"
                if k and i == 0 else "total = total * 1.0"
            )
            parts.append(BLOCK.format(k=k, i=i, cross=cross))
        text = "".join(parts)
        (pkg / f"m{k}.py").write_text(text)
        lines += text.count("\n")
    return lines


def config(root: Path, plugin: bool) -> Path:
    ini = root / ("plugin.ini" if plugin else "plain.ini")
    text = f"[mypy]\nmypy_path = {ROOT}:{root}\n"
    if plugin:
        text += "plugins = shapeguard.mypy_plugin\n"
    text += "\n[mypy-shapeguard.*]\nignore_errors = True\n"
    ini.write_text(text)
    return ini


# As on a user's machine, imports read cached bytecode: some sandboxes set
# PYTHONDONTWRITEBYTECODE, and then every mypy process compiles the plugin's modules anew.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(root: Path, ini: Path, cache: Path) -> tuple[float, str]:
    mypy = Path(sys.executable).with_name("mypy")
    start = time.perf_counter()
    proc = subprocess.run(
        [str(mypy), "--config-file", str(ini), "--cache-dir", str(cache), str(root / "benchproj")],
        capture_output=True, text=True, cwd=root, env=ENV,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1) or "INTERNAL ERROR" in proc.stdout + proc.stderr:
        raise SystemExit(proc.stdout + proc.stderr)
    return elapsed, proc.stdout


def import_cost(repeat: int) -> float:
    """Seconds a fresh process spends importing the plugin beyond what mypy imports anyway
    (`import shapeguard` loads names lazily, so this is the plugin and the parser)."""
    code = (
        "import time, mypy.plugin, mypy.nodes, mypy.types, mypy.checker;"
        "t = time.perf_counter(); import shapeguard.mypy_plugin;"
        "print(time.perf_counter() - t)"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env=ENV).stdout)
        for _ in range(repeat)
    ]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modules", type=int, default=26)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lines = generate(root, args.modules, args.blocks)
        print(f"generated project: {args.modules} modules, {lines} lines")
        results: dict[str, dict[str, float]] = {}
        for name, plugin in (("plain", False), ("plugin", True)):
            ini = config(root, plugin)
            cache = root / f"cache-{name}"
            cold, out = run(root, ini, cache)
            warm = [run(root, ini, cache)[0] for _ in range(args.repeat)]
            edits = []
            leaf = root / "benchproj" / f"m{args.modules - 1}.py"
            original = leaf.read_text()
            for r in range(args.repeat):
                leaf.write_text(original.replace("total * 1.0", f"total * {r + 2}.0", 1))
                edits.append(run(root, ini, cache)[0])
            leaf.write_text(original)
            run(root, ini, cache)
            results[name] = {
                "cold": cold,
                "warm": statistics.median(warm),
                "warm after edit": statistics.median(edits),
            }
            findings = out.count("[shape]") + out.count("[dtype]")
            print(f"{name:>6}: " + ", ".join(f"{k} {v:.2f}s" for k, v in results[name].items())
                  + (f"  ({findings} shape/dtype findings)" if plugin else ""))
            shutil.rmtree(cache, ignore_errors=True)
        cost = import_cost(args.repeat)
        print(f"one-off plugin import per mypy process: {cost:.2f}s")
        for key in ("cold", "warm", "warm after edit"):
            ratio = results["plugin"][key] / results["plain"][key]
            net = (results["plugin"][key] - cost) / results["plain"][key]
            print(f"ratio plugin/plain, {key}: {ratio:.2f}x (without the import: {net:.2f}x)")


if __name__ == "__main__":
    main()
