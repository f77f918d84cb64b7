"""The array backend (models.direct) builds the same MILP as the Pyomo formulation.

Three kinds of evidence: it reproduces the published optima of the benchmark sets; on small
hand-made problems that use every feature (converters, losses, time slices, existing arcs,
per-commodity capacities, all three objectives) it finds the same optimum as
``models.solve.solve``; and its LP relaxation equals the Pyomo model's, family by family, which
a MILP with a different big-M or a missing row would not manage.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from pathlib import Path

import highspy
import numpy as np
import pytest

from models.direct import FAMILIES, build_arrays
from models.formats import read_canad, read_fcnetlib
from models.formulation import Formulation
from models.problem import Arc, Converter, Demand, Problem, Storage, Supply, TimeSlice
from models.result import Objective, Status
from models.session import pass_to_highs
from models.solve import PyomoBackend, SolveOptions, solve

solve_direct = partial(solve, backend="arrays")
"""The array backend through the one pipeline, :func:`models.solve.solve`."""

INSTANCES = Path(__file__).resolve().parents[2] / "benchmarks" / "instances"
EXACT = SolveOptions(gap=0.0, time_limit=60)


# -- published optima -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "optimum"),
    [
        ("fcnetlib/k10x90", 568),
        ("fcnetlib/g40x132", 26629),
        ("fcnetlib/l61x114", 60085),
        ("fcnetlib/sp50x100", 50968),
        ("fcnetlib/k15x210", 16128),
        ("canad/c33.dow", 423848),
        ("canad/c41.dow", 429398),
    ],
)
def test_direct_backend_reproduces_published_optimum(name: str, optimum: float) -> None:
    path = INSTANCES / name
    problem = read_canad(path) if path.suffix == ".dow" else read_fcnetlib(path)
    r = solve_direct(problem, Objective.COST, EXACT)
    assert r.status is Status.OPTIMAL
    assert r.objective is not None
    assert abs(r.objective - optimum) / optimum < 1e-6
    assert r.gap is not None and r.gap < 1e-9
    assert r.recomputed_objective() == pytest.approx(optimum, rel=1e-6)
    assert set(r.timings) == {"build", "handover", "solve", "results"}


# -- small hand-made problems -----------------------------------------------------------


def plant() -> Problem:
    """Slag and waste heat of a steel plant, a buildable mill, a cement plant, two seasons.

    Uses a buildable converter with two inputs, an existing converter with unlimited
    capacity, a candidate arc carrying two commodities with a per-commodity capacity and a
    loss, an existing capacitated arc, an existing uncapacitated lossy arc, per-slice
    quantities, a minimum delivery, a carbon price, and a site that both has and wants heat
    (its own heat may feed its boiler, never its own heat demand).
    """
    return Problem(
        nodes=("steel", "hub", "mill", "cement"),
        commodities=("slag", "ground_slag", "heat", "steam"),
        slices=(TimeSlice("winter", 0.6), TimeSlice("summer", 0.4)),
        supplies=(
            Supply("steel", "slag", 100.0, disposal_cost=20.0, disposal_co2=0.05),
            Supply("steel", "heat", (50.0, 10.0), disposal_co2=0.2),
            Supply("cement", "heat", (8.0, 4.0), disposal_co2=0.1),
        ),
        demands=(
            Demand("cement", "ground_slag", 90.0, value=60.0, co2=0.8, minimum=(5.0, 0.0)),
            Demand("cement", "heat", 40.0, value=25.0, co2=0.25),
            Demand("cement", "steam", (12.0, 2.0), value=30.0, co2=0.3),
            Demand("mill", "heat", (6.0, 6.0), value=5.0),
        ),
        arcs=(
            Arc(
                "steel",
                "mill",
                "truck",
                ("slag", "heat"),
                capacity=150.0,
                fixed_cost=400.0,
                variable_cost={"slag": 2.0, "heat": 1.0},
                loss={"heat": 0.05},
                commodity_capacity={"heat": 20.0},
                co2={"slag": 0.01},
            ),
            Arc(
                "steel",
                "hub",
                "pipe",
                ("slag",),
                capacity=60.0,
                variable_cost={"slag": 1.0},
                existing=True,
            ),
            Arc("hub", "mill", "belt", ("slag",), fixed_cost=100.0, variable_cost={"slag": 0.5}),
            Arc(
                "mill",
                "cement",
                "rail",
                ("ground_slag",),
                capacity=100.0,
                fixed_cost=250.0,
                variable_cost={"ground_slag": 3.0},
                co2={"ground_slag": 0.02},
            ),
            Arc("steel", "cement", "heat_main", ("heat",), loss={"heat": 0.1}, existing=True),
        ),
        converters=(
            Converter(
                "grinder",
                "mill",
                inputs={"slag": 1.05, "heat": 0.1},
                outputs={"ground_slag": 1.0},
                capacity=80.0,
                variable_cost=5.0,
                fixed_cost=300.0,
                co2=0.01,
                existing=False,
            ),
            # Makes steam and gives back part of the heat: one commodity in and out nets.
            Converter(
                "boiler",
                "cement",
                inputs={"heat": 1.0},
                outputs={"steam": 0.8, "heat": 0.1},
                variable_cost=1.0,
                co2=0.05,
            ),
        ),
        carbon_price=80.0,
        name="plant",
    )


def obligations() -> Problem:
    """``plant`` with 80 t of slag to be dispatched and the mill's heat to be served.

    The grinder takes at most 80 * 1.05 = 84 t of slag a year, so all 80 t fit.
    """
    p = plant()
    supplies = (replace(p.supplies[0], quantity=80.0, must_dispatch=True), p.supplies[1])
    demands = (*p.demands[:3], replace(p.demands[3], quantity=(6.0, 3.0), must_serve=True))
    return replace(p, supplies=supplies, demands=demands, name="obligations")


def single_slice() -> Problem:
    """Two sources, a hub and parallel candidate arcs, one annual slice."""
    return Problem(
        nodes=("a", "b", "h", "c"),
        commodities=("co2", "water"),
        supplies=(
            Supply("a", "co2", 30.0, disposal_cost=-2.0, disposal_co2=1.0, must_dispatch=True),
            Supply("b", "water", 50.0, disposal_cost=3.0),
        ),
        demands=(
            Demand("c", "co2", 40.0, value=10.0, co2=0.1),
            Demand("c", "water", 45.0, value=4.0, minimum=10.0),
        ),
        arcs=(
            Arc("a", "h", "pipe", ("co2",), fixed_cost=120.0, variable_cost={"co2": 1.0}),
            Arc("a", "h", "truck", ("co2",), capacity=20.0, fixed_cost=40.0,
                variable_cost={"co2": 4.0}, co2={"co2": 0.05}),
            Arc("b", "h", "pipe", ("water",), fixed_cost=60.0, variable_cost={"water": 0.5}),
            Arc("h", "c", "pipe", ("co2", "water"), capacity=70.0, fixed_cost=200.0,
                variable_cost={"co2": 0.2, "water": 0.1}, commodity_capacity={"water": 35.0}),
        ),
        carbon_price=30.0,
    )  # fmt: skip


def planned() -> Problem:
    """``plant`` under every planner limit: the belt required, a heat lorry forbidden, a
    budget, at most three new links, a CO2 target, a sized rail link and a slag heap (all
    planner families)."""
    p = plant()
    investment = {"truck": 2500.0, "belt": 1000.0, "rail": 2500.0, "lorry": 500.0}
    lorry = Arc("steel", "cement", "lorry", ("heat",), capacity=30.0, fixed_cost=50.0)
    arcs = tuple(
        replace(
            a,
            investment=investment.get(a.mode, 0.0),
            required=a.mode == "belt",
            forbidden=a.mode == "lorry",
            # the rail link is sized: 2 EUR/yr and 20 EUR invested per t/yr of capacity
            sized=a.mode == "rail",
            capacity_cost=2.0 if a.mode == "rail" else 0.0,
            capacity_investment=20.0 if a.mode == "rail" else 0.0,
        )
        for a in (*p.arcs, lorry)
    )
    converters = (replace(p.converters[0], investment=3000.0), *p.converters[1:])
    return replace(
        p,
        arcs=arcs,
        converters=converters,
        investment_budget=11000.0,
        max_new_links=3,
        co2_min=80.0,
        # a slag heap at the mill, carrying slag from one season to the next
        storages=(Storage("heap", "mill", "slag", capacity=20.0, loss=0.02, cost=0.5),),
        name="planned",
    )


SMALL = {
    "plant": plant,
    "obligations": obligations,
    "single_slice": single_slice,
    "planned": planned,
}


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("make", list(SMALL))
def test_direct_backend_matches_pyomo_on_small_problems(make: str, objective: Objective) -> None:
    problem = SMALL[make]()
    pyomo = solve(problem, objective, EXACT)
    direct = solve_direct(problem, objective, EXACT)
    assert direct.status is pyomo.status is Status.OPTIMAL
    assert direct.objective == pytest.approx(pyomo.objective, rel=1e-7, abs=1e-7)
    assert direct.bound == pytest.approx(pyomo.bound, rel=1e-7, abs=1e-7)
    # Alternative optima may split the parts differently; the objective may not differ.
    assert direct.recomputed_objective() == pytest.approx(direct.objective, rel=1e-7, abs=1e-7)
    assert set(direct.timings) == set(pyomo.timings) == {"build", "handover", "solve", "results"}


def test_small_problems_do_use_every_feature() -> None:
    """Guard of the test above: its problems build every family and exercise each feature."""
    r = solve_direct(plant(), Objective.VALORISATION, EXACT)
    assert r.objective is not None and r.objective > 0
    assert set(r.converters.loc[r.converters["activity"] > 0, "converter"]) == {
        "grinder",
        "boiler",
    }
    assert (r.flows["delivered"] < r.flows["quantity"] - 1e-9).any()  # a loss applied
    families = set(build_arrays(plant()).rows) | set(build_arrays(obligations()).rows)
    families |= set(build_arrays(planned()).rows)
    assert families | set(build_arrays(single_slice()).rows) == set(FAMILIES)


def _relaxed(highs: highspy.Highs) -> float:
    """The LP relaxation's optimum of the model held by ``highs``."""
    n = highs.getNumCol()
    highs.setOptionValue("output_flag", False)
    highs.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kContinuous)
    )
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(highs.getInfo().objective_function_value)


