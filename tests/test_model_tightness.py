"""A model as small and as tight as the decision (issue 12, item 3).

* A candidate arc that costs nothing to build carries no binary (``decided_arcs``).
* A link that can never pay its fixed cost is dropped before building (``models.prune``).
* Each flow is bounded by what its tail can supply and its head can absorb (local bounds of
  ``models.bounds``), not by the region's total of the commodity.

Each is checked on a hand-made problem whose optimum is worked out in the docstring, in both
backends, and each test fails when the feature is removed or turned around.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from models.direct import build_arrays
from models.formulation import Formulation, decided_arcs
from models.problem import Arc, Demand, Problem, Supply
from models.result import Objective, Status
from models.solve import SolveOptions, solve

EXACT = SolveOptions(gap=0.0, time_limit=30)
DUNKIRK = Path(__file__).parents[1] / "datasets" / "dunkerque" / "dunkerque.yaml"


def truck_or_conveyor(**truck: object) -> Problem:
    """100 t of slag (disposal 10 EUR/t) and a grinder wanting 80 t (20 EUR/t).

    A truck costs 2 EUR/t and nothing to build; a conveyor 0.5 EUR/t and 500 EUR/yr.
    By truck: 80 * (10 + 20 - 2) = 2240; by conveyor: 80 * 29.5 - 500 = 1860.  The truck wins.
    """
    return Problem(
        nodes=("steel", "grinder"),
        commodities=("slag",),
        supplies=(Supply("steel", "slag", 100.0, disposal_cost=10.0),),
        demands=(Demand("grinder", "slag", 80.0, value=20.0),),
        arcs=(
            Arc("steel", "grinder", "truck", ("slag",), variable_cost={"slag": 2.0}, **truck),  # type: ignore[arg-type]
            Arc(
                "steel",
                "grinder",
                "conveyor",
                ("slag",),
                capacity=100.0,
                fixed_cost=500.0,
                variable_cost={"slag": 0.5},
            ),
        ),
    )


def test_a_free_candidate_arc_has_no_binary_in_either_backend() -> None:
    problem = truck_or_conveyor()
    assert decided_arcs(problem) == [1]
    assert build_arrays(problem).y_arc.tolist() == [1]
    assert list(Formulation(problem).model.y.keys()) == [1]
    assert int(build_arrays(problem).form.integrality.sum()) == 1


def test_a_free_arc_gives_the_same_optimum_as_with_its_binary() -> None:
    """An investment counted by a budget that never binds gives the truck its binary back."""
    free = truck_or_conveyor()
    kept = replace(truck_or_conveyor(investment=1.0), investment_budget=1e9)
    assert decided_arcs(kept) == [0, 1]
    for backend in ("pyomo", "arrays"):
        a = solve(free, Objective.VALORISATION, EXACT, backend=backend)
        b = solve(kept, Objective.VALORISATION, EXACT, backend=backend)
        assert a.status is b.status is Status.OPTIMAL
        assert a.objective == pytest.approx(2240.0, abs=1e-6)
        assert b.objective == pytest.approx(2240.0, abs=1e-6)


def test_a_free_arc_that_carries_flow_is_reported_built() -> None:
    for backend in ("pyomo", "arrays"):
        r = solve(truck_or_conveyor(), Objective.VALORISATION, EXACT, backend=backend)
        built = r.built_arcs.set_index("mode")
        assert list(built.index) == ["truck"]
        assert float(built.loc["truck", "fixed_cost"]) == 0.0
        assert r.recomputed_objective() == pytest.approx(2240.0, abs=1e-6)


def test_an_arc_counted_by_a_binding_cap_keeps_its_binary() -> None:
    """At most one new link: the free truck counts, so it needs its decision."""
    problem = replace(truck_or_conveyor(), max_new_links=1)
    assert decided_arcs(problem) == [0, 1]
    assert int(build_arrays(problem).form.integrality.sum()) == 2


def test_dunkirk_binaries_are_only_the_arcs_that_cost_something_to_build() -> None:
    """13 of Dunkirk's 23 candidate arcs cost nothing to build: 10 binaries are left."""
    from symbiose.convert import to_network
    from symbiose.inventory import load_inventory

    problem = to_network(load_inventory(DUNKIRK)).problem
    candidates = [a for a, arc in enumerate(problem.arcs) if not arc.existing]
    free = [a for a in candidates if problem.arcs[a].fixed_cost == 0]
    assert (len(candidates), len(free)) == (23, 13)
    decided = decided_arcs(problem)
    assert decided == [a for a in candidates if a not in free]
    model = build_arrays(problem)
    assert model.y_arc.tolist() == decided == list(Formulation(problem).model.y.keys())
    w = model.columns["w"]
    assert int(np.sum(model.form.integrality)) == len(decided) + (w.stop - w.start)
