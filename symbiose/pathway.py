"""Inventory → pathway: one inventory per period (and scenario), each converted as any other.

An inventory declares a pathway with ``territory.periods``; items may carry ``since`` and
``until`` (the years they are there) and ``by_year`` (figures that change from a year on).
The inventory of period ``y`` (:func:`period_inventory`) keeps the items there in ``y``
(``since <= y < until``; a site that is not there takes its supplies, demands, converters,
storages and links along), gives each the figures of its latest ``by_year`` entry at or before
``y``, and the territory those of its own ``by_year``; it is then converted by
:func:`symbiose.convert.compile_inventory`, so every figure is read with the same units,
number grammar and checks as today, and a problem is reported at the path where it is written
(``supplies[3].by_year.2030.quantity``) with the years it concerns.

In a pathway, ``investment_budget`` and the caps on new links count the whole horizon;
``period_budget`` and ``period_max_new_links`` (by year if need be) each period.  Scenario files
give each scenario's probability; :func:`compile_pathway` turns the base (or its scenarios) into
a :class:`models.pathway.Pathway` and the networks to name its results with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pydantic

from models.pathway import Pathway, PathwayScenario
from models.problem import ProblemError
from symbiose.convert import Network, compile_inventory
from symbiose.inventory.errors import InventoryIssue, from_validation_error
from symbiose.inventory.schema import SECTIONS, Inventory, Territory
from symbiose.units import UnitProblem, to_unit

Loc = tuple[str | int, ...]

MAX_BLOCKS = 400
"""Most (scenario, period) pairs of one pathway."""

MAX_SITE_PERIODS = 1_000_000
"""Most sites times (scenario, period) pairs: what a pathway's conversion builds."""

TERRITORY_BY_YEAR = ("carbon_price", "period_budget", "period_max_new_links", "co2_min")
"""The territory's figures that may change by year."""

_SITE_FIELDS = {
    "supplies": ("site",),
    "demands": ("site",),
    "converters": ("site",),
    "storages": ("site",),
    "links": ("from_", "to"),
}


def is_pathway(inv: Inventory) -> bool:
    """Whether ``inv`` declares periods (a pathway) rather than one static year."""
    return bool(inv.territory.periods)


def horizon_end(territory: Territory) -> int:
    """The first year after the horizon.

    As declared, or the last period plus the length of the one before (plus 1 with one).
    """
    years = territory.periods
    if territory.horizon_end is not None:
        return territory.horizon_end
    if len(years) >= 2:
        return years[-1] + (years[-1] - years[-2])
    return years[-1] + 1


@dataclass
class _Origins:
    """Where each item of a period's inventory comes from: its base index and by-year fields."""

    index: dict[str, list[int]] = field(default_factory=dict)
    by_year: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    territory: dict[str, int] = field(default_factory=dict)

    def base(self, loc: Loc) -> Loc:
        """``loc`` in the period's inventory as a path of the base inventory."""
        if len(loc) >= 2 and loc[0] in self.index and isinstance(loc[1], int):
            section, i = str(loc[0]), self.index[str(loc[0])][loc[1]]
            rest = loc[2:]
            year = self.by_year.get((section, i), {}).get(str(rest[0])) if rest else None
            if year is not None:
                return (section, i, "by_year", str(year), *rest)
            return (section, i, *rest)
        if len(loc) >= 2 and loc[0] == "territory" and str(loc[1]) in self.territory:
            return ("territory", "by_year", str(self.territory[str(loc[1])]), *loc[1:])
        return loc


def _in_effect(by_year: dict[int, dict[str, Any]], year: int) -> tuple[dict[str, Any], dict[str, int]]:
    """The figures ``by_year`` sets in ``year`` (the latest entry at or before it wins)."""
    figures: dict[str, Any] = {}
    origin: dict[str, int] = {}
    for when in sorted(y for y in by_year if y <= year):
        for name, value in by_year[when].items():
            figures[name] = value
            origin[name] = when
    return figures, origin


def _there(item: Any, year: int) -> bool:
    since, until = getattr(item, "since", None), getattr(item, "until", None)
    return (since is None or since <= year) and (until is None or year < until)


