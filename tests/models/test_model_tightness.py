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

from models.bounds import compute_bounds
from models.direct import build_arrays
from models.formulation import Formulation, decided_arcs
from models.problem import Arc, Demand, Problem, Supply
from models.prune import prune, unpayable_links
from models.result import Objective, Status
from models.session import MatrixForm, pass_to_highs
from models.solve import SolveOptions, solve

EXACT = SolveOptions(gap=0.0, time_limit=30)
DUNKIRK = Path(__file__).parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"


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


# -- exact pruning ----------------------------------------------------------------------------


def conveyors(**problem: object) -> Problem:
    """100 t of slag (disposal 10 EUR/t) and a grinder wanting 50 t (20 EUR/t).

    A unit from the plant to the grinder earns at most 10 + 20 = 30 EUR; at most 50 t can go,
    so a link earns at most 1,500 EUR/yr.  The truck (25 EUR/t, free to build) earns
    50 * 5 = 250; conveyor ``big`` (2,000 EUR/yr) can never pay and is dropped; conveyor
    ``small`` (1,400 EUR/yr) could pay up to 100 and is kept, though the truck beats it.
    """
    fields: dict[str, object] = {
        "nodes": ("steel", "grinder"),
        "commodities": ("slag",),
        "supplies": (Supply("steel", "slag", 100.0, disposal_cost=10.0),),
        "demands": (Demand("grinder", "slag", 50.0, value=20.0),),
        "arcs": (
            Arc("steel", "grinder", "truck", ("slag",), variable_cost={"slag": 25.0}),
            Arc("steel", "grinder", "big", ("slag",), capacity=100.0, fixed_cost=2000.0),
            Arc("steel", "grinder", "small", ("slag",), capacity=100.0, fixed_cost=1400.0),
        ),
    }
    fields.update(problem)
    return Problem(**fields)  # type: ignore[arg-type]


def test_a_link_that_can_never_pay_its_fixed_cost_is_dropped_and_only_it() -> None:
    assert unpayable_links(conveyors(), Objective.VALORISATION) == [1]
    assert unpayable_links(conveyors(), Objective.COST) == [1]
    assert [arc.mode for arc in prune(conveyors(), Objective.VALORISATION).arcs] == [
        "truck",
        "small",
    ]


def test_pruning_keeps_the_optimum_in_both_backends() -> None:
    for backend in ("pyomo", "arrays"):
        pruned = solve(conveyors(), Objective.VALORISATION, EXACT, backend=backend)
        whole = solve(
            conveyors(), Objective.VALORISATION, replace(EXACT, prune=False), backend=backend
        )
        assert pruned.objective == pytest.approx(250.0, abs=1e-6)
        assert whole.objective == pytest.approx(250.0, abs=1e-6)
        assert any("1 candidate link(s) left out" in note for note in pruned.notes)
        assert not any("left out" in note for note in whole.notes)


def test_a_link_a_richer_supply_could_feed_through_its_tail_is_kept() -> None:
    """A mine (disposal 100 EUR/t) feeds the plant by an existing belt: a unit leaving the
    plant may now carry a credit of 100, so ``big`` could earn 50 * 120 and is kept."""
    p = conveyors()
    mine = replace(
        p,
        nodes=(*p.nodes, "mine"),
        supplies=(*p.supplies, Supply("mine", "slag", 10.0, disposal_cost=100.0)),
        arcs=(*p.arcs, Arc("mine", "steel", "belt", ("slag",), existing=True)),
    )
    assert unpayable_links(mine, Objective.VALORISATION) == []


@pytest.mark.parametrize(
    "change",
    [
        {"co2_min": 0.0},
        {"demands": (Demand("grinder", "slag", 50.0, value=20.0, minimum=1.0),)},
        {"demands": (Demand("grinder", "slag", 50.0, value=20.0, must_serve=True),)},
        {"supplies": (Supply("steel", "slag", 100.0, disposal_cost=10.0, must_dispatch=True),)},
    ],
)
def test_nothing_is_pruned_when_a_requirement_touches_the_commodity(
    change: dict[str, object],
) -> None:
    assert unpayable_links(replace(conveyors(), **change), Objective.VALORISATION) == []  # type: ignore[arg-type]


def test_nothing_is_pruned_for_the_co2_objective() -> None:
    assert unpayable_links(conveyors(), Objective.CO2) == []
    assert prune(conveyors(), Objective.CO2) is not None
    assert len(prune(conveyors(), Objective.CO2).arcs) == 3


def test_a_required_link_is_never_pruned() -> None:
    p = conveyors()
    arcs = (p.arcs[0], replace(p.arcs[1], required=True), p.arcs[2])
    assert unpayable_links(replace(p, arcs=arcs), Objective.VALORISATION) == []


