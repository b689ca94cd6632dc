"""`shapeguard check --trace`: run every `@shapeguard.check` function once on meta tensors.

A meta tensor (`device="meta"`) has a shape and a dtype and no data: every torch op computes
the output shape and raises its usual shape errors, without memory and without arithmetic,
so a forward that takes seconds on real data traces in milliseconds.

For each checked function (and method) of the user's modules whose array parameters are all
annotated, arguments are built from the contracts: each named dim gets its own size (no two
names share one, and none equals a fixed size written in the contracts, so that a swapped
axis cannot pass by coincidence), each variadic is tried empty and non-empty, fixed dims are
at their size. The function then runs under `torch.device("meta")` (tensors it creates are
meta tensors too). A contract violation (`ShapeError`, from the function's own return
contract or from any checked call inside) or a torch error from an op inside the body is a
finding at the file:line of the innermost frame in the user's file. Failures caused by the
meta device itself (`.item()`, data-dependent control flow) are notes: nothing is known.
A finding on a line whose `# type: ignore` comment is bare or lists its code is dropped, as
mypy's own findings are.

Methods: the class is instantiated under `torch.device("meta")` with no arguments, or by a
factory the user registers (`[tool.shapeguard] factories = {"pkg.mod:Model" =
"pkg.mod:make_model"}` or `--factory`).

Importing the modules runs their top-level code, as importing them anywhere does.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sys
import time
import traceback
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType, TracebackType
from typing import Any

from ._output import Finding, ignored_lines, is_ignored
from ._spec import AnyDim, ExprDim, FixedDim, NamedDim, ShapeSpec, VariadicDim, evaluate

#: Sizes handed to named dims, in order; those equal to a fixed size in the contracts are
#: skipped. Larger first, so that `h-k` stays positive when h is named before k.
_SIZES = (13, 11, 7, 5, 17, 19, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83)
_DTYPE_PREFERENCE = ("float32", "int64", "bool", "uint8", "complex64", "float64", "int32")
_META_HINTS = ("meta tensor", "meta device", "'meta'", "on the meta", "Meta backend",
               "data-dependent", "cannot be called on meta")


@dataclass
class Traced:
    """One traced function: how long it took, and what it found."""

    name: str
    seconds: float
    runs: int
    findings: list[Finding] = field(default_factory=list)


@dataclass
class TraceReport:
    findings: list[Finding] = field(default_factory=list)
    traced: list[Traced] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "name: why"


def trace_sources(
    sources: Sequence[tuple[str, str, str | None]],
    *,
    factories: Mapping[str, str] | None = None,
) -> TraceReport:
    """Import each (module, path, base_dir) and trace its checked functions."""
    import torch  # noqa: F401  (fail early, with a clear message, when torch is missing)

    import shapeguard

    shapeguard.config(enabled=True)
    report = TraceReport()
    user_files = {os.path.realpath(path): _display(path) for _, path, _ in sources if path}
    factory_fns = _load_factories(factories or {}, report)
    for module_name, path, base_dir in sources:
        if not path.endswith((".py", ".pyw")):
            continue
        module = _import(module_name, path, base_dir, user_files, report)
        if module is None:
            continue
        for name, fn, owner in _checked_callables(module):
            _trace_callable(name, fn, owner, factory_fns, user_files, report)
    _drop_ignored(report, user_files)
    return report


def _drop_ignored(report: TraceReport, user_files: dict[str, str]) -> None:
    """Drop the findings silenced by a `# type: ignore` comment on their line, as mypy's and
    the second pass's are."""
    real_paths = {display: real for real, display in user_files.items()}
    comments: dict[str, dict[int, list[str]]] = {}

    def kept(f: Finding) -> bool:
        if f.path not in comments:
            comments[f.path] = ignored_lines(real_paths.get(f.path, f.path))
        return not is_ignored(comments[f.path], f.line, f.code)

    report.findings = [f for f in report.findings if kept(f)]
    for traced in report.traced:
        traced.findings = [f for f in traced.findings if kept(f)]


# -- finding the functions --------------------------------------------------------------


def _import(
    name: str, path: str, base_dir: str | None, user_files: dict[str, str], report: TraceReport
) -> ModuleType | None:
    if base_dir and base_dir not in sys.path:
        sys.path.insert(0, base_dir)
    try:
        return importlib.import_module(name)
    except BaseException as exc:  # user code: anything can happen, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        where = _innermost(exc.__traceback__, user_files) or (_display(path), 1)
        report.findings.append(Finding(
            where[0], where[1], 1, "note",
            f"not traced: importing {name} raised {_one_line(exc)}", "trace", source="trace",
        ))
        return None


