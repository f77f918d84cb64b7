"""No reported optimum that its certificate contradicts: 300 random problems, 3 objectives.

The problems are those of ``tests/models/test_properties.py``.  Each is solved under each
objective with the certificate (and the cross-check of small MIPs) on; every answer reported
``optimal`` is then re-checked independently: its certificate passed, its figures are the
result's, the tables give the same objective, and a solve by the other backend with presolve
off (and no cross-check) finds the same optimum.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from test_properties import problems  # type: ignore[import-not-found]

from models.constants import FEASIBILITY_TOLERANCE
from models.problem import Problem
from models.result import Objective, Result, Status
from models.session import SolveOptions
from models.solve import solve

EXACT = SolveOptions(gap=0.0, time_limit=20)
ELSEWHERE = SolveOptions(gap=0.0, time_limit=20, presolve=False, cross_check=False, prune=False)


def close(a: float | None, b: float | None) -> bool:
    assert a is not None and b is not None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-4)


def certified_optimum(r: Result) -> None:
    """What an ``optimal`` answer must show: a passed certificate that agrees with it."""
    cert = r.certificate
    assert cert is not None, r.message
    assert cert.passed, cert.failures
    assert max(cert.max_row_violation, cert.max_bound_violation) <= FEASIBILITY_TOLERANCE
    assert cert.max_integrality_violation <= FEASIBILITY_TOLERANCE
    assert close(cert.objective, r.objective)
    assert close(r.recomputed_objective(), r.objective)
    assert cert.bound is not None and close(cert.bound, r.bound)
    assert r.bound is not None and r.objective is not None
    assert abs(r.bound - r.objective) <= 1e-6 * max(1.0, abs(r.objective))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_no_reported_optimum_is_contradicted_by_its_certificate(problem: Problem) -> None:
    for objective in (Objective.VALORISATION, Objective.CO2, Objective.COST):
        r = solve(problem, objective, EXACT, backend="pyomo")
        assert r.status is Status.OPTIMAL, r.message  # nothing mandatory: always solvable
        certified_optimum(r)
        other = solve(problem, objective, ELSEWHERE, backend="arrays")
        assert other.status is Status.OPTIMAL, other.message
        certified_optimum(other)
        assert close(other.objective, r.objective), (objective, other.objective, r.objective)
