"""The planner's families, hand-checked in both backends.

``build_decisions`` (required / forbidden builds), ``investment_budget``, ``new_link_limit``
and ``co2_minimum``: each has a small problem whose optimum is worked out in the docstring,
each is shown to be needed (leaving it out changes the answer), and each is built alike by
the Pyomo formulation and the array backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import highspy
import numpy as np
import pytest

from models.direct import build_arrays
from models.formulation import Formulation
from models.problem import (
    Arc,
    Converter,
    Demand,
    Problem,
    ProblemError,
    Storage,
    Supply,
    TimeSlice,
)
from models.result import Objective, Result, Status
from models.session import pass_to_highs
from models.solve import PyomoBackend, SolveOptions, solve

solve_direct = partial(solve, backend="arrays")
"""The array backend through the one pipeline, :func:`models.solve.solve`."""

EXACT = SolveOptions(gap=0.0, time_limit=30)
BACKENDS: dict[str, Callable[..., Result]] = {"pyomo": solve, "direct": solve_direct}
PLANNER = ("build_decisions", "investment_budget", "new_link_limit", "co2_minimum", "link_sizing")


def three_sinks(**changes: object) -> Problem:
    """300 t of slag at S; three candidate links to three takers of 100 t each.

    ====  =========  =====  ==========  ==========  =========
    link  value      fixed  net EUR/yr  investment  t CO2/yr
    ====  =========  =====  ==========  ==========  =========
    S→A   30 EUR/t   500    2500        6000        10
    S→B   20 EUR/t   400    1600        3000        50
    S→C   10 EUR/t   300    700         2000        20
    ====  =========  =====  ==========  ==========  =========

    S→C goes by rail, the others by truck.  With no limit all three are built: 4800 EUR/yr,
    80 t CO2/yr, 11000 EUR invested.  S→D leads to a node that wants nothing.
    """
    problem = Problem(
        nodes=("S", "A", "B", "C", "D"),
        commodities=("slag",),
        supplies=(Supply("S", "slag", 300.0),),
        demands=(
            Demand("A", "slag", 100.0, value=30.0, co2=0.1),
            Demand("B", "slag", 100.0, value=20.0, co2=0.5),
            Demand("C", "slag", 100.0, value=10.0, co2=0.2),
        ),
        arcs=(
            Arc("S", "A", "truck", ("slag",), fixed_cost=500.0, investment=6000.0),
            Arc("S", "B", "truck", ("slag",), fixed_cost=400.0, investment=3000.0),
            Arc("S", "C", "rail", ("slag",), fixed_cost=300.0, investment=2000.0),
            Arc("S", "D", "truck", ("slag",), capacity=50.0, fixed_cost=50.0, investment=100.0),
        ),
        name="three_sinks",
    )
    return replace(problem, **changes)


def decide(problem: Problem, head: str, **flags: bool) -> Problem:
    """``problem`` with the arc into ``head`` required or forbidden."""
    arcs = tuple(replace(a, **flags) if a.head == head else a for a in problem.arcs)
    return replace(problem, arcs=arcs)


def built(result: Result) -> set[str]:
    """The heads of the built arcs."""
    return set(result.built_arcs["head"]) if len(result.built_arcs) else set()


def without(problem: Problem, family: str, backend: str) -> float:
    """The optimum with ``family`` left out, in either backend."""
    families = tuple(f for f in Formulation.FAMILIES if f != family)
    if backend == "pyomo":
        form = PyomoBackend().form(Formulation(problem, families=families))
    else:
        form = build_arrays(problem, families=families).form
    highs = pass_to_highs(form)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(highs.getInfo().objective_function_value)


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(problem: Problem, backend: str, objective: Objective = Objective.VALORISATION) -> Result:
    return BACKENDS[backend](problem, objective, EXACT)


def test_with_no_limit_every_link_worth_it_is_built(backend: str) -> None:
    r = run(three_sinks(), backend)
    assert r.objective == pytest.approx(4800.0)
    assert r.totals["co2_avoided"] == pytest.approx(80.0)
    assert built(r) == {"A", "B", "C"}


# -- investment_budget -------------------------------------------------------------------


def test_budget_keeps_the_best_links_it_can_pay_for(backend: str) -> None:
    """Budget 8000: A+C (8000 EUR) gives 3200; B+C (5000) 2300; A alone 2500; A+B costs 9000."""
    p = three_sinks(investment_budget=8000.0)
    r = run(p, backend)
    assert r.objective == pytest.approx(3200.0)
    assert built(r) == {"A", "C"}
    assert without(p, "investment_budget", backend) == pytest.approx(4800.0)


def test_zero_budget_builds_nothing(backend: str) -> None:
    r = run(three_sinks(investment_budget=0.0), backend)
    assert r.objective == pytest.approx(0.0)
    assert built(r) == set()


def test_budget_counts_converters() -> None:
    """The grinder (investment 50000, worth 9523.81 - 9000 EUR/yr) is not built on 40000."""
    p = grinding(investment_budget=40000.0)
    for solver in BACKENDS.values():
        assert solver(p, Objective.VALORISATION, EXACT).objective == pytest.approx(0.0)
        assert solver(
            replace(p, investment_budget=50000.0), Objective.VALORISATION, EXACT
        ).objective == pytest.approx(200 / 1.05 * 50 - 9000)


# -- new_link_limit ----------------------------------------------------------------------


def test_at_most_one_new_link_keeps_the_best(backend: str) -> None:
    p = three_sinks(max_new_links=1)
    r = run(p, backend)
    assert r.objective == pytest.approx(2500.0)
    assert built(r) == {"A"}
    assert without(p, "new_link_limit", backend) == pytest.approx(4800.0)


def test_cap_per_mode_leaves_other_modes_free(backend: str) -> None:
    """One truck link at most: A by truck (2500) and C by rail (700): 3200."""
    p = three_sinks(max_new_links_per_mode={"truck": 1})
    r = run(p, backend)
    assert r.objective == pytest.approx(3200.0)
    assert built(r) == {"A", "C"}


def test_cap_per_commodity_counts_the_links_carrying_it(backend: str) -> None:
    """One new link carrying slag (all three do): A, 2500.  Two: A and B, 4100."""
    assert run(three_sinks(max_new_links_per_commodity={"slag": 1}), backend).objective == (
        pytest.approx(2500.0)
    )
    p = three_sinks(max_new_links_per_commodity={"slag": 2})
    assert run(p, backend).objective == pytest.approx(4100.0)
    assert [label for label, _, _ in p.new_link_groups()] == ["commodity slag"]


def test_existing_links_do_not_count_against_the_cap(backend: str) -> None:
    """S→A exists (no fixed cost: 3000); one new link: B (1600).  4600."""
    p = three_sinks(max_new_links=1)
    arcs = (replace(p.arcs[0], existing=True, fixed_cost=0.0, investment=0.0), *p.arcs[1:])
    r = run(replace(p, arcs=arcs), backend)
    assert r.objective == pytest.approx(4600.0)


def test_a_cap_that_binds_nothing_builds_no_row() -> None:
    assert three_sinks(max_new_links=4).new_link_groups() == []
    assert "new_link_limit" not in build_arrays(three_sinks(max_new_links=4)).rows


# -- co2_minimum -------------------------------------------------------------------------


def test_co2_target_chooses_the_cleaner_link(backend: str) -> None:
    """One link and at least 40 t CO2: only B (50 t) qualifies: 1600 instead of A's 2500."""
    p = three_sinks(max_new_links=1, co2_min=40.0)
    r = run(p, backend)
    assert r.objective == pytest.approx(1600.0)
    assert r.totals["co2_avoided"] >= 40.0 - 1e-9
    assert without(p, "co2_minimum", backend) == pytest.approx(2500.0)


