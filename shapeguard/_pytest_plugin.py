"""pytest plugin (registered through the `pytest11` entry point): `--shapeguard-packages`.

    pytest --shapeguard-packages=mypkg,other

installs `shapeguard.install_import_hook("mypkg", "other")` before pytest loads the
conftest files and collects the tests, so every function, method and `forward` with a
contract in those packages is checked while the tests run. The same can be set in the
configuration file (`shapeguard_packages = mypkg other` under `[pytest]`, or
`[tool.pytest.ini_options]`). Without either, the plugin does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._import_hook import ImportHook

_HOOK_KEY: pytest.StashKey[ImportHook | None] = pytest.StashKey()

_HELP = (
    "check the shape/dtype contracts of every function, method and forward in these "
    "packages (comma-separated import names, e.g. mypkg,other) while the tests run"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("shapeguard", "shape and dtype contracts (shapeguard)")
    group.addoption(
        "--shapeguard-packages",
        action="store",
        dest="shapeguard_packages",
        default=None,
        metavar="PKG[,PKG...]",
        help=_HELP,
    )
    parser.addini("shapeguard_packages", _HELP + "; the command line option wins", default="")


def _packages(config: pytest.Config, option: Any) -> list[str]:
    text = option if option is not None else config.getini("shapeguard_packages")
    if isinstance(text, (list, tuple)):
        text = " ".join(str(t) for t in text)
    return [p for p in str(text or "").replace(",", " ").split() if p]


def _install(config: pytest.Config, option: Any) -> None:
    if _HOOK_KEY in config.stash:
        return
    packages = _packages(config, option)
    if not packages:
        config.stash[_HOOK_KEY] = None
        return
    from ._import_hook import install_import_hook

    try:
        config.stash[_HOOK_KEY] = install_import_hook(*packages)
    except ValueError as exc:
        raise pytest.UsageError(f"--shapeguard-packages: {exc}") from exc


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    # The earliest moment the command line is known: before the conftest files (which may
    # import the packages) and before collection.
    option = getattr(early_config.known_args_namespace, "shapeguard_packages", None)
    _install(early_config, option)


def pytest_configure(config: pytest.Config) -> None:
    # When the plugin is loaded too late for the hook above (`-p` in some setups).
    _install(config, config.getoption("shapeguard_packages", default=None))


def pytest_report_header(config: pytest.Config) -> str | None:
    hook = config.stash.get(_HOOK_KEY, None)
    if hook is None:
        return None
    return f"shapeguard: checking contracts in {', '.join(hook.packages)}"


def pytest_unconfigure(config: pytest.Config) -> None:
    hook = config.stash.get(_HOOK_KEY, None)
    if hook is not None:
        hook.uninstall()
