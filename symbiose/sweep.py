"""Sweeps: many solves of one inventory, and the robust toile they give.

A sweep is a list of :class:`Draw`, each a set of values for named parameters (optionally on
top of a scenario), solved independently by :func:`solve_draw`, a pure function of its
arguments that any executor can run (in-process, a Dask ``LocalCluster`` or a Dask cluster:
:mod:`symbiose.executor`), then aggregated by :func:`robust_toile`.

Parameters are named by a path into the inventory document:

* ``carbon_price`` or ``territory.carbon_price``: a territory field;
* ``SECTION[KEY].FIELD``: a field of one item, its key fields joined by ``/``, e.g.
  ``supplies[am_dunkerque/co2].handling_cost`` or ``modes[co2_ship].investment``.

Draws come from a grid (every combination of the values given, times the scenarios given) or
from Monte Carlo sampling of the ``uncertainty`` distributions the inventory declares on its
estimates.  Draw ``i`` of seed ``s`` is sampled by its own generator, seeded ``(s, i)``, so a
draw's values do not depend on how many draws are taken or in which order they are solved.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.constants import DEFAULT_GAP, DEFAULT_OBJECTIVE, DEFAULT_TIME_LIMIT
from symbiose.inventory.schema import KEYS, NOT_FIGURES, SECTIONS, Inventory, Territory
from symbiose.numbers import NumberFormat

Value = float | str
"""A parameter value as written into the document: a bare number, or a number with its unit."""


class SweepError(ValueError):
    """A sweep that cannot be set up as asked; the message names the parameter."""


# -- parameters ---------------------------------------------------------------------------------
_TERRITORY = re.compile(r"^(?:territory\.)?(?P<field>[a-z_]+)$")
_ITEM = re.compile(r"^(?P<section>[a-z_]+)\[(?P<key>[^\]]+)\]\.(?P<field>[a-z_]+)$")


@dataclass(frozen=True)
class Parameter:
    """A figure of the inventory that a sweep varies."""

    section: str | None
    """The list section (``supplies``...), or None for a territory field."""
    key: tuple[str, ...]
    """The values of the section's key fields (empty for the territory)."""
    field: str

    @property
    def label(self) -> str:
        """The parameter's path, as the user writes it."""
        if self.section is None:
            return f"territory.{self.field}"
        return f"{self.section}[{'/'.join(self.key)}].{self.field}"


def parse_parameter(path: str) -> Parameter:
    """The :class:`Parameter` named by ``path`` (see the module docstring).

    Raises:
        SweepError: the path is not of either form, or names no figure of its section.
    """
    text = path.strip()
    m = _ITEM.match(text)
    if m:
        section, field_name = m["section"], m["field"]
        if section not in SECTIONS:
            raise SweepError(f"{path!r}: unknown section {section!r} ({', '.join(SECTIONS)})")
        key = tuple(part.strip() for part in m["key"].split("/"))
        fields = KEYS[section]
        if len(key) != len(fields):
            raise SweepError(
                f"{path!r}: a {section} item is named by {'/'.join(fields)}"
                f" (e.g. {section}[{'/'.join(f.upper() for f in fields)}].{field_name})"
            )
        _check_figure(path, SECTIONS[section].model_fields, field_name, fields)
        return Parameter(section, key, field_name)
    m = _TERRITORY.match(text)
    if m:
        _check_figure(path, Territory.model_fields, m["field"], ("name",))
        return Parameter(None, (), m["field"])
    raise SweepError(
        f"{path!r} names no figure: write a territory field (carbon_price) or"
        " SECTION[KEY].FIELD (supplies[am_dunkerque/co2].handling_cost)"
    )


def _check_figure(path: str, fields: Mapping[str, Any], name: str, keys: Sequence[str]) -> None:
    known = {f.alias or n for n, f in fields.items()}
    if name not in known or name in NOT_FIGURES or name in keys:
        raise SweepError(f"{path!r}: {name!r} is not a figure that a sweep can vary")


def _item(doc: dict[str, Any], p: Parameter) -> dict[str, Any]:
    if p.section is None:
        territory: dict[str, Any] = doc["territory"]
        return territory
    fields = KEYS[p.section]
    found = [
        it
        for it in doc.get(p.section, [])
        if all(str(it.get(f)) == k for f, k in zip(fields, p.key, strict=True))
    ]
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise SweepError(f"{p.label}: {what} {p.section} item matches {'/'.join(p.key)!r}")
    return found[0]


def apply_values(doc: dict[str, Any], values: Mapping[str, Value]) -> dict[str, Any]:
    """A copy of the inventory document ``doc`` with each parameter set to its value.

    Raises:
        SweepError: a parameter that names no item of ``doc``.
    """
    out = _copy(doc)
    for label, value in values.items():
        p = parse_parameter(label)
        _item(out, p)[p.field] = value
    return out


