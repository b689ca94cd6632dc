"""`install_import_hook`: the contracts of a whole package, checked without decorators.

The sample packages live in tests/sample_pkgs; each test imports them afresh (the fixture
forgets them from `sys.modules` before and after) so that the hook sees every import.
"""

import asyncio
import dataclasses
import importlib
import inspect
import pickle
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import numpy as np
import pytest

import shapeguard
from shapeguard import Float, Int, ShapeError, SpecError, install_import_hook
from shapeguard._import_hook import ImportHookWarning, _Finder, has_array_contract

SAMPLES = Path(__file__).parent / "sample_pkgs"
SAMPLE_PACKAGES = ("sg_hooked", "sg_external", "sg_badspec")


def _forget_samples() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in SAMPLE_PACKAGES:
            del sys.modules[name]


def _finders() -> list[Any]:
    return [f for f in sys.meta_path if isinstance(f, _Finder)]


@pytest.fixture
def samples(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(SAMPLES))
    _forget_samples()
    yield
    _forget_samples()
    assert not _finders(), "a test left the import hook installed"


@pytest.fixture
def hooked(samples: None) -> Iterator[ModuleType]:
    """sg_hooked.geometry, imported under the hook."""
    with install_import_hook("sg_hooked"):
        yield importlib.import_module("sg_hooked.geometry")


def checked(obj: Any) -> bool:
    return bool(getattr(obj, "__shapeguard_checked__", False))


# --- functions ------------------------------------------------------------------------


def test_function_with_contract_is_checked(hooked: ModuleType) -> None:
    assert hooked.scale(np.ones((2, 3)), 2.0).shape == (2, 3)
    with pytest.raises(ShapeError) as info:
        hooked.scale(np.ones(3), 2.0)
    message = str(info.value)
    assert "scale()" in message
    assert "geometry.py" in message
    assert "argument 'x'" in message


def test_return_value_is_checked(hooked: ModuleType) -> None:
    with pytest.raises(ShapeError, match="return"):
        hooked.wrong_return(np.ones((3, 3)))


def test_type_alias_union_and_container_contracts(hooked: ModuleType) -> None:
    with pytest.raises(ShapeError):
        hooked.through_alias(np.ones(3))
    assert hooked.maybe(None) == 0
    assert hooked.maybe(np.ones(4)) == 4
    with pytest.raises(ShapeError):
        hooked.maybe(np.ones((2, 2)))
    hooked.pair((np.ones(2), np.ones(2)))
    with pytest.raises(ShapeError):
        hooked.pair((np.ones(2), np.ones(3)))  # n bound to 2, then 3


def test_dtype_is_checked(hooked: ModuleType) -> None:
    with pytest.raises(ShapeError):
        hooked.scale(np.ones((2, 2), dtype=np.int64), 2.0)


def test_async_and_generator_functions(hooked: ModuleType) -> None:
    assert asyncio.run(hooked.async_sum(np.ones(3))) == 3.0
    with pytest.raises(ShapeError):
        asyncio.run(hooked.async_sum(np.ones((3, 3))))
    with pytest.raises(ShapeError):
        list(hooked.gen(np.ones((2, 2))))


def test_functions_without_contracts_are_untouched(hooked: ModuleType) -> None:
    assert not checked(hooked.plain)
    assert not hasattr(hooked.plain, "__wrapped__")
    assert hooked.plain("not an int") == "not an int"  # no beartype check crept in
    assert not checked(hooked.untyped)


def test_imported_functions_are_not_decorated(hooked: ModuleType) -> None:
    external = importlib.import_module("sg_external")
    assert hooked.ext_double is external.ext_double
    assert not checked(hooked.ext_double)
    hooked.ext_double(np.ones((2, 2)))  # sg_external is not under the hook


def test_aliases_stay_aliases(hooked: ModuleType) -> None:
    package = importlib.import_module("sg_hooked")
    assert checked(hooked.scale)
    assert hooked.also_scale is hooked.scale
    assert package.scale is hooked.scale  # re-exported by sg_hooked/__init__.py


def test_already_checked_functions_are_not_wrapped_twice(hooked: ModuleType) -> None:
    assert checked(hooked.pre_checked)
    assert not checked(hooked.pre_checked.__wrapped__)
    init = hooked.PreChecked.__init__
    assert not hasattr(init.__wrapped__, "__wrapped__")  # one wrapper over the generated one
    with pytest.raises(ShapeError):
        hooked.PreChecked(np.ones((2, 2)))


def test_registry_filled_at_import_keeps_the_original(hooked: ModuleType) -> None:
    """The documented limit: references taken while the module ran are not patched."""
    assert checked(hooked.registered)
    assert not checked(hooked.REGISTRY["registered"])


def test_checked_functions_pickle_by_reference(hooked: ModuleType) -> None:
    assert pickle.loads(pickle.dumps(hooked.scale)) is hooked.scale


