"""The contract language: one parser from a shape string to an immutable tree.

Every part of shapeguard (the runtime guard, the mypy plugin, the losses, the CLI) reads
shape strings through `parse_shape` and nothing else, so that all of them agree on what a
string means. Dim expressions (`h+1`, `2*w`, `h//2`) are parsed into a tree and evaluated
by `evaluate`; nothing here, or anywhere in shapeguard, calls `eval`.

Grammar (space-separated dims, compatible with jaxtyping):

    23        FixedDim(23)                  rgb=3   FixedDim(3, label="rgb")
    h         NamedDim("h")                 #h      NamedDim("h", broadcast=True)
    _         AnyDim()                      _h      AnyDim(label="h")  (documentation only)
    *batch    VariadicDim("batch")          *#b     VariadicDim("b", broadcast=True)
    ...  *_   VariadicDim(None)             ""      ShapeSpec(())  -- a scalar
    h+1  2*w  h//2  (h-k)*2                 ExprDim(...)  over named dims and ints
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from ._errors import SpecError

__all__ = [
    "AnyDim",
    "BinOp",
    "Const",
    "Dim",
    "Expr",
    "ExprDim",
    "FixedDim",
    "NamedDim",
    "Ref",
    "ShapeSpec",
    "VariadicDim",
    "evaluate",
    "expr_names",
    "parse_shape",
]

Operator = Literal["+", "-", "*", "//"]
_PRECEDENCE: dict[str, int] = {"+": 1, "-": 1, "*": 2, "//": 2}


# --- expressions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Const:
    value: int

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class Ref:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class BinOp:
    op: Operator
    left: Expr
    right: Expr

    def __str__(self) -> str:
        mine = _PRECEDENCE[self.op]
        left = str(self.left)
        if isinstance(self.left, BinOp) and _PRECEDENCE[self.left.op] < mine:
            left = f"({left})"
        right = str(self.right)
        # Operators are left-associative: a right operand of equal precedence needs
        # parentheses to mean the same tree when parsed again.
        if isinstance(self.right, BinOp) and _PRECEDENCE[self.right.op] <= mine:
            right = f"({right})"
        return f"{left}{self.op}{right}"


Expr = Const | Ref | BinOp


def evaluate(expr: Expr, bindings: dict[str, int]) -> int | None:
    """The value of `expr` under `bindings`, or None when a name in it is not bound.

    Raises ZeroDivisionError for `x//0`; callers turn that into their own message.
    """
    if type(expr) is Const:
        return expr.value
    if type(expr) is Ref:
        return bindings.get(expr.name)
    assert isinstance(expr, BinOp)
    left = evaluate(expr.left, bindings)
    if left is None:
        return None
    right = evaluate(expr.right, bindings)
    if right is None:
        return None
    if expr.op == "+":
        return left + right
    if expr.op == "-":
        return left - right
    if expr.op == "*":
        return left * right
    return left // right


def expr_names(expr: Expr) -> frozenset[str]:
    """The dim names an expression refers to."""
    if isinstance(expr, Ref):
        return frozenset((expr.name,))
    if isinstance(expr, BinOp):
        return expr_names(expr.left) | expr_names(expr.right)
    return frozenset()


# --- dims ----------------------------------------------------------------------------


def _hash(broadcast: bool) -> str:
    return "#" if broadcast else ""


@dataclass(frozen=True, slots=True)
class FixedDim:
    size: int
    broadcast: bool = False
    label: str | None = None

    def __str__(self) -> str:
        label = f"{self.label}=" if self.label is not None else ""
        return f"{_hash(self.broadcast)}{label}{self.size}"


@dataclass(frozen=True, slots=True)
class NamedDim:
    name: str
    broadcast: bool = False

    def __str__(self) -> str:
        return f"{_hash(self.broadcast)}{self.name}"


@dataclass(frozen=True, slots=True)
class AnyDim:
    label: str | None = None

    def __str__(self) -> str:
        return f"_{self.label or ''}"


@dataclass(frozen=True, slots=True)
class ExprDim:
    expr: Expr
    broadcast: bool = False

    def __str__(self) -> str:
        return f"{_hash(self.broadcast)}{self.expr}"


@dataclass(frozen=True, slots=True)
class VariadicDim:
    """Zero or more dims. `name` None is anonymous (`...`, `*_`, `*_label`)."""

    name: str | None
    broadcast: bool = False
    label: str | None = None

    def __str__(self) -> str:
        if self.name is None:
            return "..." if self.label is None else f"*_{self.label}"
        return f"*{_hash(self.broadcast)}{self.name}"


Dim = FixedDim | NamedDim | AnyDim | ExprDim | VariadicDim


@dataclass(frozen=True, slots=True)
class ShapeSpec:
    """A parsed shape string. `str(spec)` is its canonical spelling, parsed back to `spec`."""

    dims: tuple[Dim, ...]

    def __str__(self) -> str:
        return " ".join(str(d) for d in self.dims)

    @property
    def variadic_index(self) -> int | None:
        for i, dim in enumerate(self.dims):
            if isinstance(dim, VariadicDim):
                return i
        return None

    @property
    def min_rank(self) -> int:
        """The fewest dims a matching array has (the rank, if there is no variadic)."""
        return sum(1 for d in self.dims if not isinstance(d, VariadicDim))

    def names(self) -> frozenset[str]:
        """Every dim name the spec binds or refers to."""
        out: set[str] = set()
        for dim in self.dims:
            if isinstance(dim, (NamedDim, VariadicDim)) and dim.name is not None:
                out.add(dim.name)
            elif isinstance(dim, ExprDim):
                out |= expr_names(dim.expr)
        return frozenset(out)


# --- parser --------------------------------------------------------------------------

_INT = re.compile(r"[0-9]+\Z")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
_GRID = re.compile(r"[0-9]+(?:[xX×][0-9]+)+\Z")  # noqa: RUF001, RUF003 - "23×23" is a typo we recognise
_EXPR_TOKEN = re.compile(
    r"\s*(?:(?P<int>[0-9]+)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>//|[-+*()]))"
)
_SUPPORTED = "named dims, ints, + - * // and parentheses"


def parse_shape(text: str) -> ShapeSpec:
    """Parse a shape string. Raises SpecError, and nothing else, on malformed input."""
    if not isinstance(text, str):
        raise SpecError(repr(text), 0, f"a shape must be a string, not {type(text).__name__}")
    return _parse_cached(text)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> ShapeSpec:
    _check_whole_string(text)
    dims: list[Dim] = []
    variadic_at: int | None = None
    single_names: dict[str, int] = {}
    variadic_names: dict[str, int] = {}
    for match in re.finditer(r"\S+", text):
        token, start = match.group(), match.start()
        dim = _parse_dim(text, token, start)
        if isinstance(dim, VariadicDim):
            if variadic_at is not None:
                raise SpecError(
                    text,
                    start,
                    "two variadic dims",
                    "a shape has at most one variadic dim (`*name` or `...`); "
                    "spell the others out, e.g. '*batch h w'",
                )
            variadic_at = start
            if dim.name is not None:
                variadic_names[dim.name] = start
        elif isinstance(dim, NamedDim):
            single_names.setdefault(dim.name, start)
        dims.append(dim)
    for name, start in variadic_names.items():
        if name in single_names:
            where = max(start, single_names[name])
            raise SpecError(
                text,
                where,
                f"{name!r} is used both as a variadic dim (*{name}) and as a single dim",
                "give the single dim another name",
            )
    return ShapeSpec(tuple(dims))


def _check_whole_string(text: str) -> None:
    """Mistakes that concern the string as a whole, before it is split into dims."""
    stripped = text.strip()
    bracketed = stripped[:1] == "[" and stripped[-1:] == "]"
    # "(b, h)" is a tuple written as a string; "(h+1)//2" is an expression.
    tupled = stripped[:1] == "(" and stripped[-1:] == ")" and "," in stripped
    if bracketed or tupled:
        inner = stripped[1:-1].replace(",", " ").split()
        raise SpecError(
            text,
            text.index(stripped[0]),
            "a shape is written without brackets",
            f"write {' '.join(inner)!r}",
        )
    comma = text.find(",")
    if comma >= 0:
        fixed = " ".join(text.replace(",", " ").split())
        raise SpecError(text, comma, "dims are separated by spaces, not commas", f"write {fixed!r}")


def _parse_dim(text: str, token: str, start: int) -> Dim:
    if token == "...":
        return VariadicDim(None)
    if "..." in token:
        raise SpecError(
            text,
            start + token.index("..."),
            "'...' must stand alone as a dim",
            "separate it with spaces, e.g. '... h w'",
        )
    variadic = broadcast = False
    pos = 0
    while pos < len(token) and token[pos] in "*#?":
        char = token[pos]
        if char == "?":
            raise SpecError(
                text,
                start + pos,
                "'?' (pytree-dependent dims) is not supported",
                "shapeguard checks arrays, not pytrees; drop the '?'",
            )
        if (char == "*" and variadic) or (char == "#" and broadcast):
            raise SpecError(
                text,
                start + pos,
                f"repeated modifier {char!r}",
                "modifiers are `*` (variadic) and `#` (broadcastable), each at most once",
            )
        variadic = variadic or char == "*"
        broadcast = broadcast or char == "#"
        pos += 1
    body = token[pos:]
    body_start = start + pos
    if not body:
        what = "variadic" if variadic else "broadcastable"
        raise SpecError(
            text,
            start,
            f"a {what} marker without a name",
            "write e.g. '*batch' or '#h'; '...' is the anonymous variadic",
        )
    if body.startswith("_") and (body == "_" or _IDENT.match(body)):
        label = body[1:] or None
        if broadcast:
            raise SpecError(
                text,
                start,
                "an anonymous dim cannot be broadcastable",
                "'_' already matches any size; drop the '#'",
            )
        return VariadicDim(None, label=label) if variadic else AnyDim(label)
    if "=" in body:
        label, _, value = body.partition("=")
        if not _IDENT.match(label) or not _INT.match(value):
            raise SpecError(
                text,
                body_start,
                f"cannot read {body!r}",
                "'name=size' documents a fixed size, e.g. 'rgb=3'",
            )
        if variadic:
            raise SpecError(text, start, "a fixed size cannot be variadic", "drop the '*'")
        return FixedDim(int(value), broadcast, label)
    if _INT.match(body):
        if variadic:
            raise SpecError(text, start, "a fixed size cannot be variadic", "drop the '*'")
        return FixedDim(int(body), broadcast)
    if _IDENT.match(body):
        return VariadicDim(body, broadcast) if variadic else NamedDim(body, broadcast)
    if _GRID.match(body):
        fixed = " ".join(re.split(r"[xX×]", body))  # noqa: RUF001
        raise SpecError(
            text, body_start, f"{body!r} is one token", f"dims are separated by spaces: {fixed!r}"
        )
    expr = _parse_expr(text, body, body_start)
    if variadic:
        raise SpecError(
            text, start, "a variadic dim cannot be an expression", "name it, e.g. '*batch'"
        )
    # "(23)" and "(h)" mean what "23" and "h" mean: one tree for one meaning.
    if isinstance(expr, Const):
        return FixedDim(expr.value, broadcast)
    if isinstance(expr, Ref):
        return NamedDim(expr.name, broadcast)
    return ExprDim(expr, broadcast)


class _ExprParser:
    """Recursive descent over `+ -` (lowest), `* //`, then ints, names and parentheses."""

    def __init__(self, text: str, body: str, offset: int) -> None:
        self.text, self.body, self.offset = text, body, offset
        self.tokens: list[tuple[str, str, int]] = []  # (kind, value, position in text)
        if "**" in body:
            self._unknown(body.index("**"))
        pos = 0
        while pos < len(body):
            match = _EXPR_TOKEN.match(body, pos)
            if match is None or match.end() == pos:
                self._unknown(pos)
            assert match is not None
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match.group(kind), offset + match.start(kind)))
            pos = match.end()
        self.index = 0

    def _unknown(self, pos: int) -> None:
        char = self.body[pos]
        if self.body.startswith("**", pos):
            char = "**"
            hint = "powers are not supported; write the product out, e.g. 'h*h'"
        elif char == "/":
            hint = "use // for integer division, e.g. 'h//2'"
        else:
            hint = f"a dim expression may use {_SUPPORTED}"
        raise SpecError(
            self.text, self.offset + pos, f"unknown operator or character {char!r}", hint
        )

    def fail(self, problem: str, hint: str = "") -> SpecError:
        if self.index < len(self.tokens):
            where = self.tokens[self.index][2]
        else:
            where = self.offset + len(self.body)
        return SpecError(
            self.text, where, problem, hint or f"a dim expression may use {_SUPPORTED}"
        )

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def parse(self) -> Expr:
        expr = self.sum()
        if self.peek() is not None:
            _, value, _ = self.tokens[self.index]
            if value == ")":
                raise self.fail("unbalanced parentheses: ')' without '('")
            raise self.fail(f"unexpected {value!r}", "an operator is missing between two terms")
        return expr

    def sum(self) -> Expr:
        expr = self.product()
        while (tok := self.peek()) is not None and tok[1] in ("+", "-"):
            self.index += 1
            op: Operator = "+" if tok[1] == "+" else "-"
            expr = BinOp(op, expr, self.product())
        return expr

    def product(self) -> Expr:
        expr = self.atom()
        while (tok := self.peek()) is not None and tok[1] in ("*", "//"):
            self.index += 1
            op: Operator = "*" if tok[1] == "*" else "//"
            expr = BinOp(op, expr, self.atom())
        return expr

    def atom(self) -> Expr:
        tok = self.peek()
        if tok is None:
            raise self.fail("the expression ends where a size or name was expected")
        kind, value, _ = tok
        if kind == "int":
            self.index += 1
            return Const(int(value))
        if kind == "name":
            if value.startswith("_"):
                raise self.fail(
                    f"{value!r} is anonymous and has no size to compute with",
                    "name the dim without a leading underscore",
                )
            self.index += 1
            return Ref(value)
        if value == "(":
            self.index += 1
            inner = self.sum()
            closing = self.peek()
            if closing is None or closing[1] != ")":
                raise self.fail("unbalanced parentheses: '(' without ')'")
            self.index += 1
            return inner
        if value == "-":
            raise self.fail("negative sizes are not allowed", "sizes are whole numbers >= 0")
        raise self.fail(f"unexpected {value!r} where a size or name was expected")


def _parse_expr(text: str, body: str, offset: int) -> Expr:
    return _ExprParser(text, body, offset).parse()
