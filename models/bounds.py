"""Tight, data-derived bounds for the linking constraints (no constant big-M).

For each time slice we bound how much of a commodity can exist anywhere (``available``:
supplies plus what converters can make plus what stores can give back) and how much can be
taken anywhere (``absorbable``: demands plus what converters can consume plus what stores can
take in).  No arc ever needs to carry more than either of these in a solution where no unit
passes the same arc twice (the demand side is dropped for a commodity that some arc loses,
since the source end then carries more than is delivered).  Circulation, a unit going round a
loop, never pays (with transport costs of at least zero): a unit lost on a loop gives back the
credit it earned when it was used (``models.losses``), and a loss-free loop earns nothing and
pays its transport.  So some optimum lies within the bounds, they only tighten the model, and

    x[a,k,t] <= min(capacity_a * share_t, capacity_ak * share_t, available_kt, absorbable_kt)

is valid, and it is the big-M of the per-commodity linking constraint.  Converter activity is
bounded the same way: by its capacity, by what its inputs can supply and by what its outputs
can be absorbed.  Chains of converters are handled by iterating to a fixed point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.problem import Arc, Problem, ProblemError


@dataclass(frozen=True)
class Bounds:
    """Per-slice bounds: ``available[k][t]``, ``absorbable[k][t]``, ``activity[c][t]``."""

    available: dict[str, list[float]]
    absorbable: dict[str, list[float]]
    activity: dict[str, list[float]]

    def arc_commodity(self, problem: Problem, arc: Arc, commodity: str, t: int) -> float:
        """The most arc ``arc`` can usefully carry of ``commodity`` in slice ``t``."""
        share = problem.slices[t].share
        return min(
            arc.capacity * share,
            arc.commodity_capacity.get(commodity, math.inf) * share,
            self.available[commodity][t],
            self.absorbable[commodity][t],
        )

    def arc_total(self, problem: Problem, arc: Arc, t: int) -> float:
        """The most arc ``arc`` can usefully carry in slice ``t``, all commodities together."""
        per_commodity = sum(self.arc_commodity(problem, arc, k, t) for k in arc.commodities)
        return min(arc.capacity * problem.slices[t].share, per_commodity)


def compute_bounds(problem: Problem) -> Bounds:
    """Derive the bounds of :class:`Bounds` from the problem data.

    Raises:
        ProblemError: a candidate arc or buildable converter whose flow has no finite bound
            (an uncapacitated loop of converters); give it a capacity.
    """
    n = len(problem.slices)
    base_available = {k: [0.0] * n for k in problem.commodities}
    base_absorbable = {k: [0.0] * n for k in problem.commodities}
    for s in problem.supplies:
        for t, q in enumerate(s.quantities):
            base_available[s.commodity][t] += q
    for d in problem.demands:
        for t, q in enumerate(d.quantities):
            base_absorbable[d.commodity][t] += q
    # A store gives back or takes in at most its capacity in a slice (seasonal_storage).
    for st in problem.storages if n > 1 else ():
        for t in range(n):
            base_available[st.commodity][t] += st.capacity
            base_absorbable[st.commodity][t] += st.capacity

    # A commodity lost on some arc may need more than the demand at the source end, so the
    # demand side gives no bound for it.
    lossy = {k for a in problem.arcs for k, loss in a.loss.items() if loss > 0}
    activity = {
        c.name: [c.capacity * sl.share for sl in problem.slices] for c in problem.converters
    }
    available = base_available
    absorbable = base_absorbable
    for _ in range(len(problem.converters) + 2):
        available = {k: list(v) for k, v in base_available.items()}
        absorbable = {k: list(v) for k, v in base_absorbable.items()}
        for c in problem.converters:
            for t in range(n):
                for k, y in c.outputs.items():
                    available[k][t] += y * activity[c.name][t]
                for k, y in c.inputs.items():
                    absorbable[k][t] += y * activity[c.name][t]
        for k in lossy:
            absorbable[k] = [math.inf] * n
        changed = False
        for c in problem.converters:
            for t in range(n):
                limit = min(
                    [activity[c.name][t]]
                    + [available[k][t] / y for k, y in c.inputs.items()]
                    + [absorbable[k][t] / y for k, y in c.outputs.items()]
                )
                if limit < activity[c.name][t] - 1e-12 * max(1.0, abs(limit)):
                    activity[c.name][t] = limit
                    changed = True
        if not changed:
            break
    bounds = Bounds(available, absorbable, activity)

    errors: list[str] = []
    for a in problem.arcs:
        if not a.existing and any(
            not math.isfinite(bounds.arc_total(problem, a, t)) for t in range(n)
        ):
            errors.append(
                f"arcs[{a.tail}->{a.head}:{a.mode}].capacity: no finite bound can be derived "
                "for this candidate arc; give it a capacity"
            )
    for c in problem.converters:
        if not c.existing and any(not math.isfinite(v) for v in activity[c.name]):
            errors.append(
                f"converters[{c.name}].capacity: no finite bound can be derived for this "
                "buildable converter; give it a capacity"
            )
    if errors:
        raise ProblemError(errors)
    return bounds