def test_co2_target_above_the_maximum_is_named(backend: str) -> None:
    """At most 80 t CO2 can be avoided: a 90 t target is 10 t short."""
    r = run(three_sinks(co2_min=90.0), backend)
    assert r.status is Status.INFEASIBLE
    (short,) = r.shortfalls
    assert short.kind == "co2_minimum"
    assert short.shortfall == pytest.approx(10.0)
    assert "CO2 target" in r.message


# -- build_decisions ---------------------------------------------------------------------


def test_required_link_is_built(backend: str) -> None:
    """One link allowed and C required: C only, 700."""
    p = decide(three_sinks(max_new_links=1), "C", required=True)
    r = run(p, backend)
    assert r.objective == pytest.approx(700.0)
    assert built(r) == {"C"}
    assert without(p, "build_decisions", backend) == pytest.approx(2500.0)


def test_forbidden_link_is_never_built(backend: str) -> None:
    """A forbidden: B + C, 2300."""
    p = decide(three_sinks(), "A", forbidden=True)
    r = run(p, backend)
    assert r.objective == pytest.approx(2300.0)
    assert built(r) == {"B", "C"}
    assert without(p, "build_decisions", backend) == pytest.approx(4800.0)


def test_required_link_with_no_use_is_reported(backend: str) -> None:
    """S→D is built (50 EUR/yr) though D wants nothing: 4750, and a note says so."""
    r = run(decide(three_sinks(), "D", required=True), backend)
    assert r.objective == pytest.approx(4750.0)
    assert "D" in built(r)
    assert r.notes == ["required link S->D (truck) carries nothing: no feasible use"]
    assert r.summary()["notes"] == r.notes