def _copy(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _copy(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_copy(v) for v in doc]
    return doc


# -- draws --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Draw:
    """One solve of a sweep: parameter values on a base (the inventory or a scenario)."""

    index: int
    values: dict[str, Value] = field(default_factory=dict)
    base: str = "base"
    """The name of the inventory (``base``) or scenario the values apply to."""


def grid_draws(grid: Mapping[str, Sequence[Value]], bases: Sequence[str] = ("base",)) -> list[Draw]:
    """Every combination of the grid's values, on every base, in a fixed order.

    Raises:
        SweepError: an unknown parameter, or one without values.
    """
    for label, values in grid.items():
        parse_parameter(label)
        if not values:
            raise SweepError(f"--grid {label}: give at least one value")
        units = sorted({_unit_text(v) for v in values})
        if len(units) > 1:
            shown = ", ".join(repr(u or "no unit") for u in units)
            raise SweepError(f"--grid {label}: write every value in one unit (got {shown})")
    labels = list(grid)
    combos = list(itertools.product(*(grid[k] for k in labels))) or [()]
    draws: list[Draw] = []
    for base in bases:
        for combo in combos:
            draws.append(Draw(len(draws), dict(zip(labels, combo, strict=True)), base))
    return draws


def parse_grid(specs: Iterable[str]) -> dict[str, list[str]]:
    """``NAME=V1,V2,...`` options as a grid (``;`` separates values that contain commas).

    Raises:
        SweepError: a spec without ``=`` or a parameter given twice.
    """
    grid: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        if not sep or not name.strip():
            raise SweepError(f"--grid {spec!r}: write NAME=V1,V2 (e.g. carbon_price=50,75,150)")
        label = parse_parameter(name).label
        if label in grid:
            raise SweepError(f"--grid {label} is given twice")
        splitter = ";" if ";" in text else ","
        grid[label] = [v.strip() for v in text.split(splitter) if v.strip()]
    return grid


@dataclass(frozen=True)
class Uncertain:
    """A parameter with the distribution the inventory declares for it."""

    parameter: Parameter
    kind: str
    """``range`` (uniform), ``triangular`` or ``lognormal``."""
    numbers: tuple[float, ...]
    """Low/high, low/mode/high, or median/sigma, as magnitudes in ``unit``."""
    unit: str
    """The unit text the values are written in ('' for bare numbers)."""


def uncertainties(inv: Inventory) -> list[Uncertain]:
    """Every figure of ``inv`` that declares a distribution, in document order.

    Raises:
        SweepError: a distribution whose values cannot be read or mix units.
    """
    style: NumberFormat = inv.territory.number_format
    out = [
        _uncertain(Parameter(None, (), name), d.model_dump(exclude_none=True), style)
        for name, d in inv.territory.uncertainty.items()
    ]
    for section in SECTIONS:
        for item in getattr(inv, section):
            spread = getattr(item, "uncertainty", None)
            if not spread:
                continue
            dumped = item.model_dump(by_alias=True)
            key = tuple(str(dumped[f]) for f in KEYS[section])
            for name, d in spread.items():
                p = Parameter(section, key, name)
                out.append(_uncertain(p, d.model_dump(exclude_none=True), style))
    return out


def _uncertain(p: Parameter, spec: dict[str, Any], style: NumberFormat) -> Uncertain:
    parse_parameter(p.label)
    (kind, raw), *_ = spec.items()
    if kind == "lognormal":
        magnitude, unit = _split_amount(p, raw["median"], style)
        return Uncertain(p, kind, (magnitude, float(raw["sigma"])), unit)
    parts = [_split_amount(p, v, style) for v in raw]
    units = {u for _, u in parts}
    if len(units) > 1:
        raise SweepError(
            f"{p.label}: write every value of its {kind} in one unit, got {sorted(units)}"
        )
    numbers = tuple(m for m, _ in parts)
    if list(numbers) != sorted(numbers):
        raise SweepError(f"{p.label}: the values of a {kind} must be in increasing order")
    return Uncertain(p, kind, numbers, units.pop())


_LEADING_NUMBER = re.compile(
    r"^\s*[+\-\u2212]?[\d\s\u00a0\u202f\u2009.,]*\d(?:[eE][+\-\u2212]?\d+)?"
)


def _unit_text(value: Value) -> str:
    """The unit a value is written in ('' for a bare number)."""
    if not isinstance(value, str):
        return ""
    m = _LEADING_NUMBER.match(value)
    return value[m.end() :].strip() if m else value.strip()


def _split_amount(p: Parameter, value: Any, style: NumberFormat) -> tuple[float, str]:
    """A distribution value as its magnitude and the unit text it is written in."""
    from symbiose.units import UnitProblem, parse_quantity

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), ""
    text = str(value)
    m = _LEADING_NUMBER.match(text)
    try:
        q = parse_quantity(text, style) if m else None
    except UnitProblem as exc:
        raise SweepError(f"{p.label}: {exc}") from None
    if m is None or q is None:
        raise SweepError(f"{p.label}: {value!r} is not a number with its unit")
    magnitude = float(q) if isinstance(q, float) else float(q.magnitude)
    return magnitude, text[m.end() :].strip()


