"""Annotations as users write them, for the coexistence tests (pyright, ruff): no finding
is expected from either tool on this package. `control.py` holds real mistakes that both
tools must still report, so that a quiet run means something."""