def _pyomo_highs(formulation: Formulation) -> highspy.Highs:
    """The Pyomo model, handed to HiGHS as ``models.solve`` does."""
    return pass_to_highs(PyomoBackend().form(formulation))


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("make", list(SMALL))
def test_lp_relaxation_and_size_equal_pyomo(make: str, objective: Objective) -> None:
    problem = SMALL[make]()
    pyomo = _pyomo_highs(Formulation(problem, objective))
    model = build_arrays(problem, objective)
    direct = pass_to_highs(model.form)
    assert (direct.getNumCol(), direct.getNumRow()) == (pyomo.getNumCol(), pyomo.getNumRow())
    assert direct.getLp().sense_ == pyomo.getLp().sense_
    assert _relaxed(direct) == pytest.approx(_relaxed(pyomo), rel=1e-9, abs=1e-9)


def test_lp_relaxation_and_size_equal_pyomo_on_canad() -> None:
    """c33: 9,198 columns and 9,978 rows, with the strong linking cuts."""
    problem = read_canad(INSTANCES / "canad" / "c33.dow")
    pyomo = _pyomo_highs(Formulation(problem, Objective.COST))
    model = build_arrays(problem, Objective.COST)
    direct = pass_to_highs(model.form)
    assert (model.num_col, model.num_row) == (pyomo.getNumCol(), pyomo.getNumRow())
    assert model.num_nz == pyomo.getNumNz()
    assert _relaxed(direct) == pytest.approx(_relaxed(pyomo), rel=1e-9)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_matches_pyomo_when_left_out(family: str) -> None:
    """Leaving one family out changes both backends alike (MILP and LP relaxation)."""
    problem = obligations() if family in ("must_dispatch", "must_serve") else planned()
    families = tuple(f for f in FAMILIES if f != family)
    model = build_arrays(problem, families=families)
    assert family not in model.rows
    formulation = Formulation(problem, Objective.VALORISATION, families=families)
    for relax in (False, True):
        direct, pyomo = pass_to_highs(model.form), _pyomo_highs(formulation)
        if relax:
            assert _relaxed(direct) == pytest.approx(_relaxed(pyomo), rel=1e-9, abs=1e-9)
            continue
        for h in (direct, pyomo):
            h.setOptionValue("output_flag", False)
            h.setOptionValue("mip_rel_gap", 0.0)
            h.run()
        assert direct.getModelStatus() == pyomo.getModelStatus()
        assert direct.getInfo().objective_function_value == pytest.approx(
            pyomo.getInfo().objective_function_value, rel=1e-7, abs=1e-7
        )