def numbers_of(values: Mapping[str, Value], style: NumberFormat = "en") -> dict[str, list[Any]]:
    """Each value's magnitude and unit text (``{"carbon_price": [75.0, "EUR/t"]}``).

    Raises:
        SweepError: a value that is not a number, with or without its unit.
    """
    return {
        label: list(_split_amount(parse_parameter(label), value, style))
        for label, value in values.items()
    }


def sample(u: Uncertain, rng: np.random.Generator) -> float:
    """One value of ``u``'s distribution, drawn with ``rng``."""
    if u.kind == "range":
        low, high = u.numbers
        return float(rng.uniform(low, high))
    if u.kind == "triangular":
        low, mode, high = u.numbers
        return float(rng.triangular(low, mode, high)) if high > low else low
    median, sigma = u.numbers
    return float(median * math.exp(sigma * rng.standard_normal()))


def render(magnitude: float, unit: str, style: NumberFormat = "en") -> Value:
    """A drawn magnitude written like the distribution's values (a float, or text with a unit)."""
    if not unit:
        return float(magnitude)
    text = repr(float(magnitude))
    if style == "fr":
        text = text.replace(".", ",")
    return f"{text} {unit}"


def monte_carlo_draws(
    inv: Inventory, count: int, seed: int, bases: Sequence[Draw] | None = None
) -> list[Draw]:
    """``count`` draws of every declared distribution, on each base draw (default: the inventory).

    Raises:
        SweepError: no figure of ``inv`` declares a distribution, or one cannot be read.
    """
    spread = uncertainties(inv)
    if not spread:
        raise SweepError(
            "no figure declares an uncertainty: add e.g. `uncertainty: {handling_cost:"
            " {range: ['20 EUR/t', '40 EUR/t']}}` to an item, or sweep a --grid"
        )
    style: NumberFormat = inv.territory.number_format
    draws: list[Draw] = []
    for base in bases or [Draw(0)]:
        for i in range(count):
            rng = np.random.default_rng([seed, i])
            values: dict[str, Value] = dict(base.values)
            for u in spread:
                values[u.parameter.label] = render(sample(u, rng), u.unit, style)
            draws.append(Draw(len(draws), values, base.base))
    return draws


# -- one solve ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepSettings:
    """How each draw is solved (the same for every draw, so that draws compare)."""

    objective: str = DEFAULT_OBJECTIVE
    time_limit: float | None = DEFAULT_TIME_LIMIT
    gap: float = DEFAULT_GAP


def solve_draw(doc: dict[str, Any], draw: Draw, settings: SweepSettings) -> dict[str, Any]:
    """Solve one draw; a plain, JSON-ready record that never raises.

    HiGHS runs on one thread: the sweep's parallelism is across draws, and a one-thread solve
    is deterministic, so a draw gives the same record on any executor.
    """
    from models.solve import SolveOptions
    from symbiose.inventory.errors import InventoryError
    from symbiose.inventory.io import inventory_from_document
    from symbiose.pipeline import optimise

    start = time.perf_counter()
    record: dict[str, Any] = {"index": draw.index, "base": draw.base, "values": dict(draw.values)}
    try:
        record["numbers"] = numbers_of(draw.values, doc["territory"].get("number_format", "en"))
        inv = inventory_from_document(apply_values(doc, draw.values), validate=False)
        options = SolveOptions(time_limit=settings.time_limit, gap=settings.gap, threads=1)
        report = optimise(inv, settings.objective, options)
    except InventoryError as exc:
        record.update(status="invalid", error="; ".join(str(i) for i in exc.issues[:5]))
    except (SweepError, ValueError) as exc:
        record.update(status="invalid", error=str(exc))
    except Exception as exc:  # a draw that fails must not sink the sweep
        record.update(status="error", error=f"{type(exc).__name__}: {exc}")
    else:
        record.update(_outcome(report))
    record["seconds"] = time.perf_counter() - start
    return record


def _outcome(report: Any) -> dict[str, Any]:
    res = report.result
    out: dict[str, Any] = {"status": res.status.value, "error": None}
    if not res.has_solution:
        shortfalls = [s["text"] for s in report.shortfalls()]
        out["error"] = "; ".join(shortfalls[:5]) or res.message or res.status.value
        return out
    totals = report.totals()
    out["valorisation"] = totals["valorisation_eur_per_yr"]
    out["co2_avoided"] = totals["co2_avoided_t_per_yr"]
    out["gap"] = res.gap
    flows = report.flows
    out["exchanges"] = [
        [r.from_id, r.to_id, r.mode, r.commodity, float(r.delivered), r.unit]
        for r in flows.itertuples()
        if r.delivered > 0
    ]
    return out


def solve_in_process(
    docs: Mapping[str, dict[str, Any]], draws: Sequence[Draw], settings: SweepSettings
) -> list[dict[str, Any]]:
    """Every draw solved one after the other in this process (the reference for executors)."""
    return [solve_draw(docs[d.base], d, settings) for d in draws]