def grinding(**changes: object) -> Problem:
    """1.05 t slag -> 1 t ground slag; 200 t slag; 60 EUR/t product, 10 EUR/t to grind.

    A new grinder with fixed 9000 EUR/yr and 50000 EUR invested:
    200/1.05 * 50 - 9000 = 523.81 EUR/yr.
    """
    problem = Problem(
        nodes=("steel", "G", "C"),
        commodities=("slag", "ggbs"),
        supplies=(Supply("steel", "slag", 200),),
        demands=(Demand("C", "ggbs", 1000, value=60.0),),
        arcs=(
            Arc("steel", "G", "truck", ("slag",), existing=True),
            Arc("G", "C", "truck", ("ggbs",), existing=True),
        ),
        converters=(
            Converter(
                "grinder",
                "G",
                {"slag": 1.05},
                {"ggbs": 1.0},
                capacity=1000.0,
                variable_cost=10.0,
                fixed_cost=9000.0,
                investment=50000.0,
                existing=False,
            ),
        ),
    )
    return replace(problem, **changes)


def with_grinder(**flags: object) -> Problem:
    p = grinding()
    return replace(p, converters=(replace(p.converters[0], **flags),))


def test_required_and_forbidden_converters(backend: str) -> None:
    """Fixed 10000: not worth it (0) unless required (-476.19); fixed 9000 but forbidden: 0."""
    required = with_grinder(fixed_cost=10000.0, required=True)
    assert run(required, backend).objective == pytest.approx(200 / 1.05 * 50 - 10000)
    assert without(required, "build_decisions", backend) == pytest.approx(0.0)
    forbidden = with_grinder(forbidden=True)
    r = run(forbidden, backend)
    assert r.objective == pytest.approx(0.0) and r.converters.empty
    assert without(forbidden, "build_decisions", backend) == pytest.approx(200 / 1.05 * 50 - 9000)


def test_required_converter_left_idle_is_reported() -> None:
    p = with_grinder(required=True)
    p = replace(p, supplies=(Supply("steel", "slag", 0.0),))
    r = solve(p, options=EXACT)
    assert r.notes == ["required converter grinder at G runs idle: no feasible use"]


