"""Planner controls that contradict each other, found before anything is solved.

A pinned link (``Arc.required``) counts against every cap of new links that counts it (in all,
per mode, per commodity carried), and its investment, with that of every pinned converter,
against the budget.  When the pins alone break a cap or the budget, no solution exists, and
the elastic diagnosis (which relaxes the sites' requirements, not the planner's controls)
cannot say why: :func:`contradictions` names the controls instead, and :func:`models.solve.solve`
reports the problem infeasible with them, without building the model.
"""

from __future__ import annotations

from models.problem import Arc, Problem


def contradictions(problem: Problem) -> list[str]:
    """One sentence per contradiction between the planner's controls (empty: none)."""
    return _caps(problem) + _budget(problem)


def _caps(problem: Problem) -> list[str]:
    """Pinned links beyond a cap of new links that counts them."""
    found = []
    for label, cap, arcs in problem.new_link_groups():
        pinned = [problem.arcs[a] for a in arcs if problem.arcs[a].required]
        if len(pinned) <= cap:
            continue
        what = {"all": "new links", "mode": "new links of mode", "commodity": "new links carrying"}
        kind, _, name = label.partition(" ")
        found.append(
            f"{_links(pinned)} {'is' if len(pinned) == 1 else 'are'} pinned, but the cap of"
            f" {what[kind]}{' ' + name if name else ''} is {cap}"
        )
    return found


def _budget(problem: Problem) -> list[str]:
    """Pinned links and converters whose investment alone exceeds the budget."""
    budget = problem.investment_budget
    if budget is None:
        return []
    arcs = [a for a in problem.arcs if a.required and a.investment > 0]
    converters = [c for c in problem.converters if c.required and c.investment > 0]
    spent = sum(a.investment for a in arcs) + sum(c.investment for c in converters)
    if spent <= budget * (1 + 1e-12):
        return []
    pinned = [_link(a) for a in arcs] + [f"converter {c.name}" for c in converters]
    return [
        f"the pins {', '.join(pinned)} invest {spent:,.0f} EUR, above the investment budget of"
        f" {budget:,.0f} EUR"
    ]


def _link(arc: Arc) -> str:
    return f"{arc.tail}->{arc.head} ({arc.mode})"


def _links(arcs: list[Arc]) -> str:
    names = [_link(a) for a in arcs]
    return ("link " if len(names) == 1 else "links ") + ", ".join(names)
