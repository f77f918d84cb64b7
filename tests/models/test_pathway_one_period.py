"""One period and one scenario is today's model: the same optimum to 1e-9.

On Dunkirk, the published benchmark optima and random problems, by both pathway backends,
against :func:`models.solve.solve` (the one-problem pipeline, pruning on).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from test_properties import problems  # type: ignore[import-not-found]

from models.formats import read_benchmark
from models.pathway import one_period
from models.pathway_solve import solve_pathway
from models.problem import Problem
from models.result import Objective, Status
from models.session import SolveOptions
from models.solve import solve

EXACT = SolveOptions(gap=0.0, time_limit=300)
ROOT = Path(__file__).parents[2]
INSTANCES = ROOT / "benchmarks" / "instances"


def assert_same_optimum(problem: Problem, objective: Objective, years: int = 1) -> None:
    """The pathway of ``problem`` over ``years`` years has today's optimum per year."""
    static = solve(problem, objective, EXACT)
    assert static.status is Status.OPTIMAL and static.objective is not None
    for backend in ("pyomo", "arrays"):
        r = solve_pathway(one_period(problem, years), objective, EXACT, backend=backend)
        assert r.status is Status.OPTIMAL
        assert r.objective == pytest.approx(static.objective, rel=1e-9, abs=1e-9)


def test_one_period_of_dunkirk_is_todays_optimum() -> None:
    from symbiose.convert import to_network
    from symbiose.inventory import load_inventory

    problem = to_network(load_inventory(ROOT / "datasets" / "dunkerque" / "dunkerque.yaml")).problem
    assert_same_optimum(problem, Objective.VALORISATION)
    assert_same_optimum(problem, Objective.CO2)


def test_one_period_of_ten_years_is_todays_optimum_per_year() -> None:
    """With a rate of 0, ten years of the same problem: the same value per year."""
    from symbiose.convert import to_network
    from symbiose.inventory import load_inventory

    problem = to_network(load_inventory(ROOT / "datasets" / "dunkerque" / "dunkerque.yaml")).problem
    assert_same_optimum(problem, Objective.VALORISATION, years=10)


@pytest.mark.parametrize(
    ("fmt", "path", "optimum"),
    [
        ("fcnetlib", "fcnetlib/k10x90", 568),
        ("fcnetlib", "fcnetlib/l61x114", 60085),
        ("fcnetlib", "fcnetlib/sp50x100", 50968),
        ("fcnetlib", "fcnetlib/k15x210", 16128),
        ("canad", "canad/c33.dow", 423848),
    ],
    ids=lambda v: str(v),
)
def test_one_period_of_a_benchmark_is_its_published_optimum(
    fmt: str, path: str, optimum: float
) -> None:
    problem = read_benchmark(INSTANCES / path, fmt)
    assert_same_optimum(problem, Objective.COST)
    r = solve_pathway(one_period(problem), Objective.COST, EXACT, backend="arrays")
    assert r.objective == pytest.approx(optimum, rel=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_one_period_of_a_random_problem_is_its_optimum(problem: Problem) -> None:
    assert_same_optimum(problem, Objective.VALORISATION)