# -- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"investment_budget": -1.0}, "investment_budget: must be non-negative"),
        ({"max_new_links": -2}, "max_new_links: must be a whole number of links"),
        ({"max_new_links_per_mode": {"truck": 1.5}}, r"max_new_links_per_mode\[truck\]"),
        ({"co2_min": float("nan")}, "co2_min: must be a finite number"),
    ],
)
def test_malformed_planner_limits_are_named(changes: dict, message: str) -> None:
    with pytest.raises(ProblemError, match=message):
        three_sinks(**changes)


def test_a_link_cannot_be_both_required_and_forbidden() -> None:
    with pytest.raises(ProblemError, match=r"arcs\[S->A:truck\]: cannot be both"):
        decide(three_sinks(), "A", required=True, forbidden=True)
    p = three_sinks()
    arcs = (replace(p.arcs[0], existing=True, forbidden=True), *p.arcs[1:])
    with pytest.raises(ProblemError, match=r"arcs\[S->A:truck\].forbidden: only something"):
        replace(p, arcs=arcs)


def test_planner_problem_uses_every_planner_family() -> None:
    """Guard: the problem the backend-equivalence tests use builds all four families."""
    assert set(PLANNER) <= set(build_arrays(planned()).rows)
    assert set(PLANNER) <= set(Formulation.FAMILIES)


def planned() -> Problem:
    """``three_sinks`` with every planner limit at once: budget 9000, two links, 30 t CO2,
    C required, D forbidden.  Best: C is in; with one more link of 7000 at most: A (2500,
    10 t: 30 t in all) or B (1600, 70 t).  A+C: 3200 EUR/yr, 30 t.
    """
    p = three_sinks(investment_budget=9000.0, max_new_links=2, co2_min=30.0)
    p = decide(decide(p, "C", required=True), "D", forbidden=True)
    # S→B sized at 0.5 EUR/yr per t/yr: 50 EUR/yr more if built (never here).
    arcs = tuple(replace(a, sized=True, capacity_cost=0.5) if a.head == "B" else a for a in p.arcs)
    return replace(p, arcs=arcs)


def test_every_limit_at_once(backend: str) -> None:
    r = run(planned(), backend)
    assert r.objective == pytest.approx(3200.0)
    assert built(r) == {"A", "C"}


@pytest.mark.parametrize("family", PLANNER)
def test_each_planner_family_matches_pyomo_when_left_out(family: str) -> None:
    assert without(planned(), family, "direct") == pytest.approx(
        without(planned(), family, "pyomo"), rel=1e-9, abs=1e-9
    )


def test_planner_limits_survive_the_problem_json() -> None:
    from models.serialise import problem_from_dict, problem_to_dict

    assert problem_from_dict(problem_to_dict(planned())) == planned()


# -- link_sizing -------------------------------------------------------------------------


def heat_pipe(capacity_cost: float, **changes: object) -> Problem:
    """100 MWh/yr of waste heat (50 per season); the network wants 60 in winter, 20 in summer
    at 50 EUR/MWh.  The pipe is sized: fixed 100 EUR/yr plus ``capacity_cost`` EUR/yr per
    MWh/yr of capacity, and carries at most capacity × share (0.5) in each season.
    """
    problem = Problem(
        nodes=("H", "X"),
        commodities=("heat",),
        slices=(TimeSlice("winter", 0.5), TimeSlice("summer", 0.5)),
        supplies=(Supply("H", "heat", 100.0),),
        demands=(Demand("X", "heat", (60.0, 20.0), value=50.0),),
        arcs=(
            Arc("H", "X", "heat_pipe", ("heat",), capacity=1000.0, fixed_cost=100.0,
                sized=True, capacity_cost=capacity_cost, capacity_investment=50.0),
        ),
    )  # fmt: skip
    return replace(problem, **changes)