def _checked_callables(module: ModuleType) -> Iterator[tuple[str, Callable[..., Any], type | None]]:
    for name, obj in list(vars(module).items()):
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if isinstance(obj, type):
            for attr, member in list(vars(obj).items()):
                raw = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
                if getattr(raw, "__shapeguard_checked__", False):
                    yield f"{obj.__qualname__}.{attr}", raw, obj
        elif getattr(obj, "__shapeguard_checked__", False) and callable(obj):
            yield name, obj, None


# -- building arguments -----------------------------------------------------------------


@dataclass(frozen=True)
class _ArrayParam:
    name: str
    kind: Any
    contract: Any  # shapeguard._contract.ArrayContract


def _plan(
    fn: Callable[..., Any], owner: type | None
) -> tuple[list[_ArrayParam], bool, str | None]:
    """(array parameters, takes a receiver, why it cannot be traced)."""
    from ._hints import array_contract, is_array_annotation

    original = inspect.unwrap(fn)
    try:
        hints = typing.get_type_hints(original, include_extras=True)
        params = list(inspect.signature(original).parameters.values())
    except Exception as exc:
        return [], False, f"cannot read its annotations ({_one_line(exc)})"
    receiver = False
    if owner is not None and params and not isinstance(
        inspect.getattr_static(owner, original.__name__, None), staticmethod
    ):
        receiver = True
        params = params[1:]
    arrays: list[_ArrayParam] = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        hint = hints.get(p.name)
        if hint is not None and is_array_annotation(hint):
            contract = array_contract(hint)
            if not _is_torch_type(contract.array_type):
                return [], receiver, f"parameter {p.name!r} is not a torch.Tensor contract"
            arrays.append(_ArrayParam(p.name, p.kind, contract))
        elif p.default is p.empty:
            return [], receiver, f"parameter {p.name!r} has no array contract and no default"
    if not arrays:
        return [], receiver, "no array parameters"
    return arrays, receiver, None


def _is_torch_type(tp: Any) -> bool:
    import torch

    return isinstance(tp, type) and issubclass(tp, torch.Tensor)


def _specs(fn: Callable[..., Any], arrays: list[_ArrayParam]) -> list[ShapeSpec]:
    from ._hints import array_contract, is_array_annotation

    specs = [a.contract.spec for a in arrays]
    with contextlib.suppress(Exception):
        ret = typing.get_type_hints(inspect.unwrap(fn), include_extras=True).get("return")
        if ret is not None and is_array_annotation(ret):
            specs.append(array_contract(ret).spec)
    return specs


def _sizes(specs: list[ShapeSpec]) -> tuple[dict[str, int], list[int]]:
    """A distinct size per dim name, and spare sizes for `_` and variadic runs."""
    fixed = {d.size for s in specs for d in s.dims if isinstance(d, FixedDim)}
    pool = [n for n in _SIZES if n not in fixed]
    names: list[str] = []
    for spec in specs:
        for dim in spec.dims:
            if isinstance(dim, NamedDim) and dim.name not in names:
                names.append(dim.name)
    for spec in specs:  # names only used inside expressions come last
        for dim in spec.dims:
            if isinstance(dim, ExprDim):
                for name in sorted(_expr_refs(dim)):
                    if name not in names:
                        names.append(name)
    sizes = dict(zip(names, pool, strict=False))
    return sizes, pool[len(sizes):]


def _expr_refs(dim: ExprDim) -> set[str]:
    from ._spec import expr_names

    return set(expr_names(dim.expr))


def _shape(
    spec: ShapeSpec, sizes: dict[str, int], run: tuple[int, ...], spare: Iterator[int]
) -> tuple[int, ...] | None:
    """The concrete shape for `spec`: every variadic (named or not) is `run`."""
    out: list[int] = []
    for dim in spec.dims:
        if isinstance(dim, FixedDim):
            out.append(dim.size)
        elif isinstance(dim, NamedDim):
            if dim.name not in sizes:
                return None
            out.append(sizes[dim.name])
        elif isinstance(dim, ExprDim):
            value = evaluate(dim.expr, sizes)
            if value is None or value < 1:
                return None
            out.append(value)
        elif isinstance(dim, VariadicDim):
            out.extend(run)
        elif isinstance(dim, AnyDim):
            out.append(next(spare, 3))
    return tuple(out)


def _dtype(contract: Any) -> Any:
    import torch

    names = contract.dtypes
    if not isinstance(names, (tuple, list)):
        return torch.float32  # any dtype (`Shaped`)
    strings = [n for n in names if isinstance(n, str)]
    for name in (*_DTYPE_PREFERENCE, *strings):
        if name in strings and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
    return None


