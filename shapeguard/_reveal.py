"""`reveal_shape`: a no-op at run time; under mypy with the plugin, a note with the shape."""

from __future__ import annotations

from typing import TypeVar

_T = TypeVar("_T")


def reveal_shape(value: _T) -> _T:
    """Return `value` unchanged. The shapeguard mypy plugin reports its inferred shape."""
    return value