def test_sized_pipe_chooses_the_smallest_capacity_that_carries_its_flow(backend: str) -> None:
    """At 10 EUR/yr per MWh/yr, every MWh is worth carrying: winter 50 (all there is) needs
    50 / 0.5 = 100 MWh/yr of capacity.  70 x 50 - 100 - 10 x 100 = 2400."""
    r = run(heat_pipe(10.0), backend)
    assert r.objective == pytest.approx(2400.0)
    (row,) = r.built_arcs.to_dict(orient="records")
    assert row["capacity"] == pytest.approx(100.0)
    assert row["fixed_cost"] == pytest.approx(1100.0)
    assert r.recomputed_objective() == pytest.approx(2400.0)
    assert without(heat_pipe(10.0), "link_sizing", backend) == pytest.approx(3400.0)


def test_dear_capacity_is_sized_for_the_season_that_pays(backend: str) -> None:
    """At 30 EUR/yr per MWh/yr, one more MWh in winter needs 2 MWh/yr of capacity (60 EUR)
    for 50 EUR of heat: the pipe is sized for summer's 20 (40 MWh/yr), which also carries 20
    in winter.  40 x 50 - 100 - 30 x 40 = 700."""
    r = run(heat_pipe(30.0), backend)
    assert r.objective == pytest.approx(700.0)
    assert r.built_arcs["capacity"].iloc[0] == pytest.approx(40.0)


def test_capacity_investment_counts_against_the_budget(backend: str) -> None:
    """3000 EUR at 50 EUR per MWh/yr buys 60 MWh/yr: summer 20, winter 30.
    50 x 50 - 100 - 10 x 60 = 1800."""
    r = run(heat_pipe(10.0, investment_budget=3000.0), backend)
    assert r.objective == pytest.approx(1800.0)
    assert r.built_arcs["capacity"].iloc[0] == pytest.approx(60.0)


def test_an_existing_link_cannot_be_sized() -> None:
    p = heat_pipe(10.0)
    with pytest.raises(ProblemError, match=r"heat_pipe\]\.sized: only a new link"):
        replace(p, arcs=(replace(p.arcs[0], existing=True, fixed_cost=0.0),))


# -- seasonal_storage --------------------------------------------------------------------


def heat_store(cost: float, capacity: float = 200.0) -> Problem:
    """Waste heat comes in summer only (100 MWh), the network wants 80 MWh in winter at
    50 EUR/MWh; a store at the source keeps heat from summer to winter, losing 10 %, at
    ``cost`` EUR per MWh held at the end of a season.

    Storing pays when 0.9 x 50 = 45 EUR per MWh stored beats ``cost``: 80 / 0.9 = 88.89 MWh
    stored gives 80 x 50 - 88.89 ``cost``.
    """
    return Problem(
        nodes=("H", "X"),
        commodities=("heat",),
        slices=(TimeSlice("winter", 0.5), TimeSlice("summer", 0.5)),
        supplies=(Supply("H", "heat", (0.0, 100.0)),),
        demands=(Demand("X", "heat", (80.0, 0.0), value=50.0),),
        arcs=(Arc("H", "X", "pipe", ("heat",), existing=True),),
        storages=(Storage("pit", "H", "heat", capacity=capacity, loss=0.1, cost=cost),),
    )


def test_store_moves_summer_heat_to_winter_when_it_pays(backend: str) -> None:
    r = run(heat_store(10.0), backend)
    assert r.objective == pytest.approx(4000.0 - 10.0 * 80.0 / 0.9)
    stocks = r.stocks.set_index("slice")
    assert stocks.loc["summer", "stock"] == pytest.approx(80.0 / 0.9)
    assert "winter" not in stocks.index  # nothing is held through the winter
    assert r.recomputed_objective() == pytest.approx(r.objective)
    assert without(heat_store(10.0), "seasonal_storage", backend) == pytest.approx(0.0)


