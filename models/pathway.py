"""The pathway contract: one problem per period and scenario, and what ties them together.

A :class:`Pathway` is a planning horizon cut into periods (the years ``years``, each standing
for the years until the next, the last until ``end``), and one or more scenarios, each with a
probability and one :class:`~models.problem.Problem` per period: the territory as it stands in
that period of that scenario.  The problems are ordinary problems; what a pathway adds is

* **lifetimes**: a link or converter built in a period serves every period that starts within
  its lifetime (``arc_lifetime``, ``converter_lifetime``, in years; none: the whole horizon);
* **discounting** at ``discount_rate`` to ``base_year`` (default: the first period);
* the **decision year**: builds in the periods up to it are decided once for every scenario
  (the first stage); later builds, and every flow, adapt to each scenario;
* limits **over the horizon**: ``investment_budget``, ``max_new_links`` and the caps per mode
  and per commodity count every build of every period (each period's own limits are the
  ``investment_budget`` and ``max_new_links*`` of its problem, counting what that period builds).

A pathway is validated when it is built; a malformed one raises
:class:`~models.problem.ProblemError` naming the field.  One period and one scenario is
today's model (``docs/formulation.md``, *Pathways*).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any

from models.problem import Problem, ProblemError

ArcKey = tuple[str, str, str]
"""An arc's identity across periods and scenarios: ``(tail, head, mode)``."""

MAX_PERIODS = 50
"""Most periods of a pathway (a horizon of 50 years in yearly steps)."""

MAX_SCENARIOS = 100
"""Most scenarios of one stochastic pathway."""


@dataclass(frozen=True)
class PathwayScenario:
    """One scenario of a pathway: its probability and its problem in each period.

    Attributes:
        name: unique name, for reports.
        probability: the planner's probability of the scenario (the probabilities sum to 1).
        problems: one problem per period of the pathway, in period order.
    """

    name: str
    probability: float
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Pathway:
    """A multi-period, possibly stochastic, planning problem (module docstring).

    Attributes:
        name: a label for reports.
        years: the first year of each period, strictly increasing.
        end: the first year after the horizon (the last period lasts until it).
        scenarios: one or more scenarios; their probabilities sum to 1.
        discount_rate: real rate at which a later year's euros count less (0 <= rate < 1).
        base_year: the year values are discounted to (default: the first period).
        decision_year: builds in periods starting in or before it are shared by all scenarios
            (default: the first period's year).
        arc_lifetime: years a link built serves, by arc key (missing: the whole horizon).
        converter_lifetime: years a converter built serves, by name (missing: the horizon).
        investment_budget: the most invested over the horizon (EUR, undiscounted), in every
            scenario; None for none.
        max_new_links: the most new links built over the horizon (a rebuild counts again).
        max_new_links_per_mode: the same, per mode.
        max_new_links_per_commodity: the same, per commodity carried.
    """

    name: str
    years: tuple[int, ...]
    end: int
    scenarios: tuple[PathwayScenario, ...]
    discount_rate: float = 0.0
    base_year: int | None = None
    decision_year: int | None = None
    arc_lifetime: Mapping[ArcKey, float] = field(default_factory=dict)
    converter_lifetime: Mapping[str, float] = field(default_factory=dict)
    investment_budget: float | None = None
    max_new_links: int | None = None
    max_new_links_per_mode: Mapping[str, int] = field(default_factory=dict)
    max_new_links_per_commodity: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", tuple(self.years))
        object.__setattr__(self, "scenarios", tuple(self.scenarios))
        errors: list[str] = []
        _check_years(errors, self.years, self.end)
        _check_scenarios(errors, self.scenarios, len(self.years))
        _check_rates(errors, self)
        _check_lifetimes(errors, self)
        if not errors:
            _check_consistent_items(errors, self)
        if errors:
            raise ProblemError(errors)

    # -- the horizon --------------------------------------------------------------------
    @property
    def periods(self) -> int:
        """The number of periods."""
        return len(self.years)

    @property
    def ends(self) -> tuple[int, ...]:
        """The first year after each period."""
        return (*self.years[1:], self.end)

    @property
    def base(self) -> int:
        """The year values are discounted to."""
        return self.years[0] if self.base_year is None else self.base_year

    @property
    def decided_by(self) -> int:
        """The decision year: periods starting in or before it are shared by every scenario."""
        return self.years[0] if self.decision_year is None else self.decision_year

    def shared(self, p: int) -> bool:
        """Whether the builds of period ``p`` are decided once for every scenario."""
        return self.years[p] <= self.decided_by

    def discount(self, year: float) -> float:
        """What one euro of ``year`` is worth in the base year."""
        return float((1.0 + self.discount_rate) ** (-(year - self.base)))

    def weight(self, p: int) -> float:
        """``W_p``: the discounted number of years of period ``p`` (one euro a year, in it)."""
        return math.fsum(self.discount(y) for y in range(self.years[p], self.ends[p]))

    def weights(self) -> tuple[float, ...]:
        """``W_p`` of every period."""
        return tuple(self.weight(p) for p in range(self.periods))

    def annuity(self) -> float:
        """``W = sum_p W_p``: what one euro a year over the whole horizon is worth today."""
        return math.fsum(self.weights())

    def lengths(self) -> tuple[int, ...]:
        """The number of years of each period."""
        return tuple(e - y for y, e in zip(self.years, self.ends, strict=True))

    def served(self, p: int, lifetime: float) -> tuple[int, ...]:
        """The periods an item built in period ``p`` serves: those starting within its life.

        ``y_q <= start < y_p + lifetime`` (PyPSA's rule for multi-horizon investment): a period
        is served whole or not at all, so a life ending inside a period ends it at that period's
        start.  An item whose lifetime is shorter than a year serves its build period only.
        """
        last = self.years[p] + max(lifetime, 1.0)
        return tuple(q for q in range(p, self.periods) if self.years[q] < last)

    def single(self) -> bool:
        """One period and one scenario: the pathway is one ordinary problem."""
        return self.periods == 1 and len(self.scenarios) == 1


