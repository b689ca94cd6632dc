"""Findings of `shapeguard check` and the three ways of printing them.

`text` is mypy's own format (`path:line:col: error: message  [code]`), so that editors and
tools that parse mypy output show shapeguard's findings; `json` is one object per finding;
`github` is GitHub Actions workflow commands (annotations on the pull request diff).
Nothing here imports mypy or torch.
"""

from __future__ import annotations

import json
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace

FORMATS = ("text", "json", "github")

#: Codes that are shapeguard's own (the plugin's, the second pass's, tracing's).
SHAPEGUARD_CODES = frozenset({"shape", "dtype", "shape-spec"})


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int  # 1-based, as mypy prints it; 0 when unknown
    severity: str  # "error" or "note"
    message: str
    code: str | None
    expected: str | None = None
    actual: str | None = None
    source: str = "mypy"  # "mypy" (the plugin), "returns" (the second pass), "trace"

    def with_shapes(self) -> Finding:
        """The same finding with `expected`/`actual` read off the message when missing."""
        if self.expected is not None or self.actual is not None:
            return self
        expected, actual = shapes_in_message(self.message)
        return replace(self, expected=expected, actual=actual)


# The plugin's messages (shapeguard/mypy_plugin/_errors.py) put the shapes in fixed places.
_SHAPE_MESSAGE = re.compile(
    r'has shape "(?P<actual>[^"]*)"; (?:expected|declared return shape is) "(?P<expected>[^"]*)"'
)
_DTYPE_MESSAGE = re.compile(
    r"has dtype (?P<actual>[\w|]+); (?:expected|declared return dtype is) (?P<expected>[\w| ]+)$"
)


def shapes_in_message(message: str) -> tuple[str | None, str | None]:
    """(expected, actual) as written in a plugin message, or (None, None)."""
    found = _SHAPE_MESSAGE.search(message) or _DTYPE_MESSAGE.search(message)
    if found is None:
        return None, None
    return found["expected"], found["actual"]


def sort_key(f: Finding) -> tuple[str, int, int, str]:
    return (f.path, f.line, f.column, f.message)


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, int, int, str, str | None]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.path, f.line, f.column, f.message, f.code)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# -- `# type: ignore` comments ----------------------------------------------------------

# What CPython's parser takes for a type-ignore comment (the comment starts with it), and
# mypy's reading of what follows (`mypy.fastparse.parse_type_ignore_tag`).
_TYPE_IGNORE = re.compile(r"#[ \t]*type:[ \t]*ignore(?![A-Za-z0-9])(?P<tag>.*)")
_IGNORE_TAG = re.compile(r"\s*\[([^]#]*)\]\s*(#.*)?$")


def is_ignored(ignored_lines: Mapping[int, Sequence[str]], line: int, code: str | None) -> bool:
    """Whether a finding with `code` at `line` is silenced: the line has a bare
    `# type: ignore` or one listing `code`. `ignored_lines` maps a line to its listed codes
    ([] for a bare ignore), as mypy's `MypyFile.ignored_lines` and `ignored_lines()` do."""
    codes = ignored_lines.get(line)
    return codes is not None and (not codes or code in codes)


def ignored_lines(path: str) -> dict[int, list[str]]:
    """The `# type: ignore` comments of a source file, read with `tokenize` (a `#` inside a
    string is not a comment): line -> listed codes, [] for a bare ignore. An unreadable file
    has none; one that stops tokenizing keeps the comments read up to there."""
    out: dict[int, list[str]] = {}
    try:
        with tokenize.open(path) as f:
            for tok in tokenize.generate_tokens(f.readline):
                if tok.type != tokenize.COMMENT:
                    continue
                m = _TYPE_IGNORE.match(tok.string)
                if m is None:
                    continue
                codes = _ignore_codes(m["tag"])
                if codes is not None:
                    out[tok.start[0]] = codes
    except (OSError, SyntaxError, UnicodeDecodeError, tokenize.TokenError):
        pass
    return out


def _ignore_codes(tag: str) -> list[str] | None:
    """[] for no tag (ignore everything), the listed codes, or None for a malformed tag."""
    if not tag.strip() or tag.strip().startswith("#"):
        return []
    m = _IGNORE_TAG.match(tag)
    if m is None:
        return None
    return [stripped for code in m[1].split(",") if (stripped := code.strip())]


# -- text ------------------------------------------------------------------------------


def format_text(findings: Sequence[Finding], *, summary: bool = True) -> str:
    lines = []
    for f in findings:
        code = f"  [{f.code}]" if f.code and f.severity == "error" else ""
        first, *rest = f.message.split("\n")
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.severity}: {first}{code}")
        # mypy prints continuation lines as notes at the same place.
        lines += [f"{f.path}:{f.line}:{f.column}: note: {more}" for more in rest]
    errors = [f for f in findings if f.severity == "error"]
    if summary:
        if errors:
            files = len({f.path for f in errors})
            lines.append(
                f"Found {len(errors)} shape error{'s' if len(errors) != 1 else ''} in "
                f"{files} file{'s' if files != 1 else ''}"
            )
        else:
            lines.append("Success: no shape issues found")
    return "\n".join(lines) + ("\n" if lines else "")


# -- json ------------------------------------------------------------------------------


def format_json(findings: Sequence[Finding]) -> str:
    return json.dumps([asdict(f.with_shapes()) for f in findings], indent=2) + "\n"


# -- github ----------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        kind = "error" if f.severity == "error" else "notice"
        title = f"shapeguard [{f.code}]" if f.code else "shapeguard"
        props = [f"file={_escape_property(f.path)}", f"line={f.line}"]
        if f.column > 0:
            props.append(f"col={f.column}")
        props.append(f"title={_escape_property(title)}")
        lines.append(f"::{kind} {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def render(findings: Sequence[Finding], fmt: str) -> str:
    if fmt == "json":
        return format_json(findings)
    if fmt == "github":
        return format_github(findings)
    return format_text(findings)