def period_inventory(inv: Inventory, year: int) -> tuple[Inventory, _Origins, list[InventoryIssue]]:
    """The static inventory of ``year`` (module docstring).

    Also where its items come from, and the schema problems of the figures its ``by_year``
    entries set.
    """
    origins = _Origins()
    issues: list[InventoryIssue] = []
    sites = {s.id for s in inv.sites if _there(s, year)}
    modes = {m.id for m in inv.modes if _there(m, year)}
    sections: dict[str, list[Any]] = {}
    for section in SECTIONS:
        kept, index = [], []
        for i, item in enumerate(getattr(inv, section)):
            if not _there(item, year) or not _attached(section, item, sites, modes):
                continue
            kept.append(_dated(section, i, item, year, origins, issues))
            index.append(i)
        sections[section] = kept
        origins.index[section] = index
    converters = {c.id for c in sections["converters"]}
    territory = _period_territory(inv.territory, year, sites | converters, origins, issues)
    period = Inventory.model_construct(None, territory=territory, **sections)
    return period, origins, issues


def _attached(section: str, item: Any, sites: set[str], modes: set[str]) -> bool:
    """An item whose sites (and mode, for a link) are there."""
    if section == "sites":
        return True
    if any(getattr(item, f) not in sites for f in _SITE_FIELDS.get(section, ())):
        return False
    return section != "links" or item.mode in modes


def _dated(
    section: str, i: int, item: Any, year: int, origins: _Origins, issues: list[InventoryIssue]
) -> Any:
    """``item`` with the figures of ``year`` (its schema checked again if any changed)."""
    figures, origin = _in_effect(getattr(item, "by_year", {}), year)
    if not figures:
        return item
    origins.by_year[section, i] = origin
    doc = item.model_dump(by_alias=True, exclude_defaults=True) | figures
    try:
        return type(item).model_validate(doc)
    except pydantic.ValidationError as exc:
        for issue in from_validation_error(exc):
            name = str(issue.loc[0]) if issue.loc else ""
            when = origin.get(name)
            where = ("by_year", str(when), *issue.loc) if when is not None else issue.loc
            issues.append(InventoryIssue((section, i, *where), issue.msg))
        return item


def _period_territory(
    t: Territory, year: int, present: set[str], origins: _Origins, issues: list[InventoryIssue]
) -> Territory:
    """The territory of ``year``: its by-year figures, the period's budget and cap, no pathway.

    ``present``: the ids of the sites and converters there that year (pins, bans and sites
    left out that name another are dropped for the year).
    """
    figures, origin = _in_effect(t.by_year, year)
    for name, when in origin.items():
        if name not in TERRITORY_BY_YEAR:
            issues.append(
                InventoryIssue(
                    ("territory", "by_year", str(when), name),
                    f"{name!r} does not change by year (one of: {', '.join(TERRITORY_BY_YEAR)})",
                )
            )
            figures.pop(name)
    origins.territory = {k: v for k, v in origin.items() if k in figures}
    if "period_budget" in origins.territory:
        origins.territory["investment_budget"] = origins.territory["period_budget"]
    if "period_max_new_links" in origins.territory:
        origins.territory["max_new_links"] = origins.territory["period_max_new_links"]
    merged = t.model_dump(by_alias=True) | figures

    def there(choice: dict[str, Any]) -> bool:
        ends = [choice.get("from"), choice.get("to"), choice.get("converter")]
        return all(e is None or e in present for e in ends)

    merged.update(
        investment_budget=merged.pop("period_budget"),
        max_new_links=merged.pop("period_max_new_links"),
        max_new_links_per_mode={},
        max_new_links_per_commodity={},
        periods=[],
        horizon_end=None,
        decision_year=None,
        by_year={},
        pin=[c for c in merged["pin"] if there(c)],
        forbid=[c for c in merged["forbid"] if there(c)],
        exclude_sites=[s for s in merged["exclude_sites"] if s in present],
    )
    try:
        return Territory.model_validate(merged)
    except pydantic.ValidationError as exc:
        issues.extend(
            InventoryIssue(origins.base(("territory", *i.loc)), i.msg)
            for i in from_validation_error(exc)
        )
        return t


