"""Runtime overhead of @shapeguard.check against a plain call, hand-written asserts, and
jaxtyping + beartype, on the same signatures, measured in one process.

    python benchmarks/runtime_bench.py [--json out.json] [--check-targets]

Prints median per-call time over repeated rounds (µs) and the ratios the project targets:
shapeguard <= 2x hand-written asserts and <= 1/10 of jaxtyping+beartype on every signature;
decorating a function once <= 100 µs. `--check-targets` exits 1 when a target is missed.
"""

import argparse
import json
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import torch
from beartype import beartype
from jaxtyping import Float, jaxtyped
from torch import Tensor

import shapeguard

FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
SCALAR = torch.tensor(0.0)


def signatures() -> dict[str, dict[str, Any]]:
    """Each entry: the plain function, the hand-checked one, and (args) to call them with."""

    # --- "b 23 23 1" x2 -> "" ---------------------------------------------------------
    def grid(
        logits: Float[Tensor, "b 23 23 1"], labels: Float[Tensor, "b 23 23 1"]
    ) -> Float[Tensor, ""]:
        return SCALAR

    def grid_hand(logits: Tensor, labels: Tensor) -> Tensor:
        s = logits.shape
        assert len(s) == 4 and s[1] == 23 and s[2] == 23 and s[3] == 1 and logits.dtype in FLOATS
        t = labels.shape
        assert len(t) == 4 and t[0] == s[0] and t[1] == 23 and t[2] == 23 and t[3] == 1
        assert labels.dtype in FLOATS
        out = SCALAR
        assert out.ndim == 0 and out.dtype in FLOATS
        return out

    # --- "b h w c" x2 -----------------------------------------------------------------
    def bhwc(x: Float[Tensor, "b h w c"], y: Float[Tensor, "b h w c"]) -> None:
        return None

    def bhwc_hand(x: Tensor, y: Tensor) -> None:
        s = x.shape
        assert len(s) == 4 and x.dtype in FLOATS
        assert y.shape == s and y.dtype in FLOATS
        return None

    # --- "*batch h w c" x2 ------------------------------------------------------------
    def batched(x: Float[Tensor, "*batch h w c"], y: Float[Tensor, "*batch h w c"]) -> None:
        return None

    def batched_hand(x: Tensor, y: Tensor) -> None:
        s = x.shape
        assert len(s) >= 3 and x.dtype in FLOATS
        assert y.shape == s and y.dtype in FLOATS
        return None

    a = torch.zeros(8, 23, 23, 1)
    c = torch.zeros(8, 16, 16, 3)
    d = torch.zeros(2, 4, 16, 16, 3)
    return {
        '"b 23 23 1" x2 -> ""': {"plain": grid, "hand": grid_hand, "args": (a, a.clone())},
        '"b h w c" x2': {"plain": bhwc, "hand": bhwc_hand, "args": (c, c.clone())},
        '"*batch h w c" x2': {"plain": batched, "hand": batched_hand, "args": (d, d.clone())},
    }


def per_call_us(
    variants: dict[str, Callable[..., Any]], args: tuple[Any, ...], rounds: int, number: int
) -> dict[str, float]:
    """Per-call time of each variant in µs: the best round of `number` calls.

    Rounds interleave the variants, so that a slow patch of a shared machine hits all of
    them alike; the minimum is the standard estimator for micro-benchmarks (noise only
    ever adds time). The slow jaxtyping+beartype variant runs a tenth as many calls.
    """
    best = {name: float("inf") for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            n = max(number // 10, 100) if name == "jaxtyping+beartype" else number
            elapsed = timeit.Timer(lambda fn=fn: fn(*args)).timeit(number=n)
            best[name] = min(best[name], elapsed / n * 1e6)
    return best


def decoration_us(fn: Callable[..., Any], rounds: int = 200) -> float:
    samples = []
    for _ in range(rounds):
        # A fresh function object each time: decoration caches nothing per function.
        fresh = type(fn)(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
        fresh.__annotations__ = dict(fn.__annotations__)
        start = time.perf_counter()
        shapeguard.check(fresh)
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)  # median: one decoration is a single, cold event


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--number", type=int, default=10000)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--check-targets", action="store_true", help="exit 1 if a target is missed")
    opts = parser.parse_args()

    rows = []
    for name, sig in signatures().items():
        plain, hand, args = sig["plain"], sig["hand"], sig["args"]
        guarded = shapeguard.check(plain)
        jaxtyped_fn = jaxtyped(typechecker=beartype)(plain)
        for f in (plain, hand, guarded, jaxtyped_fn):  # warm caches and the dtype tables
            f(*args)
        variants = {
            "plain": plain,
            "hand asserts": hand,
            "shapeguard": guarded,
            "jaxtyping+beartype": jaxtyped_fn,
        }
        times = per_call_us(variants, args, opts.rounds, opts.number)
        rows.append(
            {
                "signature": name,
                **times,
                "shapeguard / hand": times["shapeguard"] / times["hand asserts"],
                "shapeguard / jaxtyping": times["shapeguard"] / times["jaxtyping+beartype"],
                "decorate once": decoration_us(plain),
            }
        )

    print(
        f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"torch {torch.__version__}, {time.strftime('%Y-%m-%d')}"
    )
    header = [
        "signature",
        "plain",
        "hand asserts",
        "shapeguard",
        "jaxtyping+beartype",
        "shapeguard / hand",
        "shapeguard / jaxtyping",
        "decorate once",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        cells = [row["signature"]] + [
            f"{row[h]:.2f} µs"
            if h in ("plain", "hand asserts", "shapeguard", "jaxtyping+beartype", "decorate once")
            else f"{row[h]:.2f}x"
            for h in header[1:]
        ]
        print("| " + " | ".join(cells) + " |")
    if opts.json:
        with open(opts.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    missed = [
        row["signature"]
        for row in rows
        if row["shapeguard / hand"] > 2
        or row["shapeguard / jaxtyping"] > 0.1
        or row["decorate once"] > 100
    ]
    if missed:
        print("targets missed on: " + ", ".join(missed))
        return 1 if opts.check_targets else 0
    print("all targets met (<= 2x hand asserts, <= 1/10 jaxtyping+beartype, decoration <= 100 µs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