def scenario_alone(pathway: Pathway, s: int) -> Pathway:
    """The pathway of scenario ``s`` alone, with probability 1 (its own optimum's pathway)."""
    alone = replace(pathway.scenarios[s], probability=1.0)
    return replace(pathway, scenarios=(alone,))


def one_period(problem: Problem, years: int = 1) -> Pathway:
    """The pathway of one ordinary problem: one period of ``years`` years, one scenario."""
    return Pathway(
        name=problem.name,
        years=(0,),
        end=years,
        scenarios=(PathwayScenario("base", 1.0, (problem,)),),
    )


def _check_years(errors: list[str], years: Sequence[int], end: int) -> None:
    if not years:
        errors.append("years: at least one period is needed")
        return
    if len(years) > MAX_PERIODS:
        errors.append(f"years: at most {MAX_PERIODS} periods, got {len(years)}")
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in [*years, end]):
        errors.append(f"years: every year must be a whole number, got {list(years)} and {end!r}")
        return
    if any(b <= a for a, b in pairwise(years)):
        errors.append(f"years: must increase strictly, got {list(years)}")
    if end <= years[-1]:
        errors.append(f"end: must come after the last period ({years[-1]}), got {end}")


def _check_scenarios(
    errors: list[str], scenarios: Sequence[PathwayScenario], periods: int
) -> None:
    if not scenarios:
        errors.append("scenarios: at least one scenario is needed")
        return
    if len(scenarios) > MAX_SCENARIOS:
        errors.append(f"scenarios: at most {MAX_SCENARIOS}, got {len(scenarios)}")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        errors.append(f"scenarios: names must be unique, got {names}")
    total = 0.0
    for s in scenarios:
        where = f"scenarios[{s.name}]"
        p = s.probability
        if not (isinstance(p, (int, float)) and not isinstance(p, bool) and 0 < p <= 1):
            errors.append(f"{where}.probability: must be a number above 0 and at most 1, got {p!r}")
            continue
        total += p
        if len(s.problems) != periods:
            errors.append(f"{where}.problems: {len(s.problems)} given for {periods} periods")
    if not errors and abs(total - 1.0) > 1e-9:
        errors.append(f"scenarios: probabilities must sum to 1, got {total:.12g}")


def _check_rates(errors: list[str], pathway: Pathway) -> None:
    r = pathway.discount_rate
    if not (isinstance(r, (int, float)) and not isinstance(r, bool) and 0 <= r < 1):
        errors.append(f"discount_rate: must be a number from 0 to below 1, got {r!r}")
    for name in ("base_year", "decision_year"):
        value = getattr(pathway, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            errors.append(f"{name}: must be a whole year, got {value!r}")
    years = pathway.years
    if years and isinstance(pathway.decision_year, int) and pathway.decision_year < years[0]:
        errors.append(
            f"decision_year: must be the first period ({years[0]}) or later, got"
            f" {pathway.decision_year}: what is built now is decided now"
        )
    budget = pathway.investment_budget
    if budget is not None and not (isinstance(budget, (int, float)) and 0 <= budget < math.inf):
        errors.append(f"investment_budget: must be a finite non-negative number, got {budget!r}")
    caps = [("max_new_links", pathway.max_new_links)]
    caps += [(f"max_new_links_per_mode[{m}]", n) for m, n in pathway.max_new_links_per_mode.items()]
    caps += [
        (f"max_new_links_per_commodity[{k}]", n)
        for k, n in pathway.max_new_links_per_commodity.items()
    ]
    for where, n in caps:
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
            errors.append(f"{where}: must be a whole number of links, 0 or more, got {n!r}")


def _check_lifetimes(errors: list[str], pathway: Pathway) -> None:
    tables: list[tuple[str, Mapping[Any, float]]] = [
        ("arc_lifetime", pathway.arc_lifetime),
        ("converter_lifetime", pathway.converter_lifetime),
    ]
    for name, table in tables:
        for key, life in table.items():
            ok = isinstance(life, (int, float)) and not isinstance(life, bool) and life > 0
            if not ok or math.isnan(life):
                errors.append(f"{name}[{key}]: must be a positive number of years, got {life!r}")


def _check_consistent_items(errors: list[str], pathway: Pathway) -> None:
    """An item is existing (or sized) in every period and scenario it occurs, or in none."""
    arcs: dict[ArcKey, set[tuple[bool, bool]]] = {}
    converters: dict[str, set[bool]] = {}
    for s in pathway.scenarios:
        for problem in s.problems:
            for arc in problem.arcs:
                arcs.setdefault(arc.key, set()).add((arc.existing, arc.sized))
            for conv in problem.converters:
                converters.setdefault(conv.name, set()).add(conv.existing)
    for key, kinds in arcs.items():
        if len(kinds) > 1:
            errors.append(
                f"arcs[{key[0]}->{key[1]}:{key[2]}]: existing in some periods or scenarios and"
                " not in others (or sized in some only): give it one kind throughout"
            )
    for name, existing in converters.items():
        if len(existing) > 1:
            errors.append(
                f"converters[{name}]: existing in some periods or scenarios and buildable in"
                " others: give it one kind throughout"
            )