@dataclass
class PathwayNetwork:
    """A compiled pathway: the model's pathway and each (scenario, period)'s network.

    ``inventories`` holds each (scenario, period)'s static inventory (:func:`period_inventory`);
    ``inventory`` the base.
    """

    pathway: Pathway
    networks: list[list[Network]]
    inventory: Inventory
    inventories: list[list[Inventory]] = field(default_factory=list)

    def network(self, scenario: int = 0, period: int = 0) -> Network:
        """The network of one (scenario, period)."""
        return self.networks[scenario][period]


@dataclass
class _Collected:
    """The problems found, each with the (scenario, year) pairs it concerns."""

    where: dict[tuple[Loc, str], list[str]] = field(default_factory=dict)

    def add(self, issue: InventoryIssue, label: str) -> None:
        self.where.setdefault((issue.loc, issue.msg), []).append(label)

    def issues(self, everywhere: int) -> list[InventoryIssue]:
        """Each problem once, with the years (and scenarios) it concerns unless it is in all."""
        out = []
        for (loc, msg), labels in self.where.items():
            labels = list(dict.fromkeys(labels))
            suffix = "" if len(labels) >= everywhere else f" (in {', '.join(labels)})"
            out.append(InventoryIssue(loc, msg + suffix))
        return out


def compile_pathway(
    base: Inventory, scenarios: Sequence[tuple[str, Any, Inventory]] = ()
) -> tuple[PathwayNetwork | None, list[InventoryIssue]]:
    """Convert a pathway (the base alone, or its scenarios with their probabilities).

    ``scenarios``: ``(name, probability as written or None, the scenario's inventory)``.
    A base without periods is one period of one year.  Every problem is reported, with its
    path in the base (or scenario) inventory and the years it concerns.
    """
    cases = list(scenarios) or [("base", 1.0, base)]
    issues: list[InventoryIssue] = []
    chances = probabilities(cases, issues)
    first = cases[0][2].territory
    years = list(first.periods) or [first.reference_year]
    for name, _, inv in cases[1:]:
        if list(inv.territory.periods) != list(first.periods):
            issues.append(
                InventoryIssue(
                    ("territory", "periods"),
                    f"scenario {name!r} has periods {inv.territory.periods}, the first"
                    f" {first.periods}: scenarios solved together share their periods",
                )
            )
    _check_horizon(first, years, issues, base)
    if issues:
        return None, issues
    collected = _Collected()
    networks: list[list[Network]] = []
    inventories: list[list[Inventory]] = []
    for name, _, inv in cases:
        row = []
        inventories.append([])
        for year in years:
            label = f"{year}" if len(cases) == 1 else f"{name} {year}"
            period, origins, found = period_inventory(inv, year) if inv.territory.periods else (
                inv,
                _Origins(),
                [],
            )
            inventories[-1].append(period)
            for issue in found:
                collected.add(issue, label)
            network, problems = compile_inventory(period)
            for issue in problems:
                collected.add(InventoryIssue(origins.base(issue.loc), issue.msg), label)
            if network is not None:
                row.append(network)
        networks.append(row)
    issues = collected.issues(len(cases) * len(years))
    if issues:
        return None, issues
    compiled, issues = _assemble(base, cases, years, chances, networks)
    if compiled is not None:
        compiled.inventories = inventories
    return compiled, issues


def _check_horizon(
    t: Territory, years: list[int], issues: list[InventoryIssue], base: Inventory
) -> None:
    """Periods increasing, an end after them, a decision year within, a size within bounds."""
    if any(b <= a for a, b in pairwise(years)):
        issues.append(
            InventoryIssue(("territory", "periods"), f"must increase strictly, got {years}")
        )
    elif t.periods and horizon_end(t) <= years[-1]:
        issues.append(
            InventoryIssue(
                ("territory", "horizon_end"),
                f"must come after the last period ({years[-1]}), got {t.horizon_end}",
            )
        )
    if t.decision_year is not None and t.periods and t.decision_year < years[0]:
        issues.append(
            InventoryIssue(
                ("territory", "decision_year"),
                f"must be the first period ({years[0]}) or later, got {t.decision_year}",
            )
        )