# -- local flow bounds ------------------------------------------------------------------------


def two_by_two() -> Problem:
    """Plants with 100 t and 300 t, grinders wanting 50 t and 400 t, a conveyor each.

    The region has 400 t; the conveyor from the small plant to the small grinder can carry at
    most min(100, 50) = 50 t; the one from the big plant to the big grinder min(300, 400).
    Both conveyors cost 500 EUR/yr; a unit earns 10 + 20 = 30 EUR.
    """
    return Problem(
        nodes=("p1", "p2", "g1", "g2"),
        commodities=("slag",),
        supplies=(
            Supply("p1", "slag", 100.0, disposal_cost=10.0),
            Supply("p2", "slag", 300.0, disposal_cost=10.0),
        ),
        demands=(
            Demand("g1", "slag", 50.0, value=20.0),
            Demand("g2", "slag", 400.0, value=20.0),
        ),
        arcs=(
            Arc("p1", "g1", "conveyor", ("slag",), fixed_cost=500.0),
            Arc("p2", "g2", "conveyor", ("slag",), fixed_cost=500.0),
        ),
    )


def test_each_flow_is_bounded_by_its_tail_and_its_head() -> None:
    p = two_by_two()
    assert compute_bounds(p, local=False).available["slag"] == [400.0]
    assert compute_bounds(p).flow is not None
    assert compute_bounds(p).flow.tolist() == [[50.0], [300.0]]  # type: ignore[union-attr]
    model = build_arrays(p)
    assert model.form.col_upper[model.columns["x"]].tolist() == [50.0, 300.0]
    formulation = Formulation(p)
    assert [formulation.arc_bound[a, 0] for a in (0, 1)] == [50.0, 300.0]
    # the big-M of the linking row is the local bound, in both backends
    y = model.columns["y"]
    assert model.form.matrix[:, y].min(axis=0).toarray().ravel().tolist() == [-50.0, -300.0]
    body = formulation.model.arc_capacity[0, 0].body
    assert "50.0*y[0]" in str(body).replace(" ", "")


def test_local_bounds_tighten_the_relaxation_and_keep_the_optimum() -> None:
    """LP relaxation, global big-M 400: y = x/400, so each conveyor's fixed cost is charged
    by 1/8 per t of its capacity used; local big-M 50 and 300 charge the whole of it."""
    p = two_by_two()
    local = _lp_bound(build_arrays(p).form)
    wide = _lp_bound(build_arrays(p, bounds=compute_bounds(p, local=False)).form)
    # the MILP optimum: both built, 350 t at 30 EUR, minus 1,000
    assert local == pytest.approx(350 * 30 - 1000)  # the local relaxation is exact here
    assert wide == pytest.approx(350 * 30 - 500 * 50 / 400 - 500 * 300 / 400)
    assert solve(p, options=EXACT).objective == pytest.approx(350 * 30 - 1000)


def test_a_lossy_flow_may_carry_its_loss_above_what_its_head_takes() -> None:
    """A pipe loses 10 %: to deliver the grinder's 90 t, 100 t must enter it (90 / 0.9)."""
    p = Problem(
        nodes=("plant", "grinder"),
        commodities=("heat",),
        supplies=(Supply("plant", "heat", 200.0, disposal_cost=1.0),),
        demands=(Demand("grinder", "heat", 90.0, value=5.0),),
        arcs=(Arc("plant", "grinder", "pipe", ("heat",), fixed_cost=10.0, loss={"heat": 0.1}),),
    )
    assert compute_bounds(p).flow.tolist() == [[pytest.approx(100.0)]]  # type: ignore[union-attr]


def test_a_transit_flow_is_bounded_by_what_the_hub_passes_on() -> None:
    """Plant (300 t) -> hub -> grinder (50 t): the hub passes on at most 50 t, so the plant's
    link into the hub carries at most 50 t too."""
    p = Problem(
        nodes=("plant", "hub", "grinder"),
        commodities=("slag",),
        supplies=(Supply("plant", "slag", 300.0, disposal_cost=10.0),),
        demands=(Demand("grinder", "slag", 50.0, value=20.0),),
        arcs=(
            Arc("plant", "hub", "belt", ("slag",), fixed_cost=100.0),
            Arc("hub", "grinder", "belt", ("slag",), fixed_cost=100.0),
        ),
    )
    assert compute_bounds(p).flow.tolist() == [[50.0], [50.0]]  # type: ignore[union-attr]


def _lp_bound(form: MatrixForm) -> float:
    """The LP relaxation's optimum of ``form``."""
    relaxed = replace(form, integrality=np.zeros_like(form.integrality))
    highs = pass_to_highs(relaxed)
    highs.run()
    return float(highs.getInfo().objective_function_value)
