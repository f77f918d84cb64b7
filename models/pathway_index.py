"""What both pathway backends build from: blocks, build columns, links, limits and weights.

A pathway's model is one block per (scenario, period), each the ordinary model of that
period's problem (:mod:`models.formulation`, :mod:`models.direct`) with its objective left
out, and these pathway columns and rows (``docs/formulation.md``, *Pathways*):

* ``build[j]`` (binary): build ``j`` = (item, period, scope) is made; the scope is one
  scenario, or every scenario for a period up to the decision year (a first-stage build);
* ``capacity_build[j]`` (continuous): the capacity a sized link is built with;
* ``build_link``: in every block, an item's build decision ``y``/``w`` (``k`` for a sized
  link's capacity) is the sum of the builds that serve the block's period in its scenario;
* ``capacity_build_link``: ``capacity_build[j] <= K_j build[j]``;
* ``period_budget``, ``horizon_budget``, ``period_link_limit``, ``horizon_link_limit``.

:func:`build_index` computes all of it once; the Pyomo and array backends only write it down,
so they build the same model (``tests/models/test_backend_identity.py``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from models.bounds import Bounds, arc_totals, compute_bounds, flow_bounds
from models.formulation import decided_arcs
from models.pathway import ArcKey, Pathway
from models.problem import Problem
from models.result import Objective

BLOCK_LEFT_OUT = ("investment_budget", "new_link_limit")
"""Families a block does not build: a pathway counts budgets and caps on its builds."""


@dataclass(frozen=True)
class Build:
    """One build column: an item made in a period, for one scenario or for all.

    Attributes:
        kind: ``arc`` or ``converter``.
        key: the arc's ``(tail, head, mode)`` or the converter's name.
        period: the period it is built in.
        scenario: the scenario it is built for; None: every scenario (a first-stage build).
        serves: the periods it serves (:meth:`models.pathway.Pathway.served`).
    """

    kind: str
    key: ArcKey | str
    period: int
    scenario: int | None
    serves: tuple[int, ...]

    def scope(self, scenarios: int) -> range | tuple[int, ...]:
        """The scenarios the build is made for."""
        return range(scenarios) if self.scenario is None else (self.scenario,)


@dataclass(frozen=True)
class Figures:
    """The figures a build is charged in one scenario (those of its item in its build period).

    ``fixed_cost`` (EUR/yr) and ``capacity_cost`` (EUR/yr per unit of capacity) are charged every
    year the build serves; ``investment`` and ``capacity_investment`` (EUR) are spent once.
    """

    fixed_cost: float
    capacity_cost: float
    investment: float
    capacity_investment: float


@dataclass(frozen=True)
class LinearRow:
    """``lower <= sum coef * column <= upper`` over build (and capacity-build) columns."""

    family: str
    label: str
    upper: float
    builds: tuple[tuple[int, float], ...]
    capacities: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class BlockLink:
    """A block's decision tied to the builds serving it: ``decision = sum builds``.

    ``what`` is ``y`` (an arc), ``w`` (a converter) or ``k`` (a sized arc's capacity, tied to
    ``capacity_build`` columns); ``item`` the arc or converter index in the block's problem.
    """

    block: int
    what: str
    item: int
    builds: tuple[int, ...]


@dataclass
class PathwayIndex:
    """Everything the pathway backends write down (module docstring).

    Attributes:
        pathway: the pathway.
        objective: the objective.
        blocks: ``(scenario, period)`` of each block, scenario-major.
        problems: each block's problem.
        bounds: each block's data-derived bounds.
        decide: per block, the arcs given a build decision beyond the block's own
            (:func:`models.formulation.decided_arcs`) because the pathway decides them.
        weight: each block's objective weight (``pi_s W_p / W``; for CO2, ``pi_s L_p / L``).
        builds: the build columns.
        figures: per build, its :class:`Figures` in each scenario it is made for.
        build_cost: each build's objective coefficient (its yearly charges over the periods
            it serves, discounted and weighted by probability, in the objective's terms).
        sized: the builds (indices into ``builds``) that choose a capacity.
        capacity_cost: the objective coefficient of each sized build's capacity.
        capacity_bound: ``K_j``, the most capacity each sized build may be given.
        links: the ``build_link`` rows.
        limits: the budget and cap rows.
        where: each decided item, ``(kind, key)``, by the blocks it occurs in:
            ``{(scenario, period): its index in that block's problem}``.
    """

    pathway: Pathway
    objective: Objective
    blocks: list[tuple[int, int]]
    problems: list[Problem]
    bounds: list[Bounds]
    decide: list[list[int]]
    weight: list[float]
    builds: list[Build] = field(default_factory=list)
    figures: list[dict[int, Figures]] = field(default_factory=list)
    build_cost: list[float] = field(default_factory=list)
    sized: list[int] = field(default_factory=list)
    capacity_cost: list[float] = field(default_factory=list)
    capacity_bound: list[float] = field(default_factory=list)
    links: list[BlockLink] = field(default_factory=list)
    limits: list[LinearRow] = field(default_factory=list)
    where: dict[tuple[str, ArcKey | str], dict[tuple[int, int], int]] = field(
        default_factory=dict
    )

    def block_of(self, scenario: int, period: int) -> int:
        """The index of the block of ``(scenario, period)``."""
        return scenario * self.pathway.periods + period


def build_index(
    pathway: Pathway,
    objective: Objective = Objective.VALORISATION,
    bounds: list[Bounds] | None = None,
) -> PathwayIndex:
    """The blocks, builds, links and limits of ``pathway`` (module docstring).

    Raises:
        ProblemError: as :func:`models.bounds.compute_bounds`, for an unbounded candidate.
    """
    blocks = [(s, p) for s in range(len(pathway.scenarios)) for p in range(pathway.periods)]
    problems = [pathway.scenarios[s].problems[p] for s, p in blocks]
    index = PathwayIndex(
        pathway=pathway,
        objective=Objective(objective),
        blocks=blocks,
        problems=problems,
        bounds=bounds if bounds is not None else [compute_bounds(q) for q in problems],
        decide=[],
        weight=_block_weights(pathway, blocks, Objective(objective)),
    )
    decided = _decided_keys(pathway, problems)
    index.decide = [
        [a for a, arc in enumerate(q.arcs) if not arc.existing and arc.key in decided]
        for q in problems
    ]
    builder = _Builder(index, decided)
    builder.run()
    index.where = dict(builder.where)
    return index


def _block_weights(
    pathway: Pathway, blocks: list[tuple[int, int]], objective: Objective
) -> list[float]:
    """``pi_s W_p / W`` per block (``pi_s L_p / L`` for CO2, in years undiscounted)."""
    if objective is Objective.CO2:
        lengths = pathway.lengths()
        share = [n / sum(lengths) for n in lengths]
    else:
        total = pathway.annuity()
        share = [w / total for w in pathway.weights()]
    return [pathway.scenarios[s].probability * share[p] for s, p in blocks]


def _decided_keys(pathway: Pathway, problems: list[Problem]) -> set[ArcKey]:
    """The candidate arcs the pathway decides: any cost, flag, budget or cap in any block.

    An arc free in every block (no fixed cost, no size, no flag, no investment a budget counts,
    no cap that can bind counting it) behaves as an existing one, as in a single problem.
    """
    budget = pathway.investment_budget is not None or any(
        q.investment_budget is not None for q in problems
    )
    keys: set[ArcKey] = set()
    for q in problems:
        keys.update(q.arcs[a].key for a in decided_arcs(q))
        if budget:
            keys.update(a.key for a in q.arcs if not a.existing and a.investment)
    for _, _, members in _horizon_groups(pathway, problems):
        keys.update(members)
    return keys


def _candidates(problems: list[Problem]) -> dict[ArcKey, tuple[str, set[str]]]:
    """Every candidate arc key with its mode and the commodities it carries somewhere."""
    out: dict[ArcKey, tuple[str, set[str]]] = {}
    for q in problems:
        for arc in q.arcs:
            if not arc.existing:
                out.setdefault(arc.key, (arc.mode, set()))[1].update(arc.commodities)
    return out


def _horizon_groups(
    pathway: Pathway, problems: list[Problem]
) -> list[tuple[str, int, list[ArcKey]]]:
    """The caps over the horizon that can bind: ``(label, cap, keys counted)``.

    A cap can bind when its keys, each built at most once a period, could exceed it.
    """
    keys = _candidates(problems)
    groups: list[tuple[str, int | None, list[ArcKey]]] = [
        ("all", pathway.max_new_links, list(keys))
    ]
    groups += [
        (f"mode {m}", n, [k for k, (mode, _) in keys.items() if mode == m])
        for m, n in pathway.max_new_links_per_mode.items()
    ]
    groups += [
        (f"commodity {c}", n, [k for k, (_, carried) in keys.items() if c in carried])
        for c, n in pathway.max_new_links_per_commodity.items()
    ]
    return [
        (label, int(n), members)
        for label, n, members in groups
        if n is not None and len(members) * pathway.periods > n
    ]


class _Builder:
    """Fills a :class:`PathwayIndex`: builds, their costs, links and limits."""

    def __init__(self, index: PathwayIndex, decided: set[ArcKey]) -> None:
        self.index = index
        self.pathway = index.pathway
        self.decided = decided
        self.S = len(self.pathway.scenarios)
        # where each item occurs: (kind, key) -> {(scenario, period): item index}
        self.where: dict[tuple[str, ArcKey | str], dict[tuple[int, int], int]] = defaultdict(dict)
        for b, (s, p) in enumerate(index.blocks):
            q = index.problems[b]
            for a in index.decide[b]:
                self.where["arc", q.arcs[a].key][s, p] = a
            for c, conv in enumerate(q.converters):
                if not conv.existing:
                    self.where["converter", conv.name][s, p] = c
        self.of: dict[tuple[str, ArcKey | str, int, int | None], int] = {}
        self.sizes: dict[int, dict[int, float]] = {}  # K[a] of each block, once

    def run(self) -> None:
        """Builds, then links, then limits."""
        self.builds()
        self.block_links()
        self.budgets()
        self.caps()

    # -- builds -------------------------------------------------------------------------
    def item(self, kind: str, key: ArcKey | str, s: int, p: int) -> object | None:
        """The arc or converter ``key`` in block ``(s, p)``, or None where it does not occur."""
        found = self.where[kind, key].get((s, p))
        if found is None:
            return None
        q = self.index.problems[self.index.block_of(s, p)]
        return q.arcs[found] if kind == "arc" else q.converters[found]

    def figure(self, build: Build, s: int) -> object:
        """The item whose figures a build takes in scenario ``s``.

        That scenario's, else the first scenario's in which it occurs in the build's period.
        """
        own = self.item(build.kind, build.key, s, build.period)
        if own is not None:
            return own
        for other in range(self.S):
            found = self.item(build.kind, build.key, other, build.period)
            if found is not None:
                return found
        raise AssertionError("a build is made only where its item occurs")

    def lifetime(self, kind: str, key: ArcKey | str) -> float:
        """The years an item built serves (the whole horizon if none is given)."""
        if isinstance(key, str):
            return float(self.pathway.converter_lifetime.get(key, math.inf))
        return float(self.pathway.arc_lifetime.get(key, math.inf))

    def builds(self) -> None:
        """One build per item, period and scope in which the item occurs."""
        ix, pw = self.index, self.pathway
        for (kind, key), occurs in self.where.items():
            serves_of = {p: pw.served(p, self.lifetime(kind, key)) for p in range(pw.periods)}
            for p in range(pw.periods):
                present = [s for s in range(self.S) if (s, p) in occurs]
                if not present:
                    continue
                scopes: list[int | None] = [None] if pw.shared(p) else list(present)
                for scope in scopes:
                    self.of[kind, key, p, scope] = len(ix.builds)
                    ix.builds.append(Build(kind, key, p, scope, serves_of[p]))
        self.costs()

    def costs(self) -> None:
        """Each build's figures, and its objective coefficient ``sum_s pi_s F sum_q W_q / W``.

        The sum over the periods ``q`` it serves: its charges.  Negative for valorisation (a charge lowers it), positive for cost, 0 for CO2; the same
        for a sized build's capacity at ``capacity_cost`` per unit.
        """
        ix, pw = self.index, self.pathway
        sign = {Objective.VALORISATION: -1.0, Objective.COST: 1.0, Objective.CO2: 0.0}
        factor = sign[ix.objective]
        share = [w / pw.annuity() for w in pw.weights()]
        for j, build in enumerate(ix.builds):
            served = math.fsum(share[q] for q in build.serves)
            figures = {s: _figures(self.figure(build, s)) for s in build.scope(self.S)}
            ix.figures.append(figures)
            pi = {s: pw.scenarios[s].probability for s in figures}
            fixed = math.fsum(pi[s] * f.fixed_cost for s, f in figures.items())
            ix.build_cost.append(factor * fixed * served)
            if getattr(self.figure(build, build.scenario or 0), "sized", False):
                capacity = math.fsum(pi[s] * f.capacity_cost for s, f in figures.items())
                ix.sized.append(j)
                ix.capacity_cost.append(factor * capacity * served)
                ix.capacity_bound.append(self.largest(build))

    def largest(self, build: Build) -> float:
        """``K_j``: the most capacity any block the build serves could use of it."""
        ix = self.index
        most = 0.0
        for s in build.scope(self.S):
            for q in build.serves:
                a = self.where["arc", build.key].get((s, q))
                if a is not None:
                    b = ix.block_of(s, q)
                    if b not in self.sizes:
                        self.sizes[b] = largest_sizes(ix, b)
                    most = max(most, self.sizes[b].get(a, 0.0))
        return most

    # -- rows ---------------------------------------------------------------------------
    def serving(self, kind: str, key: ArcKey | str, s: int, p: int) -> tuple[int, ...]:
        """The builds that serve period ``p`` of scenario ``s`` with item ``key``."""
        out = []
        for p0 in range(p + 1):
            for scope in (None, s):
                j = self.of.get((kind, key, p0, scope))
                if j is not None and p in self.index.builds[j].serves:
                    out.append(j)
        return tuple(out)

    def block_links(self) -> None:
        """``y`` (``w``, ``k``) of each block = the builds serving it."""
        ix = self.index
        sized = set(ix.sized)
        for (kind, key), occurs in self.where.items():
            for (s, p), item in sorted(occurs.items()):
                b = ix.block_of(s, p)
                builds = self.serving(kind, key, s, p)
                ix.links.append(BlockLink(b, "y" if kind == "arc" else "w", item, builds))
                if kind == "arc" and ix.problems[b].arcs[item].sized:
                    ix.links.append(BlockLink(b, "k", item, tuple(j for j in builds if j in sized)))

    def spend(self, j: int, s: int) -> tuple[float, float]:
        """The investment of build ``j`` in scenario ``s``, and per unit of its capacity."""
        f = self.index.figures[j][s]
        return f.investment, f.capacity_investment

    def budget_row(self, family: str, label: str, budget: float, s: int, builds: list[int]) -> None:
        """``sum investment_j build[j] + capacity_investment_j capacity_build[j] <= budget``."""
        slot = {j: i for i, j in enumerate(self.index.sized)}
        terms, per_unit = [], []
        for j in builds:
            fixed, unit = self.spend(j, s)
            if fixed:
                terms.append((j, fixed))
            if unit and j in slot:
                per_unit.append((slot[j], unit))
        if terms or per_unit:
            self.index.limits.append(
                LinearRow(family, label, float(budget), tuple(terms), tuple(per_unit))
            )

    def in_scope(self, s: int, period: int | None = None) -> list[int]:
        """The builds made for scenario ``s`` (in ``period`` only, if given)."""
        return [
            j
            for j, b in enumerate(self.index.builds)
            if (b.scenario is None or b.scenario == s) and period in (None, b.period)
        ]

    def budgets(self) -> None:
        """Each period's budget (its problem's), then the horizon's, per scenario."""
        ix, pw = self.index, self.pathway
        names = [sc.name for sc in pw.scenarios]
        for b, (s, p) in enumerate(ix.blocks):
            budget = ix.problems[b].investment_budget
            if budget is not None:
                label = f"{names[s]} {pw.years[p]}"
                self.budget_row("period_budget", label, budget, s, self.in_scope(s, p))
        if pw.investment_budget is not None:
            for s in range(self.S):
                self.budget_row(
                    "horizon_budget", names[s], pw.investment_budget, s, self.in_scope(s)
                )

    def caps(self) -> None:
        """Each period's caps on new links (its problem's), then the horizon's, per scenario."""
        ix, pw = self.index, self.pathway
        names = [sc.name for sc in pw.scenarios]
        for b, (s, p) in enumerate(ix.blocks):
            q = ix.problems[b]
            for label, cap, arcs in q.new_link_groups():
                builds = [self.build_of("arc", q.arcs[a].key, s, p) for a in arcs]
                row = tuple((j, 1.0) for j in builds if j is not None)
                ix.limits.append(
                    LinearRow("period_link_limit", f"{names[s]} {pw.years[p]} {label}", cap, row)
                )
        for label, cap, keys in _horizon_groups(pw, ix.problems):
            members = set(keys)
            for s in range(self.S):
                row = tuple(
                    (j, 1.0)
                    for j in self.in_scope(s)
                    if ix.builds[j].kind == "arc" and ix.builds[j].key in members
                )
                if len(row) > cap:
                    ix.limits.append(
                        LinearRow("horizon_link_limit", f"{names[s]} {label}", cap, row)
                    )

    def build_of(self, kind: str, key: ArcKey | str, s: int, p: int) -> int | None:
        """The build of ``key`` made in period ``p`` for scenario ``s`` (shared or its own)."""
        return self.of.get((kind, key, p, None), self.of.get((kind, key, p, s)))


