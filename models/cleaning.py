"""Clean a solver's solution to its tolerances before anything is reported.

HiGHS accepts a solution when every row and bound holds within its primal feasibility
tolerance (``1e-7`` by default) and every integer is integral within its MIP feasibility
tolerance (``1e-6``).  Read raw, such a solution may list a flow of ``1e-7`` on an arc that
is "not built" (its build decision ``1e-9``, times a big-M, allows it).  Tables and totals
would then disagree.  Both backends therefore pass every solution through
:func:`clean_solution` and compute the tables *and* the objective parts from the cleaned
values:

* a flow, supply use, delivery or converter activity below the tolerance is zero (and the
  quantities are clipped to their bounds, ``0 <= u <= q``, ``0 <= v <= q``);
* a build decision is rounded, and cleaning never makes a solution worse than the solver's:
  what an arc rounded to unbuilt carries within what its raw decision allows
  (``x <= (y + 1e-6) B + tolerance``, ``B`` the flow's bound) is tolerance-size, and is
  zeroed, never promoted to a build that would charge the whole fixed cost.  The balance it
  fed is then short by as much: the certificate (:mod:`models.certificate`) checks every row
  and, if one is off, re-solves the flows with the decisions fixed.  Only a flow beyond what
  its raw decision allows (a point that breaks its own linking row) builds its arc; the same
  holds for a converter and its activity.  A free candidate arc has no decision in the model
  (:func:`models.formulation.decided_arcs`): it is built when it carries flow.

The totals reported are those of the cleaned solution; they differ from the solver's own
objective by the tolerances at most, which the certificate checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.bounds import Bounds, flow_bounds
from models.problem import Problem

TOLERANCE = 1e-7
"""HiGHS's default ``primal_feasibility_tolerance``: anything smaller is solver noise."""

INTEGRALITY_TOLERANCE = 1e-6
"""HiGHS's default ``mip_feasibility_tolerance``: a build decision this close to 0 is 0."""


@dataclass(frozen=True)
class Values:
    """The values of the variables of :mod:`models.formulation`, by index.

    ``x[(a, k, t)]`` flow; ``y[a]`` candidate arc built; ``u[(s, t)]`` supply used;
    ``v[(d, t)]`` delivered; ``z[(c, t)]`` converter activity; ``w[c]`` converter built.
    """

    x: Mapping[tuple[int, str, int], float]
    y: Mapping[int, float]
    u: Mapping[tuple[int, int], float]
    v: Mapping[tuple[int, int], float]
    z: Mapping[tuple[int, int], float]
    w: Mapping[int, float]


def clean_solution(
    problem: Problem,
    values: Values,
    tolerance: float = TOLERANCE,
    bounds: Bounds | None = None,
) -> Values:
    """``values`` with solver noise removed and build decisions made consistent with use.

    ``bounds``: the data-derived bounds the model was built with; they tell a tolerance-size
    flow on an unbuilt arc (zeroed) from a real one (which builds it).  Without them every
    flow on an arc rounded to unbuilt is taken for tolerance-size.
    """

    def small(value: float) -> float:
        return value if value >= tolerance else 0.0

    u = {(s, t): min(small(q), problem.supplies[s].quantities[t]) for (s, t), q in values.u.items()}
    v = {(d, t): min(small(q), problem.demands[d].quantities[t]) for (d, t), q in values.v.items()}
    limit = _Limits(problem, bounds)
    x = {key: q for key, q in values.x.items() if q >= tolerance}
    real = {
        a
        for (a, k, t), q in x.items()
        if values.y.get(a, 1.0) <= 0.5 and q > limit.flow(values.y[a], a, k, t)
    }
    y = {a: 1.0 if b > 0.5 or a in real else 0.0 for a, b in values.y.items()}
    x = {key: q for key, q in x.items() if y.get(key[0], 1.0) > 0}
    y.update((a, 1.0) for a, _, _ in x if not problem.arcs[a].existing and a not in y)
    z = {key: small(q) for key, q in values.z.items()}
    running = {
        c
        for (c, t), q in z.items()
        if values.w.get(c, 1.0) <= 0.5 and q > limit.activity(values.w[c], c, t)
    }
    w = {c: 1.0 if b > 0.5 or c in running else 0.0 for c, b in values.w.items()}
    z = {(c, t): (q if w.get(c, 1.0) > 0 else 0.0) for (c, t), q in z.items()}
    return Values(x=x, y=y, u=u, v=v, z=z, w=w)


class _Limits:
    """What a raw build decision allows an arc or a converter to carry, within tolerance."""

    def __init__(self, problem: Problem, bounds: Bounds | None) -> None:
        self.problem = problem
        self.bounds = bounds
        self._flow: np.ndarray | None = None
        self._first: dict[int, int] = {}

    def flow(self, decision: float, a: int, k: str, t: int) -> float:
        """The most ``x[a,k,t]`` may be under ``y[a] = decision`` (infinite without bounds)."""
        if self.bounds is None:
            return math.inf
        if self._flow is None:
            self._flow = flow_bounds(self.problem, self.bounds)
            starts = np.cumsum([0] + [len(arc.commodities) for arc in self.problem.arcs])
            self._first = dict(enumerate(starts.tolist()))
        row = self._first[a] + self.problem.arcs[a].commodities.index(k)
        return _allowed(decision, float(self._flow[row, t]))

    def activity(self, decision: float, c: int, t: int) -> float:
        """The most ``z[c,t]`` may be under ``w[c] = decision`` (infinite without bounds)."""
        if self.bounds is None:
            return math.inf
        return _allowed(decision, self.bounds.activity[self.problem.converters[c].name][t])


def _allowed(decision: float, bound: float) -> float:
    """``(decision + MIP tolerance) * bound + tolerance``: the linking row, as HiGHS reads it."""
    return (max(decision, 0.0) + INTEGRALITY_TOLERANCE) * bound + TOLERANCE
