"""Property tests: pruning and local bounds never change the optimum (random small problems).

The problems are those of ``tests/models/test_properties.py``: fixed costs up to 1,000, losses,
converters, two seasons, carbon prices, existing and candidate arcs, so pruning triggers on
some of them and the local bounds differ from the global ones on most.
"""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from test_properties import problems  # type: ignore[import-not-found]

from models.backends import DirectBackend
from models.bounds import compute_bounds
from models.direct import build_arrays
from models.problem import Problem
from models.result import Objective, Status
from models.session import SolveOptions
from models.solve import run_backend, solve

EXACT = SolveOptions(gap=0.0, time_limit=20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_pruning_never_changes_the_optimum(problem: Problem) -> None:
    for objective in (Objective.VALORISATION, Objective.CO2):
        pruned = solve(problem, objective, EXACT, backend="arrays")
        whole = solve(problem, objective, replace(EXACT, prune=False), backend="arrays")
        assert pruned.status is whole.status
        if whole.status is Status.OPTIMAL:
            assert pruned.objective is not None and whole.objective is not None
            assert math.isclose(pruned.objective, whole.objective, rel_tol=1e-6, abs_tol=1e-4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_local_bounds_never_change_the_optimum_and_never_loosen(problem: Problem) -> None:
    wide_bounds = compute_bounds(problem, local=False)
    local_bounds = compute_bounds(problem)
    wide = build_arrays(problem, bounds=wide_bounds)
    local = build_arrays(problem, bounds=local_bounds)
    x = local.columns["x"]
    assert (local.form.col_upper[x] <= wide.form.col_upper[x]).all()
    options = replace(EXACT, prune=False)
    a = run_backend(DirectBackend(), problem, Objective.VALORISATION, options, model=wide)
    b = run_backend(DirectBackend(), problem, Objective.VALORISATION, options, model=local)
    assert a.status is b.status
    if a.status is Status.OPTIMAL:
        assert a.objective is not None and b.objective is not None
        assert math.isclose(a.objective, b.objective, rel_tol=1e-6, abs_tol=1e-4)
