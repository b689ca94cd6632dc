"""The two exceptions shapeguard raises, and nothing else."""

from __future__ import annotations

# Tracebacks and reprs name the public path, `shapeguard.ShapeError`.
__all__ = ["ShapeError", "SpecError"]


class ShapeError(TypeError):
    """A value broke a shape or dtype contract at run time.

    A subclass of `TypeError` so that code which already catches a type error from a
    type checker (beartype, typeguard) catches this too.
    """


class SpecError(ValueError):
    """A shape string is malformed.

    Raised where the contract is read (decoration time, or the mypy plugin's analysis),
    never in the middle of a checked call.
    """

    def __init__(self, spec: str, position: int, problem: str, hint: str = "") -> None:
        self.spec = spec
        self.position = position
        self.problem = problem
        self.hint = hint
        super().__init__(self.render())

    def __reduce__(self) -> tuple[type[SpecError], tuple[str, int, str, str]]:
        # Errors cross process boundaries (DataLoader workers): rebuild from the parts.
        return (type(self), (self.spec, self.position, self.problem, self.hint))

    def render(self) -> str:
        """The message: the problem, the string with a caret under the bad token, a hint."""
        if not self.spec:  # a problem with an annotation as a whole, not inside a string
            lines = [self.problem]
        else:
            lines = [f"invalid shape {self.spec!r}: {self.problem}"]
            # The caret sits under the character in the repr, which has one leading quote.
            lines.append(f"    {self.spec!r}")
            lines.append("    " + " " * (1 + _repr_offset(self.spec, self.position)) + "^")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


def _repr_offset(text: str, position: int) -> int:
    """Column of `text[position]` inside `repr(text)`, less the opening quote."""
    return len(repr(text[:position])) - 2


ShapeError.__module__ = "shapeguard"
SpecError.__module__ = "shapeguard"
