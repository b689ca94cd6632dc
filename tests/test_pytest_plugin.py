"""The pytest plugin: `--shapeguard-packages=mypkg` checks a package's contracts in tests.

Each run is a real pytest in a subprocess (the plugin loads through its `pytest11` entry
point, as it does for users), on a copy of tests/sample_pkgs in a temporary directory.
"""

import importlib.metadata
import shutil
import sys
from pathlib import Path

import pytest

from shapeguard._import_hook import _Finder

pytest_plugins = ["pytester"]

SAMPLES = Path(__file__).parent / "sample_pkgs"

# A test that a shape bug in the package under test makes fail, once the package is checked.
BUGGY_TEST = """
import numpy as np
from sg_hooked.geometry import scale

def test_scale_of_a_vector():
    scale(np.ones(3), 2.0)   # the contract says "h w"
"""

INERT_TEST = """
import sys

def test_no_hook_installed():
    assert not [f for f in sys.meta_path if type(f).__name__ == "_Finder"]
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("sg_hooked", "sg_external"):
        shutil.copytree(SAMPLES / name, pytester.path / name)
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return pytester


def test_entry_point_is_registered() -> None:
    entry_points = importlib.metadata.entry_points(group="pytest11")
    ours = [ep for ep in entry_points if ep.name == "shapeguard"]
    assert ours, "reinstall the package (pip install -e .): the pytest11 entry point is missing"
    assert ours[0].value == "shapeguard._pytest_plugin"


def test_option_is_listed_in_help(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--shapeguard-packages=PKG*", "*shapeguard_packages*"])


def test_option_makes_a_shape_bug_fail_the_test(project: pytest.Pytester) -> None:
    project.makepyfile(test_buggy=BUGGY_TEST)
    result = project.runpytest_subprocess("--shapeguard-packages=sg_hooked")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "shapeguard: checking contracts in sg_hooked",
            "*ShapeError: scale() at *geometry.py:*, argument 'x'",
            '*expected: Float?ndarray, "h w"?',  # ? for the brackets: fnmatch patterns
        ]
    )


def test_without_the_option_nothing_is_checked(project: pytest.Pytester) -> None:
    project.makepyfile(test_buggy=BUGGY_TEST, test_inert=INERT_TEST)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("shapeguard:*")


def test_several_packages_and_conftest_imports(project: pytest.Pytester) -> None:
    # conftest.py is imported before collection: the hook must already be there.
    project.makeconftest("import sg_hooked.geometry\nimport sg_external\n")
    project.makepyfile(
        test_both="""
        import sg_external
        import sg_hooked.geometry

        def test_checked():
            assert sg_hooked.geometry.scale.__shapeguard_checked__
            assert sg_external.ext_double.__shapeguard_checked__
        """
    )
    result = project.runpytest_subprocess("--shapeguard-packages", "sg_hooked,sg_external")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["shapeguard: checking contracts in sg_hooked, sg_external"])


def test_ini_setting(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nshapeguard_packages = sg_hooked\n")
    project.makepyfile(test_buggy=BUGGY_TEST)
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ShapeError: scale()*"])


def test_command_line_wins_over_ini(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nshapeguard_packages = sg_hooked\n")
    project.makepyfile(test_buggy=BUGGY_TEST)
    result = project.runpytest_subprocess("--shapeguard-packages=sg_external")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["shapeguard: checking contracts in sg_external"])


def test_bad_package_name_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makepyfile(test_inert=INERT_TEST)
    result = project.runpytest_subprocess("--shapeguard-packages=src/sg_hooked")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--shapeguard-packages*not an importable name*"])


def test_in_process_run_uninstalls_the_hook(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_in_process="""
        import sys

        def test_hook_installed():
            assert [f for f in sys.meta_path if type(f).__name__ == "_Finder"]
        """
    )
    try:
        result = project.runpytest_inprocess(
            "--shapeguard-packages=sg_hooked", "-p", "no:cacheprovider"
        )
        result.assert_outcomes(passed=1)
        assert not [f for f in sys.meta_path if isinstance(f, _Finder)]
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] in ("sg_hooked", "sg_external")]:
            del sys.modules[name]
