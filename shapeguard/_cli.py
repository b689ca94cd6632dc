"""The `shapeguard` command: `shapeguard check PATH...` and `shapeguard explain ...`.

Thin: argparse, `[tool.shapeguard]` from pyproject.toml, dispatch. The work is in
`_check_command` (mypy + second pass), `_trace` (--trace) and `_output` (formats); `explain`
is `_diagnose.diagnose_shapes`. mypy and torch are imported only by the command that needs
them. Exit status: 0 clean, 1 findings, 2 usage or internal error (always with a message).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._output import FORMATS, Finding, dedupe, render

_CHECK_DESCRIPTION = """\
Check tensor shape and dtype contracts statically: runs mypy (your mypy configuration, with
the shapeguard plugin added if it is not listed) and a second pass over the checked modules
for returns and annotated assignments; prints mypy-compatible lines. Exit status: 0 clean,
1 findings, 2 usage or internal error.

Defaults come from [tool.shapeguard] in the nearest pyproject.toml (keys: paths, format,
trace, config-file, all-errors, factories); flags override them."""

_TRACE_HELP = """\
also run every @shapeguard.check function of the checked modules once on torch meta
tensors (no memory, no arithmetic), to find shape errors raised by torch ops inside
function bodies. This IMPORTS your modules, which runs their top-level code (guard
scripts with `if __name__ == "__main__":`). Needs torch."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own: usage + message, exit 2
        self.print_usage(sys.stderr)
        self.exit(2, f"shapeguard: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shapeguard",
        description="Tensor shape and dtype contracts in jaxtyping syntax.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="{check,explain}", parser_class=_Parser)

    check = sub.add_parser(
        "check", help="check shape contracts statically (mypy + plugin + returns)",
        description=_CHECK_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or directories (default: [tool.shapeguard] paths, else .)")
    check.add_argument("--format", choices=FORMATS, default=None,
                       help="text (mypy's format, the default), json, or github annotations")
    check.add_argument("--trace", action=argparse.BooleanOptionalAction, default=None,
                       help=_TRACE_HELP)
    check.add_argument("--config-file", default=None, metavar="FILE",
                       help="mypy configuration file (default: mypy's own search)")
    check.add_argument("--all-errors", action=argparse.BooleanOptionalAction, default=None,
                       help="also report mypy's other errors, not only [shape]/[dtype]/"
                            "[shape-spec]")
    check.add_argument("--factory", action="append", default=[], metavar="CLASS=MODULE:FUNC",
                       help="--trace: build instances of CLASS (module:Class) with FUNC()")
    check.add_argument("--pyproject", default=None, metavar="FILE",
                       help="read [tool.shapeguard] from this file instead of searching")
    check.add_argument("--show-traceback", action="store_true",
                       help="print the traceback of an internal error")

    explain = sub.add_parser(
        "explain", help="explain a logits/labels shape mismatch, and the fix",
        description="Diagnose a segmentation loss's logits/labels pair from shapes alone, e.g. "
                    "`shapeguard explain --logits 1,23,23,1 --labels 1,22,22,1`. Exit status "
                    "0 when they fit, 1 when they do not.",
    )
    explain.add_argument("--logits", required=True, type=_shape, metavar="D,D,...")
    explain.add_argument("--labels", required=True, type=_shape, metavar="D,D,...")
    explain.add_argument("--task", choices=("binary", "multiclass", "auto"), default="auto")
    explain.add_argument("--layout", choices=("channels_last", "channels_first"),
                         default="channels_last")
    explain.add_argument("--logits-dtype", default=None, metavar="DTYPE")
    explain.add_argument("--labels-dtype", default=None, metavar="DTYPE")
    return parser


def _shape(text: str) -> tuple[int, ...]:
    cleaned = text.strip().strip("[]()").replace("x", ",").replace(" ", ",")
    parts = [p for p in cleaned.split(",") if p]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shape: write sizes separated by commas, e.g. 4,23,23,1"
        ) from None
    if any(d < 0 for d in shape):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes cannot be negative")
    return shape


# -- configuration ---------------------------------------------------------------------

_KEYS = {"paths", "format", "trace", "config-file", "all-errors", "factories"}


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(pyproject: Path | None) -> tuple[dict[str, Any], Path | None]:
    """[tool.shapeguard] of `pyproject` (validated), and the folder paths are relative to."""
    from ._check_command import UsageError

    if pyproject is None:
        return {}, None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: mypy's own dependency
        import tomli as tomllib
    try:
        data = tomllib.loads(pyproject.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {pyproject}: {exc}") from None
    table = data.get("tool", {}).get("shapeguard", {})
    if not isinstance(table, dict):
        raise UsageError(f"{pyproject}: [tool.shapeguard] must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise UsageError(
            f"{pyproject}: unknown key(s) in [tool.shapeguard]: {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(_KEYS))})"
        )
    checks: dict[str, tuple[type, ...]] = {
        "paths": (list,), "format": (str,), "trace": (bool,), "config-file": (str,),
        "all-errors": (bool,), "factories": (dict,),
    }
    for key, value in table.items():
        if not isinstance(value, checks[key]):
            raise UsageError(f"{pyproject}: [tool.shapeguard] {key} has the wrong type")
    if "format" in table and table["format"] not in FORMATS:
        raise UsageError(f"{pyproject}: [tool.shapeguard] format must be one of {FORMATS}")
    return table, pyproject.parent


# -- commands --------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    from ._check_command import UsageError, run_check

    pyproject = Path(args.pyproject) if args.pyproject else find_pyproject(Path.cwd())
    if args.pyproject and not Path(args.pyproject).is_file():
        raise UsageError(f"no such file: {args.pyproject}")
    settings, root = load_settings(pyproject)

    def rel(p: str) -> str:
        if root is None or os.path.isabs(p):
            return p
        return os.path.relpath(root / p)

    paths = list(args.paths) or [rel(p) for p in settings.get("paths", [])] or ["."]
    fmt = args.format or settings.get("format", "text")
    trace = args.trace if args.trace is not None else settings.get("trace", False)
    all_errors = args.all_errors if args.all_errors is not None else settings.get(
        "all-errors", False)
    config_file = args.config_file or (
        rel(settings["config-file"]) if "config-file" in settings else None)
    factories = {str(k): str(v) for k, v in settings.get("factories", {}).items()}
    for item in args.factory:
        cls, sep, target = item.partition("=")
        if not sep or ":" not in target:
            raise UsageError(f"--factory {item!r}: write CLASS=MODULE:FUNCTION")
        factories[cls] = target

    result = run_check(paths, config_file=config_file, all_errors=all_errors)
    if result.blocking:
        sys.stderr.write("\n".join(result.blocking) + "\n")
        sys.stderr.write("shapeguard: mypy stopped on the errors above (exit 2)\n")
        return 2
    findings: list[Finding] = list(result.findings)
    if trace:
        try:
            from ._trace import trace_sources
        except ImportError as exc:  # pragma: no cover - torch missing
            raise UsageError(f"--trace needs torch: {exc}") from None
        try:
            report = trace_sources(result.sources, factories=factories)
        except ImportError as exc:
            raise UsageError(f"--trace needs torch: {exc}") from None
        findings += report.findings
    findings = dedupe(findings)
    sys.stdout.write(render(findings, fmt))
    return 1 if any(f.severity == "error" for f in findings) else 0


def _explain(args: argparse.Namespace) -> int:
    from ._diagnose import diagnose_shapes

    try:
        found = diagnose_shapes(
            args.logits, args.labels, logits_dtype=args.logits_dtype,
            labels_dtype=args.labels_dtype, task=args.task, layout=args.layout,
        )
    except ValueError as exc:
        sys.stderr.write(f"shapeguard explain: {exc}\n")
        return 2
    sys.stdout.write(f"{found}\n")
    return 0 if found.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        sys.stdout.write(f"shapeguard {__version__}\n")
        return 0
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from ._check_command import UsageError

    try:
        if args.command == "explain":
            return _explain(args)
        return _check(args)
    except UsageError as exc:
        sys.stderr.write(f"shapeguard: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("shapeguard: interrupted\n")
        return 2
    except Exception as exc:
        if getattr(args, "show_traceback", False):
            traceback.print_exc()
        sys.stderr.write(
            f"shapeguard: internal error: {type(exc).__name__}: {exc}\n"
            "(this is a bug in shapeguard; rerun with --show-traceback and report it)\n"
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
