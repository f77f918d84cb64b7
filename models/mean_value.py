"""The mean-value problem of several scenarios: one problem whose figures are their average.

Solving it and keeping its first-stage builds is how the value of the stochastic solution is
measured (Birge and Louveaux, *Introduction to Stochastic Programming*, ch. 4.2: EEV, the
expected value of the expected-value solution).  Elements are matched by their identity
(a supply or demand by node and commodity, an arc by tail, head and mode, a converter or a
storage by name) and averaged with the scenarios' probabilities:

* quantities (supplies, demands, minimums, per slice) over every scenario, an element a
  scenario lacks counting as 0 there;
* prices, costs, CO2 factors, capacities and losses over the scenarios that have the element
  (what it is worth when it is there);
* the carbon price over every scenario; a budget, a CO2 target or a cap only if every
  scenario has one (their average; caps rounded down).

Flags (must dispatch, must serve, existing, required, forbidden, sized) and yields are those
of the first scenario with the element.  The slices must be the same in every scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from models.problem import Arc, Converter, Demand, Problem, Storage, Supply

T = TypeVar("T")


def mean_problem(problems: Sequence[Problem], probabilities: Sequence[float]) -> Problem | None:
    """The mean-value problem of ``problems`` (module docstring); None if their slices differ."""
    first = problems[0]
    if any(q.slices != first.slices for q in problems):
        return None
    pi = [float(p) for p in probabilities]
    mean = _Mean(problems, pi)
    return replace(
        first,
        nodes=tuple(dict.fromkeys(n for q in problems for n in q.nodes)),
        commodities=tuple(dict.fromkeys(k for q in problems for k in q.commodities)),
        supplies=mean.items(lambda q: q.supplies, lambda s: (s.node, s.commodity), mean.supply),
        demands=mean.items(lambda q: q.demands, lambda d: (d.node, d.commodity), mean.demand),
        arcs=mean.items(lambda q: q.arcs, lambda a: a.key, mean.arc),
        converters=mean.items(lambda q: q.converters, lambda c: c.name, mean.converter),
        storages=mean.items(lambda q: q.storages, lambda g: g.name, mean.storage),
        carbon_price=math.fsum(p * q.carbon_price for p, q in zip(pi, problems, strict=True)),
        investment_budget=mean.limit(lambda q: q.investment_budget),
        co2_min=mean.limit(lambda q: q.co2_min),
        max_new_links=_whole(mean.limit(lambda q: q.max_new_links)),
        max_new_links_per_mode=mean.caps(lambda q: q.max_new_links_per_mode),
        max_new_links_per_commodity=mean.caps(lambda q: q.max_new_links_per_commodity),
    )


def _whole(value: float | None) -> int | None:
    return None if value is None else math.floor(value + 1e-9)


class _Mean:
    """Averages of the elements of several problems, element by element."""

    def __init__(self, problems: Sequence[Problem], pi: list[float]) -> None:
        self.problems, self.pi = problems, pi
        self.T = len(problems[0].slices)

    def items(
        self,
        of: Callable[[Problem], Sequence[T]],
        key: Callable[[T], Hashable],
        combine: Callable[[list[tuple[float, T]], float], T],
    ) -> tuple[T, ...]:
        """Each element (by ``key``) averaged by ``combine(present, presence)``."""
        found: dict[Hashable, list[tuple[float, T]]] = {}
        for p, q in zip(self.pi, self.problems, strict=True):
            for item in of(q):
                found.setdefault(key(item), []).append((p, item))
        return tuple(combine(present, sum(p for p, _ in present)) for present in found.values())

    @staticmethod
    def given(present: list[tuple[float, Any]], attr: str, weight: float) -> float:
        """The average of ``attr`` over the scenarios that have the element."""
        return math.fsum(p * getattr(item, attr) for p, item in present) / weight

    def spread(self, present: list[tuple[float, Any]], attr: str) -> tuple[float, ...]:
        """The average per slice of ``attr``, 0 where the element is absent."""
        return tuple(
            math.fsum(p * getattr(item, attr)[t] for p, item in present) for t in range(self.T)
        )

    def supply(self, present: list[tuple[float, Supply]], weight: float) -> Supply:
        """A supply's mean quantity and mean figures."""
        return replace(
            present[0][1],
            quantity=self.spread(present, "quantity"),
            disposal_cost=self.given(present, "disposal_cost", weight),
            disposal_co2=self.given(present, "disposal_co2", weight),
        )

    def demand(self, present: list[tuple[float, Demand]], weight: float) -> Demand:
        """A demand's mean quantity and minimum, and its mean figures."""
        return replace(
            present[0][1],
            quantity=self.spread(present, "quantity"),
            minimum=self.spread(present, "minimum"),
            value=self.given(present, "value", weight),
            co2=self.given(present, "co2", weight),
        )

    def arc(self, present: list[tuple[float, Arc]], weight: float) -> Arc:
        """An arc's mean capacity, costs, losses and CO2 (infinite capacity stays infinite)."""
        arc = present[0][1]

        def table(attr: str) -> dict[str, float]:
            return {
                k: math.fsum(p * getattr(a, attr).get(k, 0.0) for p, a in present) / weight
                for k in arc.commodities
                if any(k in getattr(a, attr) for _, a in present)
            }

        return replace(
            arc,
            capacity=self.capacity(present, weight),
            fixed_cost=self.given(present, "fixed_cost", weight),
            investment=self.given(present, "investment", weight),
            capacity_cost=self.given(present, "capacity_cost", weight),
            capacity_investment=self.given(present, "capacity_investment", weight),
            variable_cost=table("variable_cost"),
            loss=table("loss"),
            co2=table("co2"),
        )

    def capacity(self, present: list[tuple[float, Any]], weight: float) -> float:
        """The mean capacity where the element is present; infinite if it is anywhere."""
        if any(math.isinf(item.capacity) for _, item in present):
            return math.inf
        return self.given(present, "capacity", weight)

    def converter(self, present: list[tuple[float, Converter]], weight: float) -> Converter:
        """A converter's mean capacity, costs and CO2."""
        return replace(
            present[0][1],
            capacity=self.capacity(present, weight),
            variable_cost=self.given(present, "variable_cost", weight),
            fixed_cost=self.given(present, "fixed_cost", weight),
            co2=self.given(present, "co2", weight),
            investment=self.given(present, "investment", weight),
        )

    def storage(self, present: list[tuple[float, Storage]], weight: float) -> Storage:
        """A storage's mean capacity, loss and cost."""
        return replace(
            present[0][1],
            capacity=self.given(present, "capacity", weight),
            loss=self.given(present, "loss", weight),
            cost=self.given(present, "cost", weight),
        )

    def limit(self, of: Callable[[Problem], float | None]) -> float | None:
        """The average of a planner's limit, if every scenario sets one."""
        values = [of(q) for q in self.problems]
        if any(v is None for v in values):
            return None
        return math.fsum(p * float(v) for p, v in zip(self.pi, values, strict=True) if v is not None)

    def caps(self, of: Callable[[Problem], Any]) -> dict[str, int]:
        """The average of each cap per mode or commodity that every scenario sets."""
        tables = [of(q) for q in self.problems]
        shared = set(tables[0]).intersection(*map(set, tables[1:]))
        return {
            name: math.floor(
                math.fsum(p * t[name] for p, t in zip(self.pi, tables, strict=True)) + 1e-9
            )
            for name in sorted(shared)
        }


__all__ = ["mean_problem"]