def test_infeasible_problem_names_the_same_shortfalls() -> None:
    """100 t of slag must leave the plant, but the grinder, its only taker, takes 84 t."""
    p = obligations()
    supplies = (replace(p.supplies[0], quantity=100.0), p.supplies[1])
    problem = replace(p, supplies=supplies, name="short")
    pyomo = solve(problem, Objective.VALORISATION, EXACT)
    direct = solve_direct(problem, Objective.VALORISATION, EXACT)
    assert direct.status is pyomo.status is Status.INFEASIBLE
    assert direct.shortfalls and len(direct.shortfalls) == len(pyomo.shortfalls)
    for mine, theirs in zip(direct.shortfalls, pyomo.shortfalls, strict=True):
        assert (mine.kind, mine.node, mine.commodity, mine.slice) == (
            theirs.kind,
            theirs.node,
            theirs.commodity,
            theirs.slice,
        )
        assert mine.shortfall == pytest.approx(theirs.shortfall, rel=1e-6)
    assert direct.message == pyomo.message


def test_column_maps_name_the_variables() -> None:
    problem = plant()
    model = build_arrays(problem)
    T = len(problem.slices)
    assert model.columns["x"].stop - model.columns["x"].start == model.x_arc.size * T
    assert [problem.arcs[a].mode for a in model.y_arc] == ["truck", "belt", "rail"]
    assert [problem.converters[c].name for c in model.w_converter] == ["grinder"]
    assert model.form.integrality[model.columns["y"]].tolist() == [1, 1, 1]
    assert ("cement", "steam") in model.pairs
    assert not math.isfinite(model.form.col_upper[model.columns["z"]].max())


def test_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="arc_capcity"):
        build_arrays(plant(), families=("arc_capcity",))
