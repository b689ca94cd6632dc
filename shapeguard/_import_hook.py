"""`install_import_hook`: check every contract in a package without decorating each function.

A finder on `sys.meta_path` wraps the loader of each module of the named packages. After
the module's code has run (unchanged: nothing is rewritten, nothing is `exec`'d by
shapeguard), its namespace is patched: every function, method (static and class methods,
properties and `nn.Module.forward` included) and dataclass *defined in that module* whose
annotations contain an array contract is replaced by `check(...)` of itself. Everything
else (functions without contracts, objects imported from elsewhere, functions already
decorated with `check`) is left as it is.

    import shapeguard
    shapeguard.install_import_hook("mypkg")   # before `import mypkg`
    import mypkg

Limits, by construction: references taken while the module was still executing (a
registry filled by a decorator, a default argument, `functools.partial(f)`) keep the
unchecked function; functions defined inside other functions are not reached.
"""

from __future__ import annotations

import dataclasses
import importlib.abc
import importlib.machinery
import inspect
import sys
import threading
import types
import typing
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ._errors import SpecError
from ._hints import is_array_annotation
from ._runtime import check, config

__all__ = ["ImportHook", "ImportHookWarning", "install_import_hook"]


class ImportHookWarning(UserWarning):
    """The import hook left something unchecked that looked like it carried a contract."""


# --- which annotations carry a contract ------------------------------------------------


def has_array_contract(hint: Any) -> bool:
    """True when an array contract appears anywhere in `hint`: itself, or inside a union,
    `Optional`, `Annotated` (its first argument), a container (`tuple[...]`, `list[...]`,
    `dict[...]`), a `Callable`'s parameter list."""
    return _walk(hint, 0)


def _walk(hint: Any, depth: int) -> bool:
    if depth > 20:  # self-referential aliases; nothing real nests this deep
        return False
    if is_array_annotation(hint):
        return True
    if isinstance(hint, (list, tuple)):  # Callable[[A, B], R] keeps its parameters in a list
        return any(_walk(h, depth + 1) for h in hint)
    origin = typing.get_origin(hint)
    if origin is None:
        return False
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return _walk(args[0], depth + 1) if args else False
    return any(_walk(a, depth + 1) for a in args if a is not Ellipsis)


class _Unresolvable(Exception):
    """Annotations that name something not importable at run time."""


def _resolved_hints(obj: Any) -> dict[str, Any]:
    annotations = getattr(obj, "__annotations__", None)
    if not annotations or not isinstance(annotations, dict):
        return {}
    if not any(isinstance(a, (str, typing.ForwardRef)) for a in annotations.values()):
        return annotations  # evaluated already: no need to resolve anything
    try:
        return typing.get_type_hints(obj, include_extras=True)
    except SpecError:
        raise
    except Exception as exc:
        raise _Unresolvable(str(exc)) from exc


def _wants_check(obj: Any) -> bool:
    """True when the annotations of a function (or a dataclass's fields) carry a contract."""
    return any(has_array_contract(h) for h in _resolved_hints(obj).values())


# --- patching one module ---------------------------------------------------------------