def _argument_sets(
    fn: Callable[..., Any], arrays: list[_ArrayParam]
) -> list[tuple[dict[str, Any], str]]:
    """Arguments for each variadic setting (empty, non-empty): (kwargs, description)."""
    import torch

    specs = _specs(fn, arrays)
    sizes, spare_sizes = _sizes(specs)
    has_variadic = any(s.variadic_index is not None for s in specs)
    runs: list[tuple[int, ...]] = [()]
    if has_variadic:
        runs.append((spare_sizes[0] if spare_sizes else 3,))
    variadics = sorted({f"*{d.name}" if d.name else "..." for s in specs for d in s.dims
                        if isinstance(d, VariadicDim)})
    out = []
    for run in runs:
        spare = iter(spare_sizes[1:])
        kwargs: dict[str, Any] = {}
        shown: list[str] = []
        for a in arrays:
            shape = _shape(a.contract.spec, sizes, run, spare)
            dtype = _dtype(a.contract)
            if shape is None or dtype is None:
                break
            kwargs[a.name] = torch.empty(shape, dtype=dtype, device="meta")
            shown.append(f"{a.name}={_summary(kwargs[a.name])}")
        else:
            bound = [f"{k}={v}" for k, v in sizes.items()]
            bound += [f"{v}=({','.join(map(str, run))})" for v in variadics]
            out.append((kwargs, ", ".join(shown) + (f" ({', '.join(bound)})" if bound else "")))
    return out


def _summary(t: Any) -> str:
    from ._diagnose import format_shape

    return format_shape(tuple(t.shape), t.dtype)


# -- running ----------------------------------------------------------------------------


def _load_factories(
    factories: Mapping[str, str], report: TraceReport
) -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {}
    for cls_name, target in factories.items():
        module_name, _, attr = target.partition(":")
        try:
            obj: Any = importlib.import_module(module_name)
            for part in attr.split("."):
                obj = getattr(obj, part)
        except Exception as exc:
            report.skipped.append(f"factory {cls_name} = {target}: {_one_line(exc)}")
            continue
        out[cls_name] = obj
    return out


def _instance(owner: type, factories: dict[str, Callable[[], Any]]) -> tuple[Any, str | None]:
    import torch

    factory = _factory_for(owner, factories)
    try:
        with torch.device("meta"):
            if factory is not None:
                return factory(), None
            init = inspect.signature(owner)
            if any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                   for p in init.parameters.values()):
                return None, (f"{owner.__qualname__}() needs constructor arguments: register a "
                              "factory (--factory or [tool.shapeguard] factories)")
            return owner(), None
    except Exception as exc:
        return None, f"constructing {owner.__qualname__} raised {_one_line(exc)}"


def _factory_for(owner: type, factories: dict[str, Callable[[], Any]]) -> Callable[[], Any] | None:
    """The factory registered for `owner`: keys are `module:Class` (or `module.Class`, or
    `Class`); the module may be named from any import root (`pkg.models` or `models`)."""
    module = owner.__module__
    for key, factory in factories.items():
        mod, sep, cls = key.rpartition(":")
        if not sep:
            mod, _, cls = key.rpartition(".")
        if cls != owner.__qualname__:
            continue
        if not mod or mod == module or mod.endswith("." + module) or module.endswith("." + mod):
            return factory
    return None


def _trace_callable(
    name: str,
    fn: Callable[..., Any],
    owner: type | None,
    factories: dict[str, Callable[[], Any]],
    user_files: dict[str, str],
    report: TraceReport,
) -> None:
    import torch

    arrays, receiver, why = _plan(fn, owner)
    if why is not None:
        report.skipped.append(f"{name}: {why}")
        return
    target: Callable[..., Any] = fn
    if receiver and owner is not None:
        instance, why = _instance(owner, factories)
        if why is not None:
            report.skipped.append(f"{name}: {why}")
            report.findings.append(_at_def(fn, "note", f'"{name}" not traced: {why}', user_files))
            return
        target = fn.__get__(instance, owner)
    elif owner is not None and isinstance(inspect.getattr_static(owner, fn.__name__, None),
                                          classmethod):
        target = fn.__get__(owner, owner)
    start = time.perf_counter()
    try:
        argument_sets = _argument_sets(fn, arrays)
    except Exception as exc:
        report.skipped.append(f"{name}: cannot build arguments ({_one_line(exc)})")
        return
    if not argument_sets:
        report.skipped.append(f"{name}: no sizes satisfy its dim expressions")
        return
    traced = Traced(name, 0.0, 0)
    code = getattr(inspect.unwrap(fn), "__code__", None)
    seen: set[tuple[str, int, str]] = set()
    for kwargs, described in argument_sets:
        traced.runs += 1
        returned_at: list[int] = []
        keyword_only = inspect.Parameter.KEYWORD_ONLY
        positional = [kwargs[a.name] for a in arrays if a.kind is not keyword_only]
        keywords = {a.name: kwargs[a.name] for a in arrays if a.kind is keyword_only}
        try:
            with _record_return(code, returned_at), torch.device("meta"), torch.no_grad():
                target(*positional, **keywords)
        except Exception as exc:
            finding = _finding(name, fn, exc, described, returned_at, user_files)
            key = (finding.path, finding.line, finding.message.split("\n")[0])
            if key not in seen:
                seen.add(key)
                traced.findings.append(finding)
            if finding.severity == "note":
                break  # the meta device cannot run this body: other settings won't either
    traced.seconds = time.perf_counter() - start
    report.traced.append(traced)
    report.findings += traced.findings