def co2_store_sink() -> Problem:
    """An emitter with 100 t of CO2 a season (disposal 10 EUR/t, 1 t CO2/t) and a store at its
    own site that loses half its stock from one season to the next, and no taker at all.

    Were what a store loses not charged, storing would "use" the supply: filling the store
    (100 t held, 50 t lost and 50 t topped up each season) would credit 50 t of avoided
    disposal and CO2 a season, 2 x 50 x (10 + 75) = 8500 EUR, for nothing.  Lost units are
    disposed of: the optimum stores nothing and avoids nothing.
    """
    return Problem(
        nodes=("E",),
        commodities=("co2",),
        slices=(TimeSlice("winter", 0.5), TimeSlice("summer", 0.5)),
        supplies=(Supply("E", "co2", (100.0, 100.0), disposal_cost=10.0, disposal_co2=1.0),),
        storages=(Storage("tank", "E", "co2", capacity=100.0, loss=0.5, cost=0.0),),
        carbon_price=75.0,
    )


def test_what_a_store_loses_is_disposed_of_not_avoided(backend: str) -> None:
    for objective in (Objective.VALORISATION, Objective.CO2):
        r = run(co2_store_sink(), backend, objective)
        assert r.objective == pytest.approx(0.0, abs=1e-6)
        assert r.totals["co2_avoided"] == pytest.approx(0.0, abs=1e-6)
        assert r.recomputed_objective() == pytest.approx(r.objective, abs=1e-6)


def test_store_that_does_not_pay_stays_empty(backend: str) -> None:
    """At 50 EUR/MWh held, a stored MWh brings 45: nothing is stored."""
    r = run(heat_store(50.0), backend)
    assert r.objective == pytest.approx(0.0)
    assert r.stocks.empty


def test_store_capacity_limits_what_is_carried(backend: str) -> None:
    """50 MWh held: 45 MWh in winter, 45 x 50 - 10 x 50 = 1750."""
    p = heat_store(10.0, capacity=50.0)
    assert run(p, backend).objective == pytest.approx(1750.0)
    unlimited = 4000.0 - 10.0 * 80.0 / 0.9
    assert solve_flipped_storage(p, backend) != pytest.approx(1750.0)
    assert run(heat_store(10.0), backend).objective == pytest.approx(unlimited)


def solve_flipped_storage(problem: Problem, backend: str) -> float:
    """The optimum with the storage capacity rows reversed (stock >= capacity)."""
    model = build_arrays(problem)
    rows = model.rows["seasonal_storage"]
    form = model.form
    form.row_lower[rows], form.row_upper[rows] = form.row_upper[rows].copy(), np.inf
    highs = pass_to_highs(form)
    highs.run()
    return float(highs.getInfo().objective_function_value)


def test_malformed_storage_is_named() -> None:
    with pytest.raises(ProblemError, match=r"storages\[pit\].loss: must be below 1"):
        replace(heat_store(1.0), storages=(Storage("pit", "H", "heat", 10.0, loss=1.0),))
    with pytest.raises(ProblemError, match=r"storages\[pit\]: unknown node 'Q'"):
        replace(heat_store(1.0), storages=(Storage("pit", "Q", "heat", 10.0),))


def test_storages_survive_the_problem_json() -> None:
    from models.serialise import problem_from_dict, problem_to_dict

    assert problem_from_dict(problem_to_dict(heat_store(10.0))) == heat_store(10.0)
    assert "storages" not in problem_to_dict(three_sinks())


def test_cli_limits_apply_to_a_problem_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``symbiose solve problem.json --budget 8000 --max-new-links 1``: A alone, 2500."""
    import json

    from cli.main import main
    from models.serialise import problem_to_dict

    path = tmp_path / "three_sinks.json"
    path.write_text(json.dumps(problem_to_dict(three_sinks())))
    assert main(["solve", str(path), "--quiet", "--budget", "8000", "--max-new-links", "1"]) == 0
    out = capsys.readouterr().out
    assert "2,500" in out or "2500" in out
    assert main(["solve", str(path), "--quiet", "--pin", "S:A"]) == 2
    assert "apply to inventories only" in capsys.readouterr().err
    assert main(["solve", str(path), "--quiet", "--co2-min", "90"]) == 3
    assert "CO2 target" in capsys.readouterr().out
