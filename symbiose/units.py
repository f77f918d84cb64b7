"""Units at the boundary: the one pint registry, and the conversion of user quantities.

Quantities enter as strings such as ``"80 GWh/yr"``, ``"1.8 Mt/yr"`` or ``"60 EUR/MWh"``, or as
plain numbers already in the canonical unit.  A string is one number, written in the
territory's ``number_format`` (:mod:`symbiose.numbers`), then its unit: never a product of
numbers.  Unit spellings easily mistaken for a domain unit (``mt``, ``MT``, ``gwh``) are
refused with the right one; ``€`` is read as EUR.  Quantities are converted here, once, to
plain floats in the canonical unit asked for; nothing downstream sees pint.  A unit text is
parsed by pint once, and each (unit, target) conversion computed once.  Every failure is a
:class:`UnitProblem` whose message names the value and what was expected, for the caller to
attach a field path to.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any, cast

import pint

from symbiose.numbers import SPACES, NumberFormat, explain, leading_number_text, match_number

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


# French coordinators write "t/an" and "MWh/j"; pint knows neither, so they mean nothing else.
_REGISTRY.define("an = year = _ = ans")
_REGISTRY.define("jour = day = j = jours")
FRENCH_UNITS = frozenset({"an", "ans", "j", "jour", "jours"})
"""French words for units, accepted although ``j`` differs from ``J`` (joule) only in case."""

# pint evaluates powers exactly: a tower such as 10**10**10 would never finish.
_POWER_TOWER = re.compile(r"(\*\*|\^)\s*[\d.(+\-\s]+(\*\*|\^)")
_POWER = re.compile(r"(?:\*\*|\^)\s*\(?\s*[+-]?(\d+)\s*\)?")
MAX_POWER = 12
MAX_TEXT = 200
_WORD = re.compile(r"[^\W\d]+")

DOMAIN_UNITS = (
    "t", "kt", "Mt", "Gt", "kg", "g",
    "Wh", "kWh", "MWh", "GWh", "TWh", "W", "kW", "MW", "GW",
    "J", "kJ", "MJ", "GJ", "TJ", "PJ",
    "EUR", "kEUR", "MEUR", "km", "m", "yr", "h", "K", "degC",
)  # fmt: skip
"""The units of this domain, as they must be spelled: another case of the same letters
(``mt``, ``MT``, ``gwh``, ``KT``) is refused with the right spelling, unless pint reads it as
exactly the same unit (``eur``, ``Meur``)."""
_BY_LOWER = {u.lower(): u for u in DOMAIN_UNITS}


def _money(text: str) -> str:
    # pint's tokenizer cannot read "€"; every output prints €, so inputs may use it too
    return text.replace("€", "EUR")


def _check_words(unit_text: str, value: Any) -> None:
    for word in _WORD.findall(unit_text):
        refusal = _confusable(word)
        if refusal:
            raise UnitProblem(f"unit {word!r} in {value!r} {refusal}")


@lru_cache(maxsize=1024)
def _confusable(word: str) -> str:
    """Why ``word`` is refused as a misspelling of a domain unit, or '' if it is not one."""
    right = _BY_LOWER.get(word.lower())
    if right is None or word == right or word in FRENCH_UNITS:
        return ""
    try:
        same = ureg.Quantity(1.0, word).to(right).magnitude == 1.0
    except Exception:
        same = False
    if same:
        return ""
    try:
        meaning = f" (as written it means {ureg.get_name(word)})"
    except Exception:
        meaning = ""
    return f"is easily mistaken{meaning}: did you mean {right!r}?"


def _check_powers(text: str, value: Any) -> None:
    if _POWER_TOWER.search(text) or any(int(e) > MAX_POWER for e in _POWER.findall(text)):
        raise UnitProblem(f"cannot read {value!r}: powers must be small numbers (e.g. m**3)")


@lru_cache(maxsize=4096)
def _unit(unit_text: str) -> pint.Unit:
    q: Any = ureg.Quantity(unit_text)
    if not isinstance(q, pint.Quantity) or q.magnitude != 1:
        raise ValueError(unit_text)
    return cast(pint.Unit, q.units)


def _read_unit(unit_text: str, value: Any) -> pint.Unit:
    """The pint unit of the unit part of a quantity; bare numbers in it are refused."""
    text = _money(unit_text)
    _check_powers(text, value)
    if re.search(r"\d", _POWER.sub("", text)):
        raise UnitProblem(
            f"cannot read {value!r}: a quantity is one number followed by its unit"
            " (e.g. '1 200 000 t/yr'), not a product of numbers"
        )
    _check_words(text, value)
    try:
        return _unit(text)
    except pint.UndefinedUnitError as exc:
        names = ", ".join(sorted(exc.unit_names)) if hasattr(exc, "unit_names") else str(exc)
        raise UnitProblem(f"unknown unit {names!r} in {value!r}") from None
    except Exception:  # pint's parser raises several kinds for malformed text
        raise UnitProblem(f"cannot read {value!r} as a quantity (e.g. '80 GWh/yr')") from None


def read_text(value: str, style: NumberFormat = "en") -> tuple[float, pint.Unit | None]:
    """Split a quantity text into its number (read in ``style``) and its unit (None: no unit).

    Raises:
        UnitProblem: the number or the unit cannot be read; the message shows how to write it.
    """
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise UnitProblem(f"quantity text longer than {MAX_TEXT} characters: {text[:40]!r}...")
    found = match_number(text, style)
    rest = text[found[1] :] if found else text
    follows = rest.lstrip(SPACES)[:1]
    # digits or marks right after the number: it was not read whole ("1,2" in en, "18 00 000")
    if found is None or follows.isdigit() or rest[:1] in (".", ","):
        if found is None and not leading_number_text(text):
            raise UnitProblem(
                f"expected a number followed by its unit (e.g. '80 GWh/yr'), got {value!r}"
            )
        raise UnitProblem(explain(text, style))
    unit_text = rest.strip()
    return found[0], (_read_unit(unit_text, value) if unit_text else None)


def parse_quantity(value: Any, style: NumberFormat = "en") -> pint.Quantity | float:
    """Read ``value``: a number stays a float, a string becomes a pint quantity.

    A string is one number written in ``style`` (see :mod:`symbiose.numbers`), then
    optionally its unit; a string without a unit is a plain number.

    Raises:
        UnitProblem: the value is neither a number nor a readable quantity.
    """
    if isinstance(value, pint.Quantity):
        return value
    magnitude, unit = read_value(value, style)
    return magnitude if unit is None else ureg.Quantity(magnitude, unit)


def read_value(value: Any, style: NumberFormat = "en") -> tuple[float, pint.Unit | None]:
    """``value`` as its number and its unit (None: a bare number), without a pint quantity.

    What :func:`parse_quantity` reads, at the cost of a number and a cached unit: the hot
    path of a conversion of thousands of rows.

    Raises:
        UnitProblem: the value is neither a number nor a readable quantity.
    """
    if isinstance(value, bool):
        raise UnitProblem(f"expected a number or a quantity with its unit, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value), None
    if isinstance(value, pint.Quantity):
        return float(value.magnitude), cast(pint.Unit, value.units)
    if not isinstance(value, str) or not value.strip():
        raise UnitProblem(f"expected a number or a quantity with its unit, got {value!r}")
    return _read_text_once(value, style)


@lru_cache(maxsize=65536)
def _read_text_once(value: str, style: NumberFormat) -> tuple[float, pint.Unit | None]:
    # a column repeats its texts ('40 EUR/t' for every site of a sector): each is read once
    return read_text(value, style)


def unit_of(text: str) -> pint.Unit:
    """The pint unit written ``text`` (parsed once per distinct text)."""
    return _unit(_money(text))


@lru_cache(maxsize=4096)
def _conversion(source: pint.Unit, target: str) -> tuple[float, float] | None:
    """``target = scale * source + offset`` (None: other dimension), once per unit pair."""
    try:
        zero = ureg.Quantity(0.0, source).to(target).magnitude
        one = ureg.Quantity(1.0, source).to(target).magnitude
    except pint.DimensionalityError:
        return None
    return float(one - zero), float(zero)


def to_unit(
    value: Any, unit: str, *, allow_negative: bool = False, style: NumberFormat = "en"
) -> float:
    """The magnitude of ``value`` in ``unit``; a bare number is taken to be in ``unit``.

    Strings are read in ``style``, the territory's ``number_format``.

    Raises:
        UnitProblem: unknown unit, wrong dimension, not finite, or negative when not allowed.
    """
    magnitude, source = read_value(value, style)
    return convert_value(magnitude, source, unit, value, allow_negative=allow_negative)


def convert_value(
    magnitude: float,
    source: pint.Unit | None,
    unit: str,
    value: Any,
    *,
    allow_negative: bool = False,
) -> float:
    """``magnitude`` of ``source`` (None: already in ``unit``) in ``unit``, checked.

    ``value`` is what the user wrote, for the messages.

    Raises:
        UnitProblem: wrong dimension, not finite, or negative when not allowed.
    """
    if source is not None:
        try:
            conversion = _conversion(source, unit)
        except Exception:
            raise UnitProblem(f"cannot convert {value!r} to {unit}") from None
        if conversion is None:
            raise UnitProblem(
                f"{value!r} has the wrong dimension: expected a quantity in {unit}"
                f" ({describe_dimension(unit)})"
            )
        scale, offset = conversion
        magnitude = float(magnitude) * scale + offset
    if not math.isfinite(magnitude):
        raise UnitProblem(f"must be a finite number, got {value!r}")
    if not allow_negative and magnitude < 0:
        raise UnitProblem(f"must not be negative, got {value!r}")
    return magnitude


@lru_cache(maxsize=4096)
def _dimensionality(unit: str | pint.Unit) -> Any:
    return ureg.Quantity(1.0, unit).dimensionality


def dimension_of(unit: str) -> str:
    """The dimensionality of ``unit`` as text (e.g. ``[mass]``)."""
    return str(_dimensionality(unit))


def describe_dimension(unit: str) -> str:
    """A readable name for the dimension of ``unit``."""
    dim = _dimensionality(unit)
    return str(dim) if dim else "dimensionless"


def same_dimension(a: str | pint.Unit, b: str | pint.Unit) -> bool:
    """Whether two units measure the same thing (each unit's dimension computed once)."""
    return bool(_dimensionality(a) == _dimensionality(b))


def misspelt_unit(text: str) -> str | None:
    """Why the unit ``text`` is refused as easily mistaken (``mt``, ``MT``, ``gwh``), or None."""
    for word in _WORD.findall(text):
        refusal = _confusable(word)
        if refusal:
            return f"unit {word!r} {refusal}"
    return None


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