@contextlib.contextmanager
def _record_return(code: Any, lines: list[int]) -> Iterator[None]:
    """Record the line of each `return` executed by `code` (to place a return violation)."""
    if code is None:
        yield
        return
    previous = sys.getprofile()

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is code:
            lines.append(frame.f_lineno)

    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


def _finding(
    name: str,
    fn: Callable[..., Any],
    exc: BaseException,
    described: str,
    returned_at: list[int],
    user_files: dict[str, str],
) -> Finding:
    from ._errors import ShapeError

    where = _innermost(exc.__traceback__, user_files)
    if isinstance(exc, ShapeError):
        # The sizes are the tracer's own: an "off by N" hint about them would mislead.
        text = "\n".join(
            line for line in str(exc).split("\n")
            if not (line.lstrip().startswith("fix:") and "off by" in line)
        )
        if where is None:
            # Raised by the wrapper of the traced function: its return value.
            base = _def_site(fn, user_files)
            where = (base[0], returned_at[-1]) if base is not None and returned_at else base
        path, line = where or ("<unknown>", 1)
        return Finding(path, line, 1, "error", f'Tracing "{name}" with {described}: {text}',
                       "shape", source="trace")
    path, line = where or _def_site(fn, user_files) or ("<unknown>", 1)
    message = _one_line(exc)
    if _is_meta_limitation(exc):
        return Finding(path, line, 1, "note",
                       f'"{name}" could not be traced on meta tensors: {message}', "trace",
                       source="trace")
    if not _raised_by_torch(exc):
        return Finding(path, line, 1, "note",
                       f'Tracing "{name}" with {described} raised {message}', "trace",
                       source="trace")
    return Finding(path, line, 1, "error",
                   f'Tracing "{name}" with {described}: {message} (arguments that satisfy '
                   "its contract fail in its body)", "shape", source="trace")


def _is_meta_limitation(exc: BaseException) -> bool:
    text = str(exc)
    if isinstance(exc, NotImplementedError):
        return True
    return any(h.lower() in text.lower() for h in _META_HINTS)


def _raised_by_torch(exc: BaseException) -> bool:
    """Whether the innermost frame is torch's (or C code called from user code)."""
    if not isinstance(exc, (RuntimeError, ValueError, IndexError, TypeError)):
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    last = frames[-1].filename.replace("\\", "/")
    if "/torch/" in last:
        return True
    # An op implemented in C raises from the user's line itself: a RuntimeError with torch's
    # wording ("size", "shape", "dimension") is a torch error.
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        w in text for w in ("size", "shape", "dimension", "mat1", "expected")
    )


def _innermost(tb: TracebackType | None, user_files: dict[str, str]) -> tuple[str, int] | None:
    found: tuple[str, int] | None = None
    while tb is not None:
        real = os.path.realpath(tb.tb_frame.f_code.co_filename)
        if real in user_files:
            found = (user_files[real], tb.tb_lineno)
        tb = tb.tb_next
    return found


def _def_site(fn: Callable[..., Any], user_files: dict[str, str]) -> tuple[str, int] | None:
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None:
        return None
    real = os.path.realpath(code.co_filename)
    return (user_files.get(real, _display(code.co_filename)), code.co_firstlineno)


def _at_def(fn: Callable[..., Any], severity: str, message: str,
            user_files: dict[str, str]) -> Finding:
    path, line = _def_site(fn, user_files) or ("<unknown>", 1)
    return Finding(path, line, 1, severity, message, "trace", source="trace")


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().split("\n")[0]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