def _figures(item: object) -> Figures:
    """The :class:`Figures` of an arc or a converter (a capacity only for a sized arc)."""
    sized = bool(getattr(item, "sized", False))
    return Figures(
        fixed_cost=float(item.fixed_cost),  # type: ignore[attr-defined]
        capacity_cost=float(getattr(item, "capacity_cost", 0.0)) if sized else 0.0,
        investment=float(item.investment),  # type: ignore[attr-defined]
        capacity_investment=float(getattr(item, "capacity_investment", 0.0)) if sized else 0.0,
    )


def largest_sizes(index: PathwayIndex, block: int) -> dict[int, float]:
    """``K[a] = max_t U[a,t] / share_t`` of every sized arc of a block (as the formulation)."""
    q = index.problems[block]
    sized = [a for a, arc in enumerate(q.arcs) if arc.sized]
    if not sized:
        return {}
    share = np.array([s.share for s in q.slices], dtype=np.float64)
    totals = arc_totals(q, flow_bounds(q, index.bounds[block]))
    return {a: float((totals[a] / share).max()) for a in sized}


__all__ = [
    "BLOCK_LEFT_OUT",
    "BlockLink",
    "Build",
    "Figures",
    "LinearRow",
    "PathwayIndex",
    "build_index",
    "largest_sizes",
]