# --- classes --------------------------------------------------------------------------


def test_methods_static_class_methods_and_properties(hooked: ModuleType) -> None:
    grid = hooked.Grid(3)
    grid.fill(np.ones((2, 2)))
    with pytest.raises(ShapeError, match="fill"):
        grid.fill(np.ones(2))
    with pytest.raises(ShapeError):
        hooked.Grid.flat(np.ones(4))
    assert hooked.Grid.flat(np.ones((2, 3))).shape == (6,)
    assert hooked.Grid.from_array(np.ones((4, 4))).size == 4
    with pytest.raises(ShapeError):
        hooked.Grid.from_array(np.ones((4, 5)))
    assert grid.cells.shape == (3, 3)
    with pytest.raises(ShapeError):
        grid.cells = np.ones((2, 3))
    with pytest.raises(ShapeError):
        hooked.Grid.Inner().take(np.ones(3))  # nested class; float where Int is due
    assert isinstance(inspect.getattr_static(hooked.Grid, "flat"), staticmethod)
    assert isinstance(inspect.getattr_static(hooked.Grid, "from_array"), classmethod)


def test_methods_without_contracts_are_untouched(hooked: ModuleType) -> None:
    assert not checked(hooked.Grid.describe)
    assert not checked(hooked.Grid.__init__)
    assert hooked.Grid(2).describe(123) == 123  # type: ignore[arg-type]


def test_dataclass_fields(hooked: ModuleType) -> None:
    sample = hooked.Sample(np.ones((2, 3)), np.ones((2, 3), dtype=bool), "ok")
    assert sample.area() == 6
    with pytest.raises(ShapeError, match="mask"):
        hooked.Sample(np.ones((2, 3)), np.ones((2, 2), dtype=bool))
    assert not checked(hooked.Sample.area)
    assert dataclasses.is_dataclass(hooked.Sample)


def test_dataclass_without_contracts_is_untouched(hooked: ModuleType) -> None:
    assert not hasattr(hooked.Meta.__init__, "__wrapped__")
    assert hooked.Meta(name=1).name == 1  # no beartype check on `name: str`


def test_nn_module_forward_and_torch_functions(samples: None) -> None:
    torch = pytest.importorskip("torch")
    with install_import_hook("sg_hooked"):
        models = importlib.import_module("sg_hooked.models")
    head = models.Head(4, 3)
    assert head(torch.zeros(2, 5, 5, 4)).shape == (2, 5, 5, 3)
    with pytest.raises(ShapeError, match="forward"):
        head(torch.zeros(5, 5, 4))
    with pytest.raises(ShapeError, match="labels"):
        models.loss(torch.zeros(4, 3), torch.zeros(5, dtype=torch.int64))
    assert models.loss(torch.zeros(4, 3), torch.zeros(4, dtype=torch.int64)).shape == ()


# --- string annotations ---------------------------------------------------------------


