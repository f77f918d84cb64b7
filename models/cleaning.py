"""Clean a solver's solution to its tolerances before anything is reported.

HiGHS accepts a solution when every row and bound holds within its primal feasibility
tolerance (``1e-7`` by default) and every integer is integral within its MIP feasibility
tolerance (``1e-6``).  Read raw, such a solution may list a flow of ``1e-8`` on an arc that
is "not built", or a build decision of ``1e-7`` that pays almost none of its fixed cost for a
real flow.  Tables and totals would then disagree.  Both backends therefore pass every
solution through :func:`clean_solution` and compute the tables *and* the objective parts from
the cleaned values:

* a flow, supply use, delivery or converter activity below the tolerance is zero (and the
  quantities are clipped to their bounds, ``0 <= u <= q``, ``0 <= v <= q``);
* a build decision is rounded; an arc that carries flow is built, a converter that runs is
  built, and their fixed cost is counted.  A free candidate arc has no decision in the model
  (:func:`models.formulation.decided_arcs`): it is built when it carries flow.

The totals reported are those of the cleaned solution; they may differ from the solver's own
objective by the tolerances (never by more, unless a binary was fractional within tolerance
and a flow rode on it, in which case the cleaned total is the honest one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from models.problem import Problem

TOLERANCE = 1e-7
"""HiGHS's default ``primal_feasibility_tolerance``: anything smaller is solver noise."""


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


def clean_solution(problem: Problem, values: Values, tolerance: float = TOLERANCE) -> Values:
    """``values`` with solver noise removed and build decisions made consistent with use."""

    def small(value: float) -> float:
        return value if value >= tolerance else 0.0

    x = {key: q for key, q in values.x.items() if q >= tolerance}
    u = {(s, t): min(small(q), problem.supplies[s].quantities[t]) for (s, t), q in values.u.items()}
    v = {(d, t): min(small(q), problem.demands[d].quantities[t]) for (d, t), q in values.v.items()}
    z = {key: small(q) for key, q in values.z.items()}
    carrying = {a for a, _, _ in x}
    running = {c for (c, _), q in z.items() if q > 0}
    y = {a: 1.0 if a in carrying or b > 0.5 else 0.0 for a, b in values.y.items()}
    y.update((a, 1.0) for a in carrying if not problem.arcs[a].existing)
    w = {c: 1.0 if c in running or b > 0.5 else 0.0 for c, b in values.w.items()}
    return Values(x=x, y=y, u=u, v=v, z=z, w=w)
