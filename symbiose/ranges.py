"""The ranges of figures an inventory may hold, once converted to canonical units.

The solver works in double precision with absolute tolerances near 1e-7 to 1e-9, refuses
matrix coefficients above 1e15 and drops those below 1e-9.  A figure outside these ranges
is a typing slip (``1e300``), never a territory's truth, and would otherwise be turned into
a solver crash or silently into another number.  Conversion refuses it with its field path.
The ranges are documented in ``docs/inventory.md`` ("Limits").
"""

from __future__ import annotations

import math

from models.problem import MAX_MAGNITUDE

MIN_FIGURE = 1e-9
"""Smallest non-zero magnitude of a quantity, price, cost, CO2 factor, length or density,
in its canonical unit (t, MWh, m**3, EUR, km, years): smaller ones cannot be told from 0."""

MIN_YIELD = 1e-6
"""Smallest converter yield (units of a commodity per unit of activity)."""

MAX_YIELD = 1e6
"""Largest converter yield: with :data:`MIN_YIELD`, a converter's inputs and outputs stay
within twelve orders of magnitude of each other, which the solver handles exactly."""


def figure_fault(value: float) -> str | None:
    """Why ``value`` (canonical unit) cannot be used, or None: not finite or out of range."""
    if not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    if abs(value) > MAX_MAGNITUDE:
        return (
            f"{value:g} in the canonical unit is out of range: figures must lie within"
            f" ±{MAX_MAGNITUDE:g} (check the exponent and the unit prefix)"
        )
    if 0 < abs(value) < MIN_FIGURE:
        return (
            f"{value:g} in the canonical unit is too small to be told from 0:"
            f" write 0, or at least {MIN_FIGURE:g}"
        )
    return None


def yield_fault(value: float) -> str | None:
    """Why ``value`` cannot be a converter yield, or None."""
    if not math.isfinite(value) or value <= 0:
        return f"yield must be a positive number, got {value!r}"
    if not MIN_YIELD <= value <= MAX_YIELD:
        return (
            f"yield {value:g} is out of range: yields must lie between {MIN_YIELD:g} and"
            f" {MAX_YIELD:g} units per unit of activity (rescale the activity's unit)"
        )
    return None