class _Patcher:
    """Decorates the contract-carrying objects defined in one module, in place."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.name = module.__name__
        self.done: dict[int, Any] = {}  # id(original) -> replacement: aliases stay aliases
        self.seen_classes: set[int] = set()

    def run(self) -> None:
        namespace = vars(self.module)
        for attr, value in list(namespace.items()):
            replacement = self.patch(value, f"{self.name}.{attr}")
            if replacement is not value:
                namespace[attr] = replacement

    def defined_here(self, obj: Any) -> bool:
        return getattr(obj, "__module__", None) == self.name

    def patch(self, value: Any, where: str) -> Any:
        key = id(value)
        if key in self.done:
            return self.done[key]
        result = value
        if isinstance(value, type):
            if self.defined_here(value) and key not in self.seen_classes:
                self.seen_classes.add(key)
                self.patch_class(value)
            return value  # classes are patched in place: their identity never changes
        if isinstance(value, (staticmethod, classmethod)):
            func = value.__func__
            if inspect.isfunction(func) and self.should_check(func, where):
                result = type(value)(self.decorate(func, where))
        elif isinstance(value, property):
            result = self.patch_property(value, where)
        elif inspect.isfunction(value) and self.should_check(value, where):
            result = self.decorate(value, where)
        self.done[key] = result
        return result

    def patch_property(self, prop: property, where: str) -> property:
        parts: list[Any] = [prop.fget, prop.fset, prop.fdel]
        changed = False
        for i, part in enumerate(parts):
            if inspect.isfunction(part) and self.should_check(part, where):
                parts[i] = self.decorate(part, where)
                changed = True
        if not changed:
            return prop
        return type(prop)(parts[0], parts[1], parts[2], prop.__doc__)

    def patch_class(self, cls: type) -> None:
        is_dataclass = dataclasses.is_dataclass(cls)
        for attr, value in list(vars(cls).items()):
            if attr == "__init__" and is_dataclass:
                continue  # generated; the fields are checked below instead
            where = f"{self.name}.{cls.__qualname__}.{attr}"
            replacement = self.patch(value, where)
            if replacement is not value:
                try:
                    setattr(cls, attr, replacement)
                except (AttributeError, TypeError) as exc:  # a metaclass that forbids it
                    warnings.warn(
                        f"shapeguard's import hook left {where} unchecked: its class refused "
                        f"the checked method ({exc}); decorate it with @shapeguard.check.",
                        ImportHookWarning,
                        stacklevel=2,
                    )
        if is_dataclass and not _fields_already_checked(cls):
            where = f"{self.name}.{cls.__qualname__}"
            if _resolvable(lambda: _fields_want_check(cls), f"the fields of {where}"):
                self.decorate_fields(cls)

    def should_check(self, func: Any, where: str) -> bool:
        if not self.defined_here(func) or getattr(func, "__shapeguard_checked__", False):
            return False
        return _resolvable(lambda: _wants_check(func), where)

    def decorate(self, func: types.FunctionType, where: str) -> Any:
        try:
            return check(func)
        except SpecError as exc:
            _add_note(exc, f"(raised while shapeguard's import hook checked {where})")
            raise

    def decorate_fields(self, cls: type) -> None:
        # `check` on a class also decorates every annotated method, contract or not; the
        # hook has already taken care of the methods, so only the fields are wanted here.
        from ._runtime import check_dataclass_fields

        try:
            check_dataclass_fields(cls)
        except SpecError as exc:
            where = f"{self.name}.{cls.__qualname__}"
            _add_note(exc, f"(raised while shapeguard's import hook checked {where})")
            raise


def _fields_want_check(cls: type) -> bool:
    """True when a dataclass's fields (its own and inherited ones: the generated `__init__`
    sets them all) carry a contract."""
    names = {f.name for f in dataclasses.fields(cls)}
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except SpecError:
        raise
    except Exception as exc:
        raise _Unresolvable(str(exc)) from exc
    return any(has_array_contract(h) for n, h in hints.items() if n in names)


def _resolvable(wants: Callable[[], bool], where: str) -> bool:
    """`wants()`, or False with a warning when the annotations cannot be resolved."""
    try:
        return wants()
    except _Unresolvable as exc:
        warnings.warn(
            f"shapeguard's import hook left {where} unchecked: its annotations cannot be "
            f"resolved at run time ({exc}). Import the names the annotations use outside "
            "`if TYPE_CHECKING:`, or decorate it with @shapeguard.check yourself.",
            ImportHookWarning,
            stacklevel=2,
        )
        return False


def _fields_already_checked(cls: type) -> bool:
    """True when `@check` was applied to the dataclass by hand (its `__init__` is then
    shapeguard's wrapper around the generated one)."""
    return bool(getattr(vars(cls).get("__init__"), "__shapeguard_checked__", False))


def _add_note(exc: BaseException, note: str) -> None:
    add_note = getattr(exc, "add_note", None)  # Python 3.11+
    if add_note is not None:
        add_note(note)


def check_module(module: types.ModuleType) -> None:
    """Decorate, in place, the contract-carrying objects that `module` defines."""
    if not config().enabled:
        return
    _Patcher(module).run()


# --- the finder and the loader ---------------------------------------------------------


class _Loader(importlib.abc.Loader):
    """The module's own loader, with `check_module` after `exec_module`. Everything else
    (`get_source`, resource readers, `is_package`, ...) is the original loader's."""

    def __init__(self, loader: Any) -> None:
        self._shapeguard_loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        create: Any = getattr(self._shapeguard_loader, "create_module", None)
        if create is None:
            return None
        module: types.ModuleType | None = create(spec)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        self._shapeguard_loader.exec_module(module)
        if _REGISTRY.wants(module.__name__):
            check_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shapeguard_loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Asks the finders after it for the spec, then wraps the spec's loader."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not _REGISTRY.wants(fullname) or getattr(_GUARD, "active", False):
            return None
        _GUARD.active = True
        try:
            spec = _find_with_others(self, fullname, path, target)
        finally:
            _GUARD.active = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        if not isinstance(spec.loader, _Loader):
            spec.loader = _Loader(spec.loader)
        return spec


_GUARD = threading.local()


def _find_with_others(
    me: _Finder, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None
) -> importlib.machinery.ModuleSpec | None:
    for finder in list(sys.meta_path):
        if finder is me:
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec: importlib.machinery.ModuleSpec | None = find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


class _Registry:
    """The packages under the hook, one entry per `install_import_hook` call."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: list[tuple[str, ...]] = []
        self.finder = _Finder()

    def wants(self, module_name: str) -> bool:
        for packages in self.entries:
            for package in packages:
                if module_name == package or module_name.startswith(package + "."):
                    return True
        return False

    def add(self, packages: tuple[str, ...]) -> None:
        with self.lock:
            self.entries.append(packages)
            if self.finder not in sys.meta_path:
                sys.meta_path.insert(0, self.finder)

    def remove(self, packages: tuple[str, ...]) -> None:
        with self.lock:
            if packages in self.entries:
                self.entries.remove(packages)
            if not self.entries and self.finder in sys.meta_path:
                sys.meta_path.remove(self.finder)


_REGISTRY = _Registry()


class ImportHook:
    """What `install_import_hook` returns: `uninstall()` it, or use it as a context manager.

    Uninstalling stops the checking of modules imported afterwards; modules imported while
    the hook was installed stay checked.
    """

    def __init__(self, packages: tuple[str, ...]) -> None:
        self.packages = packages
        self._entry = packages
        self.installed = False

    def install(self) -> ImportHook:
        if not self.installed:
            _REGISTRY.add(self._entry)
            self.installed = True
        return self

    def uninstall(self) -> None:
        if self.installed:
            _REGISTRY.remove(self._entry)
            self.installed = False

    def __enter__(self) -> ImportHook:
        return self.install()

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()

    def __repr__(self) -> str:
        state = "installed" if self.installed else "uninstalled"
        return f"<shapeguard ImportHook {', '.join(self.packages)} ({state})>"


def _package_names(specs: Iterable[str | Iterable[str]]) -> Iterator[str]:
    for spec in specs:
        if isinstance(spec, str):
            for part in spec.split(","):
                yield part.strip()
        else:
            for item in spec:
                if not isinstance(item, str):
                    raise TypeError(
                        f"install_import_hook takes package names (str), got {item!r}"
                    )
                yield from _package_names([item])


def install_import_hook(*packages: str | Iterable[str]) -> ImportHook:
    """Check the contracts of every module of `packages` imported from now on.

    `packages` are import names: `install_import_hook("mypkg")`, `("a", "b")`, `(["a", "b"])`
    or `("a,b")`; a package covers its submodules. Returns a handle: call `.uninstall()` or use
    it as a context manager (`with install_import_hook("mypkg"): import mypkg`).

    Modules imported before the call are not checked (a warning says which); install the
    hook first, e.g. at the top of a test `conftest.py` or with pytest's
    `--shapeguard-packages=mypkg`.
    """
    names = tuple(dict.fromkeys(n for n in _package_names(packages) if n))
    if not names:
        raise ValueError(
            "install_import_hook needs at least one package name, e.g. install_import_hook('mypkg')"
        )
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(
                f"install_import_hook: {name!r} is not an importable name; pass the name you "
                "would write after `import` (e.g. 'mypkg' or 'mypkg.models'), not a path"
            )
    already = sorted(n for n in names if n in sys.modules)
    if already:
        warnings.warn(
            f"shapeguard: {', '.join(already)} was imported before install_import_hook; modules "
            "imported already are not checked. Install the hook before the first import.",
            ImportHookWarning,
            stacklevel=2,
        )
    return ImportHook(names).install()