def probabilities(
    cases: list[tuple[str, Any, Inventory]], issues: list[InventoryIssue]
) -> list[float]:
    """Each scenario's probability, read as a fraction; equal when none is given."""
    given = [p for _, p, _ in cases]
    if all(p is None for p in given):
        return [1.0 / len(cases)] * len(cases)
    out = []
    for name, p, inv in cases:
        where: Loc = ("scenario", name, "probability")
        if p is None:
            issues.append(InventoryIssue(where, "give every scenario a probability, or none"))
            out.append(0.0)
            continue
        try:
            value = to_unit(p, "dimensionless", style=inv.territory.number_format)
        except UnitProblem:
            issues.append(InventoryIssue(where, f"expected a fraction such as 0.3 or '30 %', got {p!r}"))
            out.append(0.0)
            continue
        if not 0 < value <= 1:
            issues.append(InventoryIssue(where, f"must be above 0 and at most 1, got {p!r}"))
        out.append(value)
    total = math.fsum(out)
    if not issues and abs(total - 1.0) > 1e-6:
        issues.append(
            InventoryIssue(
                ("scenario", "probability"),
                f"the probabilities of the scenarios solved together must sum to 1, got"
                f" {total:.6g} ({', '.join(f'{n} {p:g}' for (n, _, _), p in zip(cases, out, strict=True))})",
            )
        )
    return [p / total for p in out] if total > 0 else out


def _assemble(
    base: Inventory,
    cases: list[tuple[str, Any, Inventory]],
    years: list[int],
    chances: list[float],
    networks: list[list[Network]],
) -> tuple[PathwayNetwork | None, list[InventoryIssue]]:
    """The :class:`models.pathway.Pathway` of the compiled networks."""
    t = cases[0][2].territory
    issues: list[InventoryIssue] = []
    budget = None
    if t.investment_budget is not None:
        try:
            budget = to_unit(t.investment_budget, "EUR", style=t.number_format)
        except UnitProblem as exc:
            issues.append(InventoryIssue(("territory", "investment_budget"), str(exc)))
    arc_life: dict[tuple[str, str, str], float] = {}
    conv_life: dict[str, float] = {}
    for row in networks:
        for network in row:
            arc_life.update((key, info.lifetime) for key, info in network.arcs.items())
            conv_life.update((name, info.lifetime) for name, info in network.converters.items())
    if issues:
        return None, issues
    try:
        pathway = Pathway(
            name=t.name,
            years=tuple(years),
            end=horizon_end(t) if t.periods else years[0] + 1,
            scenarios=tuple(
                PathwayScenario(name, p, tuple(n.problem for n in row))
                for (name, _, _), p, row in zip(cases, chances, networks, strict=True)
            ),
            discount_rate=networks[0][0].discount_rate,
            decision_year=t.decision_year,
            arc_lifetime={k: v for k, v in arc_life.items() if math.isfinite(v)},
            converter_lifetime={k: v for k, v in conv_life.items() if math.isfinite(v)},
            investment_budget=budget,
            max_new_links=t.max_new_links,
            max_new_links_per_mode=dict(t.max_new_links_per_mode),
            max_new_links_per_commodity=dict(t.max_new_links_per_commodity),
        )
    except ProblemError as exc:
        return None, [InventoryIssue(("territory",), text) for text in exc.problems]
    return PathwayNetwork(pathway, networks, base), []


def check_size(inv: Inventory, scenarios: int) -> list[InventoryIssue]:
    """Refuse a pathway too large to build, before converting anything (count first)."""
    blocks = max(1, len(inv.territory.periods)) * max(1, scenarios)
    issues = []
    if blocks > MAX_BLOCKS:
        issues.append(
            InventoryIssue(
                ("territory", "periods"),
                f"{blocks} periods x scenarios: at most {MAX_BLOCKS} are solved together",
            )
        )
    elif blocks * len(inv.sites) > MAX_SITE_PERIODS:
        issues.append(
            InventoryIssue(
                ("territory", "periods"),
                f"{len(inv.sites)} sites x {blocks} periods and scenarios: at most"
                f" {MAX_SITE_PERIODS:,} site-periods are solved together",
            )
        )
    return issues


__all__ = [
    "MAX_BLOCKS",
    "PathwayNetwork",
    "check_size",
    "compile_pathway",
    "horizon_end",
    "is_pathway",
    "period_inventory",
    "probabilities",
]
