"""numpy-only users: shapeguard installs and checks numpy arrays in an environment WITHOUT torch.

The test builds a clean venv in a temporary directory (not `--system-site-packages`: the
project's venv has torch), installs the project into it from a wheel built here, and makes
exactly the runtime dependencies visible: jaxtyping, wadler_lindig (jaxtyping's one
dependency), beartype and numpy. By default they are linked from the running environment
(offline, a few seconds); with `SHAPEGUARD_NUMPY_ONLY_FROM_INDEX=1` pip resolves the wheel's
own dependencies from the package index instead, as `pip install tensor-shapeguard` would.
Then a script run by that venv's Python checks numpy arrays, the import hook and
that torch, mypy and pytest were never imported.
"""

import importlib.metadata
import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "sample_pkgs"
RUNTIME_DEPENDENCIES = ("jaxtyping", "wadler_lindig", "beartype", "numpy")


def _run(*cmd: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, timeout=300, check=False, **kwargs
    )  # type: ignore[call-overload]


def _site_packages(python: Path) -> Path:
    out = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    return Path(out.stdout.strip())


def _link_installed(distribution: str, target: Path) -> None:
    """Make one installed distribution (its packages and its dist-info) visible in `target`."""
    dist = importlib.metadata.distribution(distribution)
    tops = {Path(str(f)).parts[0] for f in dist.files or ()}
    tops -= {"..", "__pycache__"}
    base = Path(str(dist.locate_file("")))
    for top in sorted(tops):
        source = base / top
        if source.exists() and not (target / top).exists():
            (target / top).symlink_to(source, target_is_directory=source.is_dir())


@pytest.fixture(scope="module")
def numpy_only_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("numpy_only")
    wheels = tmp / "wheels"
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--disable-pip-version-check", "-q", "-w", wheels, ROOT,
    )
    if built.returncode != 0:
        pytest.fail(f"could not build the project's wheel:\n{built.stdout}\n{built.stderr}")
    (wheel,) = wheels.glob("tensor_shapeguard-*.whl")

    env_dir = tmp / "venv"
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    except (subprocess.CalledProcessError, OSError) as exc:  # no ensurepip on this Python
        pytest.skip(f"cannot create a venv with pip offline here ({exc}); needs ensurepip")
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    pip = (python, "-m", "pip", "--disable-pip-version-check", "-q")

    if os.environ.get("SHAPEGUARD_NUMPY_ONLY_FROM_INDEX") == "1":
        installed = _run(*pip, "install", wheel)
    else:
        deps = tmp / "deps"
        deps.mkdir()
        for name in RUNTIME_DEPENDENCIES:
            _link_installed(name, deps)
        (_site_packages(python) / "shapeguard_test_deps.pth").write_text(f"{deps}\n")
        installed = _run(*pip, "install", "--no-index", "--no-deps", wheel)
    if installed.returncode != 0:
        pytest.fail(f"could not install the wheel:\n{installed.stdout}\n{installed.stderr}")
    return python


def test_torch_is_absent_and_requirements_hold(numpy_only_python: Path) -> None:
    no_torch = _run(numpy_only_python, "-c", "import torch")
    assert no_torch.returncode != 0
    assert "No module named 'torch'" in no_torch.stderr
    # pip's own verdict: every requirement of the installed distributions is satisfied,
    # so torch is not among tensor-shapeguard's requirements.
    verdict = _run(numpy_only_python, "-m", "pip", "check", "--disable-pip-version-check")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr


NUMPY_SCRIPT = textwrap.dedent(
    """
    import dataclasses, sys
    import numpy as np
    import shapeguard
    from shapeguard import Float, Int, ShapeError, SpecError, check, install_import_hook

    assert shapeguard.__file__.startswith(sys.prefix), shapeguard.__file__  # the wheel

    @check
    def loss(logits: Float[np.ndarray, "*batch h w 1"],
             labels: Int[np.ndarray, "*batch h w"]) -> Float[np.ndarray, ""]:
        return np.asarray(float(logits.mean()))

    loss(np.zeros((23, 23, 1)), np.zeros((23, 23), dtype=np.int64))
    loss(np.zeros((4, 23, 23, 1), dtype=np.float32), np.zeros((4, 23, 23), dtype=np.int32))
    for logits, labels in [
        (np.zeros((23, 23)), np.zeros((23, 23), dtype=np.int64)),         # rank
        (np.zeros((1, 23, 23)), np.zeros((23, 23), dtype=np.int64)),      # channels first
        (np.zeros((23, 23, 1)), np.zeros((23, 23), dtype=np.float64)),    # dtype
        (np.zeros((23, 23, 1)), np.zeros((22, 22), dtype=np.int64)),      # grid
    ]:
        try:
            loss(logits, labels)
        except ShapeError as exc:
            print("---", exc, sep="\\n")
        else:
            raise AssertionError(f"no ShapeError for {logits.shape}, {labels.shape}")

    @check
    @dataclasses.dataclass
    class Sample:
        image: Float[np.ndarray, "h w 3"]
        mask: Int[np.ndarray, "h w"]

    Sample(np.zeros((5, 6, 3)), np.zeros((5, 6), dtype=np.int64))
    try:
        Sample(np.zeros((5, 6, 3)), np.zeros((6, 5), dtype=np.int64))
    except ShapeError:
        pass
    else:
        raise AssertionError("dataclass field not checked")

    try:
        @check
        def bad(x: Float[np.ndarray, "h w+"]) -> None: ...
    except SpecError:
        pass
    else:
        raise AssertionError("malformed spec accepted")

    with install_import_hook("sg_hooked"):
        import sg_hooked.geometry as geometry
    try:
        geometry.scale(np.ones(3), 2.0)
    except ShapeError:
        pass
    else:
        raise AssertionError("import hook did not check sg_hooked.geometry.scale")

    heavy = sorted(m for m in ("torch", "mypy", "pytest") if m in sys.modules)
    assert not heavy, heavy
    print("NUMPY-ONLY OK")
    """
)


def test_numpy_arrays_are_checked_without_torch(numpy_only_python: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(SAMPLES)  # the sample packages only: nothing from the project venv
    script = tmp_path / "numpy_only_script.py"
    script.write_text(NUMPY_SCRIPT)
    result = _run(numpy_only_python, script, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "NUMPY-ONLY OK" in result.stdout
    assert result.stdout.count("---") == 4
    for problem in ("rank 2", "axis 2 has size 23, expected 1", "dtype float64", "h=23"):
        assert problem in result.stdout, result.stdout
