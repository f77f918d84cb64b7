"""Drop, before building, the candidate links that can never pay their fixed cost.

Exact pruning: the pruned problem has the same optimal value as the original, and every
optimum of the pruned problem is an optimum of the original.  The proof is in
``docs/formulation.md`` ("Pruning links that cannot pay"); in short, for the valorisation (and
cost) objective:

A commodity ``k`` is *plain* when no converter makes or takes it, no store holds it, no arc
loses it, no arc carrying it earns money or CO2 by carrying (``varcost_ak + cp co2_ak >= 0``),
and no hard requirement touches it (no must-dispatch supply, no must-serve demand, no minimum
delivery of ``k``); nor is there a CO2 target.  The flow of a plain commodity is then a plain
network flow: it splits into paths from one supply to one demand and cycles, and taking one of
those paths (or cycles) away leaves every row satisfied.  A unit on a path through arc ``a``
earns at most::

    m_ak = max(0, C(tail_a, k) + G(head_a, k) - varcost_ak - cp co2_ak)

with ``C(n, k)`` the largest credit (``disposal_cost + cp disposal_co2``, at least 0) of a
supply of ``k`` that can start such a path (the supply at ``n`` alone when no arc of ``k``
enters ``n``, any supply of ``k`` otherwise) and ``G(n, k)`` the largest gain
(``value + cp co2``, at least 0) of a demand that can end it (the demand at ``n`` alone when no
arc of ``k`` leaves ``n``, any demand of ``k`` otherwise).  In slice ``t`` arc ``a`` carries
at most ``B[a,k,t]`` of ``k`` and ``U[a,t]`` in all (:mod:`models.bounds`), so the paths
through ``a`` earn at most::

    E_a = sum_t min(sum_k m_ak B[a,k,t], U[a,t] max_k m_ak)

A candidate arc whose every commodity is plain, not required by the planner, with
``fixed_a > E_a`` is never built at an optimum: in any solution that builds it, removing the
paths through it and the link loses at most ``E_a`` and saves ``fixed_a``.  Removing links
only lowers the new-link counts and the investment, so no planner limit is broken.

Under the CO2 objective a fixed cost costs nothing, and a CO2 target is a requirement on
every commodity at once: nothing is pruned then.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from models.bounds import Bounds, arc_totals, compute_bounds, flow_bounds
from models.problem import Problem
from models.result import Objective

TOLERANCE = 1e-9
"""A link is dropped only when its fixed cost beats what it can earn by more than this
(relative, and absolute in EUR): round-off never decides."""


def prune(problem: Problem, objective: Objective, bounds: Bounds | None = None) -> Problem:
    """``problem`` without the candidate links that can never pay their fixed cost.

    Returns ``problem`` itself when nothing can be dropped (module docstring: which links,
    and why the optimum is unchanged).
    """
    dropped = unpayable_links(problem, objective, bounds)
    if not dropped:
        return problem
    gone = set(dropped)
    kept = tuple(arc for a, arc in enumerate(problem.arcs) if a not in gone)
    return replace(problem, arcs=kept)


def unpayable_links(
    problem: Problem, objective: Objective, bounds: Bounds | None = None
) -> list[int]:
    """The candidate arcs that no optimum builds, by the argument of the module docstring."""
    if Objective(objective) is Objective.CO2 or problem.co2_min is not None:
        return []
    plain = plain_commodities(problem)
    costly = [
        a
        for a, arc in enumerate(problem.arcs)
        if not arc.existing
        and not arc.required
        and arc.fixed_cost > 0
        and all(k in plain for k in arc.commodities)
    ]
    if not costly:
        return []
    earned = most_earned(problem, flow_bounds(problem, bounds or compute_bounds(problem)))
    fixed = np.array([problem.arcs[a].fixed_cost for a in costly], dtype=np.float64)
    unpaid = fixed > earned[costly] * (1 + TOLERANCE) + TOLERANCE
    return [a for a, drop in zip(costly, unpaid.tolist(), strict=True) if drop]


def most_earned(problem: Problem, flow: np.ndarray) -> np.ndarray:
    """``E_a`` of every arc: the most the paths through it can earn in a year.

    ``flow`` holds the bounds ``B[a,k,t]`` of the flows (:func:`models.bounds.flow_bounds`).
    """
    if not problem.arcs:
        return np.zeros(0)
    per_arc = np.array([len(arc.commodities) for arc in problem.arcs], dtype=np.int64)
    first = np.concatenate(([0], np.cumsum(per_arc)[:-1])).astype(np.int64)
    total = arc_totals(problem, flow)  # U[a,t]
    # a candidate's total is finite (models.bounds): so is every flow once clipped to it
    clipped = np.minimum(flow, np.repeat(total, per_arc, axis=0))
    margin = _margins(problem)
    best = np.maximum.reduceat(margin, first)
    with np.errstate(invalid="ignore"):  # 0 * inf on an existing uncapacitated arc: nan
        by_commodity = np.add.reduceat(margin[:, None] * clipped, first, axis=0)
        earned = np.minimum(by_commodity, total * best[:, None]).sum(axis=1)
    return np.nan_to_num(earned, nan=np.inf)


def plain_commodities(problem: Problem) -> set[str]:
    """The commodities whose flows are plain network flows (module docstring)."""
    cp = problem.carbon_price
    tangled = {k for c in problem.converters for k in (*c.inputs, *c.outputs)}
    tangled |= {st.commodity for st in problem.storages}
    tangled |= {s.commodity for s in problem.supplies if s.must_dispatch}
    tangled |= {
        d.commodity for d in problem.demands if d.must_serve or any(q > 0 for q in d.minimums)
    }
    for arc in problem.arcs:
        for k in arc.commodities:
            paid = arc.variable_cost.get(k, 0.0) + cp * arc.co2.get(k, 0.0)
            if arc.loss.get(k, 0.0) > 0 or paid < 0:
                tangled.add(k)
    return set(problem.commodities) - tangled


def _margins(problem: Problem) -> np.ndarray:
    """``m_ak`` of every (arc, commodity) pair, in the order of the flow columns."""
    cp = problem.carbon_price
    credit: dict[tuple[str, str], float] = {}
    gain: dict[tuple[str, str], float] = {}
    for s in problem.supplies:
        credit[s.node, s.commodity] = max(0.0, s.disposal_cost + cp * s.disposal_co2)
    for d in problem.demands:
        gain[d.node, d.commodity] = max(0.0, d.value + cp * d.co2)
    best_credit = _largest(credit)
    best_gain = _largest(gain)
    entered = {(arc.head, k) for arc in problem.arcs for k in arc.commodities}
    left = {(arc.tail, k) for arc in problem.arcs for k in arc.commodities}

    def start(n: str, k: str) -> float:
        return best_credit.get(k, 0.0) if (n, k) in entered else credit.get((n, k), 0.0)

    def end(n: str, k: str) -> float:
        return best_gain.get(k, 0.0) if (n, k) in left else gain.get((n, k), 0.0)

    return np.array(
        [
            max(
                0.0,
                start(arc.tail, k)
                + end(arc.head, k)
                - arc.variable_cost.get(k, 0.0)
                - cp * arc.co2.get(k, 0.0),
            )
            for arc in problem.arcs
            for k in arc.commodities
        ],
        dtype=np.float64,
    )


def _largest(table: dict[tuple[str, str], float]) -> dict[str, float]:
    """The largest value of ``table`` per commodity."""
    best: dict[str, float] = {}
    for (_, k), value in table.items():
        best[k] = max(best.get(k, 0.0), value)
    return best
