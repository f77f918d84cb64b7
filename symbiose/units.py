"""Units at the boundary: the one pint registry, and the conversion of user quantities.

Quantities enter as strings such as ``"80 GWh/yr"``, ``"1.8 Mt/yr"`` or ``"60 EUR/MWh"``, or as
plain numbers already in the canonical unit.  They are converted here, once, to plain floats in
the canonical unit asked for; nothing downstream sees pint.  Every failure is a
:class:`UnitProblem` whose message names the value and what was expected, for the caller to
attach a field path to.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import pint

_REGISTRY: pint.UnitRegistry = pint.UnitRegistry(
    autoconvert_offset_to_baseunit=True, on_redefinition="ignore"
)
# Money is its own dimension; prefixes give kEUR and MEUR.
_REGISTRY.define("EUR = [currency] = eur = euro")
# pint reads "kt" as a knot: in this domain it is a kilotonne.
_REGISTRY.define("kt = 1000 * metric_ton")
_REGISTRY.define("Mt = 1e6 * metric_ton")
_REGISTRY.define("Gt = 1e9 * metric_ton")
ureg = _REGISTRY


class UnitProblem(ValueError):
    """A value that cannot be read in the unit asked for; the message names both."""


# pint evaluates powers exactly: a tower such as 10**10**10 would never finish.
_POWER_TOWER = re.compile(r"(\*\*|\^)\s*[\d.(+\-\s]+(\*\*|\^)")
_EXPONENT = re.compile(r"(?:\*\*|\^)\s*\(?\s*[+-]?(\d+)")
MAX_TEXT = 200


@lru_cache(maxsize=4096)
def _parse(text: str) -> pint.Quantity:
    return ureg.Quantity(text)


def parse_quantity(value: Any) -> pint.Quantity | float:
    """Read ``value``: a number stays a float, a string becomes a pint quantity.

    Raises:
        UnitProblem: the value is neither a number nor a readable quantity.
    """
    if isinstance(value, bool):
        raise UnitProblem(f"expected a number or a quantity with its unit, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise UnitProblem(f"expected a number or a quantity with its unit, got {value!r}")
    try:
        return float(value.strip())  # a number written as text (CSV cells)
    except ValueError:
        pass
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise UnitProblem(f"quantity text longer than {MAX_TEXT} characters: {text[:40]!r}...")
    if _POWER_TOWER.search(text) or any(int(e) > 100 for e in _EXPONENT.findall(text)):
        raise UnitProblem(f"cannot read {value!r}: powers must be small numbers (e.g. m**3)")
    try:
        q = _parse(text)
    except pint.UndefinedUnitError as exc:
        names = ", ".join(sorted(exc.unit_names)) if hasattr(exc, "unit_names") else str(exc)
        raise UnitProblem(f"unknown unit {names!r} in {value!r}") from None
    except Exception:  # pint's parser raises several kinds for malformed text
        raise UnitProblem(f"cannot read {value!r} as a quantity (e.g. '80 GWh/yr')") from None
    if not isinstance(q, pint.Quantity):
        return float(q)
    return q


def to_unit(value: Any, unit: str, *, allow_negative: bool = False) -> float:
    """The magnitude of ``value`` in ``unit``; a bare number is taken to be in ``unit``.

    Raises:
        UnitProblem: unknown unit, wrong dimension, not finite, or negative when not allowed.
    """
    q = parse_quantity(value)
    if isinstance(q, float):
        magnitude = q
    else:
        try:
            magnitude = float(q.to(unit).magnitude)
        except pint.DimensionalityError:
            raise UnitProblem(
                f"{value!r} has the wrong dimension: expected a quantity in {unit}"
                f" ({describe_dimension(unit)})"
            ) from None
        except Exception:
            raise UnitProblem(f"cannot convert {value!r} to {unit}") from None
    if not math.isfinite(magnitude):
        raise UnitProblem(f"must be a finite number, got {value!r}")
    if not allow_negative and magnitude < 0:
        raise UnitProblem(f"must not be negative, got {value!r}")
    return magnitude


def dimension_of(unit: str) -> str:
    """The dimensionality of ``unit`` as text (e.g. ``[mass]``)."""
    return str(ureg.Quantity(1.0, unit).dimensionality)


def describe_dimension(unit: str) -> str:
    """A readable name for the dimension of ``unit``."""
    dim = ureg.Quantity(1.0, unit).dimensionality
    return str(dim) if dim else "dimensionless"


def same_dimension(a: str, b: str) -> bool:
    """Whether two units measure the same thing."""
    return ureg.Quantity(1.0, a).dimensionality == ureg.Quantity(1.0, b).dimensionality


def is_unit(text: str) -> bool:
    """Whether ``text`` is a unit pint knows."""
    try:
        ureg.Unit(text)
    except Exception:
        return False
    return True


_READABLE_STEPS: dict[str, list[tuple[float, str]]] = {
    "t": [(1e6, "Mt"), (1e3, "kt"), (1.0, "t")],
    "MWh": [(1e6, "TWh"), (1e3, "GWh"), (1.0, "MWh")],
    "m**3": [(1e6, "Mm³"), (1e3, "thousand m³"), (1.0, "m³")],
}


def readable(quantity: float, unit: str, per: str = "/yr") -> str:
    """A short human text for ``quantity`` canonical ``unit`` (``"75.2 GWh/yr"``)."""
    steps = _READABLE_STEPS.get(unit, [(1.0, unit)])
    for factor, name in steps:
        if abs(quantity) >= factor or factor == steps[-1][0]:
            return f"{quantity / factor:,.3g} {name}{per}"
    return f"{quantity:,.3g} {unit}{per}"  # pragma: no cover - the loop always returns


def money(eur: float) -> str:
    """EUR amounts for people: ``"12.3 M€"``, ``"450 k€"``, ``"80 €"``."""
    a = abs(eur)
    if a >= 1e6:
        return f"{eur / 1e6:,.2f} M€"
    if a >= 1e3:
        return f"{eur / 1e3:,.0f} k€"
    return f"{eur:,.0f} €"


def tonnes(t: float) -> str:
    """T CO2 amounts for people: ``"1.23 Mt"``, ``"45.6 kt"``, ``"80 t"``."""
    a = abs(t)
    if a >= 1e6:
        return f"{t / 1e6:,.2f} Mt"
    if a >= 1e3:
        return f"{t / 1e3:,.1f} kt"
    return f"{t:,.0f} t"
