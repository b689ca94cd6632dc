"""What must hold of the runtime guard in real programs: threads, asyncio, torch.compile,
pickling for DataLoader workers, zero cost when disabled, a cheap `import shapeguard`."""

import asyncio
import concurrent.futures
import multiprocessing
import os
import pickle
import subprocess
import sys
import threading

import pytest
import torch
from torch import Tensor

import shapeguard
from shapeguard import Float, Int, ShapeError, check


@check
def masked_mean(x: Float[Tensor, "b n"], mask: Int[Tensor, "b n"]) -> Float[Tensor, "b"]:
    return (x * mask).sum(-1) / mask.sum(-1).clamp(min=1)


@check
def paired(
    x: Float[Tensor, "*batch h w c"], y: Float[Tensor, "*batch h w c"]
) -> Float[Tensor, "*batch"]:
    return (x - y).abs().sum((-3, -2, -1))


def test_threads_bind_per_call() -> None:
    """8 threads x 10k calls, each thread with its own sizes: valid calls never raise,
    invalid ones always do, whatever the other threads bound at the same moment."""
    errors: list[str] = []
    barrier = threading.Barrier(8)

    def worker(k: int) -> None:
        b, n = k + 1, 2 * k + 3
        good_x, good_mask = torch.ones(b, n), torch.ones(b, n, dtype=torch.long)
        bad_mask = torch.ones(b, n + 1, dtype=torch.long)
        barrier.wait()
        for i in range(10_000):
            if i % 10 == 0:
                try:
                    masked_mean(good_x, bad_mask)
                except ShapeError:
                    pass
                else:
                    errors.append(f"thread {k}: invalid call {i} passed")
            else:
                try:
                    masked_mean(good_x, good_mask)
                except ShapeError as exc:
                    errors.append(f"thread {k}: valid call {i} raised {exc}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_asyncio_tasks_bind_per_call() -> None:
    @check
    async def step(x: Float[Tensor, "b n"], mask: Int[Tensor, "b n"]) -> Float[Tensor, "b"]:
        await asyncio.sleep(0)  # interleave with the other tasks mid-call
        return (x * mask).sum(-1)

    async def task(k: int) -> int:
        raised = 0
        x, good, bad = (
            torch.ones(k + 1, 3),
            torch.ones(k + 1, 3, dtype=torch.long),
            torch.ones(k + 2, 3, dtype=torch.long),
        )
        for i in range(300):
            if i % 3 == 0:
                try:
                    await step(x, bad)
                except ShapeError:
                    raised += 1
            else:
                await step(x, good)
        return raised

    async def main() -> list[int]:
        return await asyncio.gather(*(task(k) for k in range(16)))

    assert asyncio.run(main()) == [100] * 16


@pytest.mark.parametrize("fullgraph", [False, True])
def test_torch_compile_no_false_positive_and_still_catches(fullgraph: bool) -> None:
    torch._dynamo.reset()
    compiled = torch.compile(paired, fullgraph=fullgraph)
    for shape in [(2, 4, 4, 3), (5, 4, 4, 3), (3, 2, 6, 6, 1)]:
        x = torch.randn(*shape)
        assert torch.allclose(compiled(x, x + 1), paired(x, x + 1))
    bad = (torch.zeros(2, 4, 4, 3), torch.zeros(2, 4, 5, 3))
    if fullgraph:
        # An exception while tracing a full graph surfaces as torch's own error, which
        # carries shapeguard's message (sizes are symbolic then: no numbers in it).
        with pytest.raises(Exception, match="paired\\(\\), argument 'y': breaks its contract"):
            compiled(*bad)
    else:
        with pytest.raises(ShapeError, match="argument 'y': breaks its contract"):
            compiled(*bad)
    # The same call without torch.compile gives the full report.
    with pytest.raises(ShapeError, match="axis 2 \\(w\\) has size 5, but w=4"):
        paired(*bad)


def _call_in_worker(size: int) -> float:
    return float(masked_mean(torch.ones(size, 4), torch.ones(size, 4, dtype=torch.long)).sum())


def test_checked_functions_pickle_and_run_in_worker_processes() -> None:
    restored = pickle.loads(pickle.dumps(masked_mean))
    assert restored is masked_mean
    ctx = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        assert list(pool.map(_call_in_worker, [1, 2, 3])) == [1.0, 2.0, 3.0]


def test_dataloader_workers_run_checked_code() -> None:
    dataset = _CheckedDataset()
    loader = torch.utils.data.DataLoader(dataset, batch_size=2, num_workers=2)
    batches = list(loader)
    assert [tuple(b.shape) for b in batches] == [(2, 3), (2, 3)]


class _CheckedDataset(torch.utils.data.Dataset[Tensor]):
    def __len__(self) -> int:
        return 4

    @check
    def __getitem__(self, index: int) -> Float[Tensor, "3"]:
        return torch.full((3,), float(index))


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_environment_switch_returns_functions_unchanged() -> None:
    code = (
        "import shapeguard\n"
        "def f(x: shapeguard.Float[object, 'n']) -> None: pass\n"
        "assert shapeguard.check(f) is f\n"
        "assert not shapeguard.config().enabled\n"
        "print('unchanged')\n"
    )
    result = _run(code, SHAPEGUARD_DISABLE="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unchanged"


def test_import_shapeguard_imports_neither_torch_nor_mypy() -> None:
    result = _run(
        "import sys, shapeguard; print(sorted(m for m in ('torch', 'mypy') if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_public_dtype_families_are_jaxtypings_own() -> None:
    import jaxtyping

    for name in (
        "Float",
        "Int",
        "Bool",
        "Shaped",
        "Integer",
        "UInt",
        "Num",
        "Real",
        "Inexact",
        "Complex",
        "Float32",
        "Int64",
        "UInt8",
        "BFloat16",
    ):
        assert getattr(shapeguard, name) is getattr(jaxtyping, name), name
