"""`shapeguard check`: mypy's build API with the plugin, then the second pass.

1. The user's mypy configuration is read the way `mypy` reads it (`mypy.main.process_options`,
   so `--config-file`, mypy.ini, setup.cfg and `[tool.mypy]` all apply); the plugin is added
   when the configuration does not list it. Display options are pinned so that mypy's
   messages can be parsed back (column numbers on, codes shown, no colour, no pretty print).
2. `mypy.build.build` runs with `export_types`: every module mypy re-checks comes back with
   its full type map, and the second pass (`_second_pass`) reads returns and annotated
   assignments there.
3. A module that mypy finds fresh in its cache is not re-checked and has no type map. Its
   second-pass findings were stored, next to mypy's cache, under a stamp of mypy's own cache
   metadata for that module (which changes whenever mypy re-checks it): a matching stamp
   means the same findings. A module whose stamp does not match (plain `mypy` re-checked it
   in between, with the same cache) has its mypy metadata dropped, and the build runs once
   more: mypy then re-checks just that module.

Imports mypy: loaded only by `shapeguard check`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ._output import SHAPEGUARD_CODES, Finding, is_ignored

PLUGIN = "shapeguard.mypy_plugin"
STORE_NAME = "shapeguard-check.json"

_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<sev>error|note|warning): "
    r"(?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_UNUSED_IGNORE = re.compile(r'^Unused "type: ignore(?:\[(?P<codes>[^\]]*)\])?" comment')


class UsageError(Exception):
    """A problem with the command line or configuration: exit 2 with this message."""


@dataclass
class CheckResult:
    findings: list[Finding]
    blocking: list[str] = field(default_factory=list)  # mypy's blocking errors, as printed
    checked_modules: list[str] = field(default_factory=list)
    rechecked: list[str] = field(default_factory=list)  # modules the second pass walked
    sources: list[tuple[str, str, str | None]] = field(default_factory=list)  # (module, path, base)


def run_check(
    paths: Sequence[str],
    *,
    config_file: str | None = None,
    mypy_args: Sequence[str] = (),
    all_errors: bool = False,
) -> CheckResult:
    """mypy + plugin + second pass over `paths`. Raises UsageError for bad input."""
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"no such file or directory: {path}")
    if config_file is not None and not os.path.isfile(config_file):
        raise UsageError(f"no such config file: {config_file}")

    from mypy import build
    from mypy.errors import CompileError
    from mypy.fscache import FileSystemCache
    from mypy.main import process_options

    args = list(mypy_args)
    if config_file is not None:
        args += ["--config-file", config_file]
    args += list(paths)
    fscache = FileSystemCache()
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            sources, options = process_options(args, stdout=out, stderr=err, fscache=fscache)
    except SystemExit as exc:
        text = (err.getvalue() or out.getvalue()).strip()
        raise UsageError(f"mypy rejected the options: {text or exc}") from None
    if PLUGIN not in options.plugins and not any("shapeguard" in p for p in options.plugins):
        options.plugins.append(PLUGIN)
    _pin_display(options)
    options.export_types = True
    own = {s.module for s in sources}
    store = _Store.open(options)
    _keep_asts(options, sorted(own), store.data.get("packages"))

    result = CheckResult(findings=[])
    result.sources = [(s.module, s.path or "", s.base_dir) for s in sources]

    for attempt in range(2):
        lines: list[str] = []
        flush = _collector(lines)
        try:
            built = build.build(sources, options, flush_errors=flush, fscache=fscache)
        except CompileError as exc:
            result.blocking = list(dict.fromkeys(lines + list(exc.messages)))
            return result
        manager = built.manager
        stale = []
        second: list[Finding] = []
        rechecked: list[str] = []
        for module in sorted(own):
            state = built.graph.get(module)
            if state is None or state.path is None:
                continue
            if state.tree is not None and state.tree.defs and (
                module in manager.rechecked_modules or not options.incremental
            ):
                found = _second_pass(state, built.types, manager)
                rechecked.append(module)
                store.put(module, _stamp(manager, module, state.path, options), found)
                second += found
            else:
                cached = store.get(module, _stamp(manager, module, state.path, options))
                if cached is None:
                    stale.append((module, state.path))
                else:
                    second += cached
        if stale and attempt == 0 and options.incremental:
            for module, path in stale:
                _forget(manager, module, path, options)
            with contextlib.suppress(Exception):
                manager.metastore.commit()  # the SQLite store (mypy's default) needs it
            fscache = FileSystemCache()
            continue
        packages = sorted({m.split(".")[0] for m in built.graph} - {m.split(".")[0] for m in own})
        if store.data.get("packages") != packages:
            store.data["packages"] = packages
            store.dirty = True
        store.save()
        result.checked_modules = sorted(own)
        result.rechecked = rechecked
        result.findings = _merge(_parse(lines, all_errors), second)
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _collector(lines: list[str]) -> Any:
    def flush(_path: str | None, new: list[str], _serious: bool) -> None:
        lines.extend(new)

    return flush


def _pin_display(options: Any) -> None:
    """Options that only change how mypy prints messages: fixed, so they parse back."""
    options.show_column_numbers = True
    options.hide_error_codes = False
    options.show_error_code_links = False
    options.show_error_end = False
    options.pretty = False
    options.color_output = False
    options.error_summary = False
    options.show_error_context = False
    options.show_traceback = False
    if hasattr(options, "output"):
        options.output = None


def _keep_asts(options: Any, modules: list[str], packages: Any) -> None:
    """Keep the checked trees of the user's modules (and only theirs) after the build.

    mypy frees a module's statements once it is checked unless `preserve_asts` is set, and
    `preserve_asts` also makes mypy check the bodies of every third-party function it would
    otherwise skip (4x the cold time with torch). The tree is freed on the global option; the
    bodies are skipped on the per-module one: global on, per-module off for every module (a
    glob section matching all), on again for the user's modules (exact sections win).
    Neither option is part of mypy's cache key.

    The glob makes mypy clone its options for every module (a few hundred ms over torch's
    thousands); when the last run recorded which other top-level packages the build reaches,
    one `pkg.*` section per package does the same by a dict lookup.
    """
    options.preserve_asts = True
    per_module = dict(options.per_module_options)
    if isinstance(packages, list) and packages:
        for package in packages:
            key = f"{package}.*"
            per_module[key] = {**per_module.get(key, {}), "preserve_asts": False}
    else:
        per_module["*.*"] = {**per_module.get("*.*", {}), "preserve_asts": False}
    for module in modules:
        per_module[module] = {**per_module.get(module, {}), "preserve_asts": True}
    options.per_module_options = per_module
    # Rebuild mypy's per-module lookup (process_options may have built it already).
    options._per_module_cache = None
    options._glob_options = []


# -- mypy's messages -------------------------------------------------------------------


def _parse(lines: list[str], all_errors: bool) -> list[Finding]:
    """mypy's printed lines as findings: shapeguard's codes (and their notes), reveal_shape
    notes, and with `all_errors` every mypy error."""
    out: list[Finding] = []
    last_kept: Finding | None = None
    for raw in lines:
        m = _LINE.match(raw)
        if m is None:
            continue
        sev, code, msg = m["sev"], m["code"], m["msg"]
        finding = Finding(m["path"], int(m["line"]), int(m["col"] or 0), sev, msg, code)
        if sev == "note":
            if msg.startswith("Revealed shape"):
                out.append(finding)
                continue
            if last_kept is not None and (last_kept.path, last_kept.line) == (
                finding.path, finding.line
            ):
                # Continuation of the error just kept (a SpecError's caret lines, hints).
                merged = Finding(
                    last_kept.path, last_kept.line, last_kept.column, last_kept.severity,
                    f"{last_kept.message}\n{msg}", last_kept.code,
                )
                out[-1] = last_kept = merged
            continue
        keep = (
            code in SHAPEGUARD_CODES
            or all_errors
            or _is_shape_ignore(msg, code)
            or _blinds_the_check(msg, code)
        )
        last_kept = finding if keep else None
        if keep:
            out.append(finding)
    return out


_BLINDING = frozenset({"shapeguard", "torch", "jaxtyping", "numpy"})
_MODULE_NAMED = re.compile(r'module named "(?P<module>[\w.]+)"')


def _blinds_the_check(msg: str, code: str | None) -> bool:
    """An import mypy cannot resolve that leaves every contract unknown (no shapeguard, no
    torch): silent, it would turn a broken setup into "no findings"."""
    if code not in ("import-not-found", "import-untyped", "import"):
        return False
    m = _MODULE_NAMED.search(msg)
    return m is not None and m["module"].split(".")[0] in _BLINDING


def _is_shape_ignore(msg: str, code: str | None) -> bool:
    m = _UNUSED_IGNORE.match(msg) if code == "unused-ignore" else None
    return m is not None and m["codes"] is not None and bool(
        set(c.strip() for c in m["codes"].split(",")) & SHAPEGUARD_CODES
    )


def _merge(mypy_findings: list[Finding], second: list[Finding]) -> list[Finding]:
    """mypy's findings plus the second pass's, without saying the same thing twice:
    - a return conflict the plugin already reported (`return <call>`) on that line;
    - an "unused type: ignore[shape]" where the ignore silenced a second-pass finding
      (mypy alone cannot see those; it runs before the second pass)."""
    reported = {
        (f.path, f.line) for f in mypy_findings if f.message.startswith("Value returned from")
    }
    silenced = {(f.path, f.line) for f in second if f.severity == "silenced"}
    out = [
        f for f in mypy_findings
        if not (f.code == "unused-ignore" and (f.path, f.line) in silenced)
    ]
    for f in second:
        if f.severity == "silenced":
            continue
        if f.message.startswith("Value returned from") and (f.path, f.line) in reported:
            continue
        out.append(f)
    # mypy's own order is by module; keep it, and within a file order by line.
    order = {p: i for i, p in enumerate(dict.fromkeys(f.path for f in out))}
    return sorted(out, key=lambda f: (order[f.path], f.line, f.column))


# -- the second pass on one module ------------------------------------------------------


def _second_pass(state: Any, types: Any, manager: Any) -> list[Finding]:
    from ._second_pass import check_module

    tree = state.tree
    options = state.options
    if options.ignore_errors:
        return []
    disabled = {c.code for c in options.disabled_error_codes}
    path = manager.errors.simplify_path(state.xpath)
    out: list[Finding] = []
    for f in check_module(tree, types):
        if f.code in disabled:
            continue
        severity = "error"
        if is_ignored(tree.ignored_lines, f.line, f.code):
            severity = "silenced"  # kept to drop mypy's "unused type: ignore" for this line
        out.append(Finding(
            path, f.line, f.column + 1, severity, f.message, f.code,
            expected=f.expected, actual=f.actual, source="returns",
        ))
    return out


# -- the store of second-pass findings, beside mypy's cache -----------------------------


def _meta_name(module: str, path: str, options: Any) -> str:
    from mypy.build import get_cache_names

    return get_cache_names(module, os.path.normpath(path), options)[0]


def _stamp(manager: Any, module: str, path: str, options: Any) -> str | None:
    try:
        data = manager.metastore.read(_meta_name(module, path, options))
    except Exception:
        return None
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()[:24]


def _forget(manager: Any, module: str, path: str, options: Any) -> None:
    with contextlib.suppress(Exception):
        manager.metastore.remove(_meta_name(module, path, options))


def _fingerprint() -> str:
    """What the stored findings depend on besides mypy's cache: shapeguard's static code."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in [here / "_second_pass.py", *sorted((here / "mypy_plugin").glob("*.py"))]:
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


class _Store:
    def __init__(self, path: Path | None, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.dirty = False

    @classmethod
    def open(cls, options: Any) -> _Store:
        cache_dir = getattr(options, "cache_dir", None)
        if not options.incremental or not cache_dir or cache_dir == os.devnull:
            return cls(None, {})
        path = Path(cache_dir) / STORE_NAME
        data: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text())
        if not isinstance(data, dict) or data.get("fingerprint") != _fingerprint():
            data = {"fingerprint": _fingerprint(), "modules": {}}
        if not isinstance(data.get("modules"), dict):
            data["modules"] = {}
        return cls(path, data)

    def get(self, module: str, stamp: str | None) -> list[Finding] | None:
        entry = self.data["modules"].get(module)
        if stamp is None or not isinstance(entry, dict) or entry.get("stamp") != stamp:
            return None
        try:
            return [Finding(**f) for f in entry["findings"]]
        except (TypeError, KeyError):
            return None

    def put(self, module: str, stamp: str | None, findings: list[Finding]) -> None:
        if stamp is None:
            self.data["modules"].pop(module, None)
        else:
            self.data["modules"][module] = {
                "stamp": stamp, "findings": [asdict(f) for f in findings]
            }
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.data))
            os.replace(tmp, self.path)
