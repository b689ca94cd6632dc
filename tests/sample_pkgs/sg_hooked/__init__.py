"""A package whose contracts are checked by the import hook, not by decorators."""

from .geometry import scale as scale