def test_string_annotations_are_resolved(samples: None) -> None:
    with install_import_hook("sg_hooked"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pep563 = importlib.import_module("sg_hooked.pep563")
    assert pep563.mean_rows(np.ones((2, 3))).shape == (3,)
    with pytest.raises(ShapeError):
        pep563.mean_rows(np.ones(3))
    # A name that exists only under TYPE_CHECKING: left alone, with a warning saying so.
    assert not checked(pep563.only_for_type_checkers)
    messages = [str(w.message) for w in caught if issubclass(w.category, ImportHookWarning)]
    assert len(messages) == 1
    assert "sg_hooked.pep563.only_for_type_checkers" in messages[0]
    assert "TYPE_CHECKING" in messages[0]


def test_malformed_spec_fails_the_import_with_a_spec_error(samples: None) -> None:
    with install_import_hook("sg_badspec"), pytest.raises(SpecError) as info:
        importlib.import_module("sg_badspec")
    assert "h w+" in str(info.value)
    notes = getattr(info.value, "__notes__", [])
    if sys.version_info >= (3, 11):
        assert any("sg_badspec.broken" in n for n in notes)
    _forget_samples()
    importlib.import_module("sg_badspec")  # without the hook nothing parses the string


# --- installing and uninstalling ------------------------------------------------------


def test_without_the_hook_nothing_is_checked(samples: None) -> None:
    geometry = importlib.import_module("sg_hooked.geometry")
    assert not checked(geometry.scale)
    geometry.scale(np.ones(3), 2.0)


def test_uninstall_stops_checking_later_imports(samples: None) -> None:
    hook = install_import_hook("sg_hooked")
    assert hook.installed
    assert len(_finders()) == 1
    hook.uninstall()
    hook.uninstall()  # idempotent
    assert not _finders()
    assert not checked(importlib.import_module("sg_hooked.geometry").scale)
    assert "uninstalled" in repr(hook)


def test_context_manager_and_several_hooks_share_one_finder(samples: None) -> None:
    with install_import_hook("sg_hooked") as first, install_import_hook("sg_external"):
        assert len(_finders()) == 1
        external = importlib.import_module("sg_external")
        assert checked(external.ext_double)
        first.uninstall()
        assert len(_finders()) == 1  # sg_external is still hooked
        assert not checked(importlib.import_module("sg_hooked.geometry").scale)
    assert not _finders()


@pytest.mark.filterwarnings("ignore::shapeguard._import_hook.ImportHookWarning")
def test_submodule_and_prefix_matching(samples: None) -> None:
    with install_import_hook("sg_hooked.pep563"):
        geometry = importlib.import_module("sg_hooked.geometry")
        pep563 = importlib.import_module("sg_hooked.pep563")
    assert not checked(geometry.scale)
    assert checked(pep563.mean_rows)
    _forget_samples()
    with install_import_hook("sg_hook"):  # a prefix of the name, not a parent package
        assert not checked(importlib.import_module("sg_hooked.geometry").scale)


def test_names_as_list_or_commas(samples: None) -> None:
    with install_import_hook(["sg_hooked", "sg_external"]) as hook:
        assert hook.packages == ("sg_hooked", "sg_external")
    with install_import_hook("sg_hooked, sg_external", "sg_hooked") as hook:
        assert hook.packages == ("sg_hooked", "sg_external")


@pytest.mark.parametrize(
    ("names", "message"),
    [((), "at least one package"), (("",), "at least one package"), (("src/mypkg",), "not a path")],
)
def test_bad_package_names(names: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        install_import_hook(*names)
    assert not _finders()


def test_warns_when_the_package_was_imported_already(samples: None) -> None:
    importlib.import_module("sg_hooked")
    with pytest.warns(ImportHookWarning, match="sg_hooked was imported before"):
        install_import_hook("sg_hooked").uninstall()


def test_disabled_config_leaves_modules_alone(samples: None) -> None:
    shapeguard.config(enabled=False)
    try:
        with install_import_hook("sg_hooked"):
            geometry = importlib.import_module("sg_hooked.geometry")
    finally:
        shapeguard.config(enabled=True)
    assert not checked(geometry.scale)


def test_reload_is_checked_again(hooked: ModuleType) -> None:
    reloaded = importlib.reload(hooked)
    assert checked(reloaded.scale)


def test_loader_keeps_source_and_resources(hooked: ModuleType) -> None:
    assert "def scale" in inspect.getsource(hooked)
    assert "def scale" in inspect.getsource(hooked.scale)  # through __wrapped__
    files = importlib.resources.files("sg_hooked")
    assert (files / "geometry.py").is_file()
    assert hooked.__spec__.loader.is_package("sg_hooked.geometry") is False


# --- which annotations count as contracts ---------------------------------------------


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (Float[np.ndarray, "h w"], True),
        (Float[np.ndarray, " n"] | None, True),
        (tuple[int, Float[np.ndarray, " n"]], True),
        (list[Int[np.ndarray, " n"]], True),
        (dict[str, Float[np.ndarray, " n"]], True),
        (Annotated[Float[np.ndarray, " n"], "doc"], True),
        (Callable[[Float[np.ndarray, " n"]], None], True),
        (int, False),
        (np.ndarray, False),
        (Annotated[int, Float[np.ndarray, " n"]], False),  # metadata is not the type
        ("Float[np.ndarray, 'n']", False),  # unresolved text
        (list[int] | None, False),
        (Any, False),
    ],
)
def test_has_array_contract(hint: Any, expected: bool) -> None:
    assert has_array_contract(hint) is expected


def test_import_shapeguard_exports_the_hook() -> None:
    assert shapeguard.install_import_hook is install_import_hook


def test_class_that_refuses_new_attributes_is_left_with_a_warning() -> None:
    from shapeguard._import_hook import check_module

    class Frozen(type):
        def __setattr__(cls, name: str, value: Any) -> None:
            raise AttributeError(f"{cls.__name__} is frozen")

    module = ModuleType("sg_frozen_demo")

    def forward(self: Any, x: Float[np.ndarray, " n"]) -> None:
        pass

    def loose(x: Float[np.ndarray, " n"]) -> None:
        pass

    forward.__module__ = loose.__module__ = "sg_frozen_demo"
    Model = Frozen("Model", (), {"__module__": "sg_frozen_demo", "forward": forward})
    module.Model = Model  # type: ignore[attr-defined]
    module.loose = loose  # type: ignore[attr-defined]
    with pytest.warns(ImportHookWarning, match=r"sg_frozen_demo\.Model\.forward unchecked"):
        check_module(module)
    assert not checked(vars(Model)["forward"])
    assert checked(module.loose)  # type: ignore[attr-defined]
