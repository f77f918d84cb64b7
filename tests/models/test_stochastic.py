"""Hand-checked two-stage pathways: shared builds, regrets, EVPI, VSS, no-regret links.

The case: S has 100 t/yr of slag; in scenario A the taker A wants 100 t at 10 EUR/t and B
nothing, in scenario B the reverse (probability 1/2 each).  Candidate links, charged a year:
a big one to A or to B (300), a small one to A or to B (capacity 50, 150), and one to a hub
H (500) from which existing roads reach A and B.  Everything is decided now (one period).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.mean_value import mean_problem
from models.pathway import Pathway, PathwayScenario, scenario_alone
from models.problem import Arc, Demand, Problem, Supply
from models.result import Status
from models.session import SolveOptions
from models.stochastic import mean_pathway, solve_stochastic

EXACT = SolveOptions(gap=0.0, time_limit=30)
HUB = "S->H (hub)"


def world(a: float, b: float, extra: tuple[Arc, ...] = ()) -> Problem:
    """The territory when A wants ``a`` t/yr and B ``b`` t/yr (module docstring)."""
    return Problem(
        nodes=("S", "H", "A", "B", "T", "U"),
        commodities=("slag",),
        supplies=(Supply("S", "slag", 100), Supply("T", "slag", 100)),
        demands=(
            Demand("A", "slag", a, value=10.0),
            Demand("B", "slag", b, value=10.0),
            Demand("U", "slag", 100, value=1.0),
        ),
        arcs=(
            Arc("S", "A", "big", ("slag",), fixed_cost=300.0),
            Arc("S", "B", "big", ("slag",), fixed_cost=300.0),
            Arc("S", "A", "small", ("slag",), capacity=50.0, fixed_cost=150.0),
            Arc("S", "B", "small", ("slag",), capacity=50.0, fixed_cost=150.0),
            Arc("S", "H", "hub", ("slag",), fixed_cost=500.0),
            Arc("H", "A", "road", ("slag",), existing=True),
            Arc("H", "B", "road", ("slag",), existing=True),
            *extra,
        ),
    )


def hedge(extra: tuple[Arc, ...] = ()) -> Pathway:
    """One period (2026), the two scenarios at 1/2."""
    return Pathway(
        "hedge",
        years=(2026,),
        end=2027,
        scenarios=(
            PathwayScenario("A", 0.5, (world(100, 0, extra),)),
            PathwayScenario("B", 0.5, (world(0, 100, extra),)),
        ),
    )


@pytest.mark.parametrize("backend", ["pyomo", "arrays"])
def test_the_stochastic_solution_differs_from_every_scenarios_own_optimum(backend: str) -> None:
    """By hand (EUR/yr):

    * own optimum of A: the big link to A, 1000 - 300 = 700 (the hub: 500; small: 350); of B
      the same to B: WS = 700.
    * both decided now: big to A: (700 - 300) / 2 = 200; big to A and B: 1000 - 600 = 400;
      small to A and B: 500 - 300 = 200; the hub: 1000 - 500 = 500 in both.  RP = 500, the
      hub, which neither scenario builds alone.  EVPI = 700 - 500 = 200, regret 200 each.
    * the mean-value problem (A and B want 50 t each): small to A and B 1000 - 300 = 700,
      better than the hub's 500.  Its builds in each scenario: 500 - 300 = 200 = EEV, so
      VSS = 500 - 200 = 300.
    """
    r = solve_stochastic(hedge(), options=EXACT, backend=backend)  # type: ignore[arg-type]
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(500.0)
    assert r.built_now() == [HUB]
    assert list(r.scenarios["value"]) == pytest.approx([500.0, 500.0])
    assert list(r.scenarios["own_optimum"]) == pytest.approx([700.0, 700.0])
    assert list(r.scenarios["regret"]) == pytest.approx([200.0, 200.0])
    m = r.measures
    assert m["expected_value"] == pytest.approx(500.0)
    assert m["wait_and_see"] == pytest.approx(700.0)
    assert m["evpi"] == pytest.approx(200.0)
    assert m["expected_value_solution"] == pytest.approx(200.0)
    assert m["vss"] == pytest.approx(300.0)
    assert r.hedge_only == [HUB]
    assert r.no_regret == []


def test_a_link_every_scenario_builds_is_a_no_regret_link() -> None:
    """T->U earns 100 - 50 in both scenarios: built now by RP and by each own optimum."""
    extra = (Arc("T", "U", "truck", ("slag",), fixed_cost=50.0),)
    r = solve_stochastic(hedge(extra), options=EXACT)
    assert r.objective == pytest.approx(550.0)
    assert r.no_regret == ["T->U (truck)"]
    assert r.hedge_only == [HUB]
    assert r.measures["evpi"] == pytest.approx(200.0)


def decisions(decision_year: int) -> Pathway:
    """2026 and 2027 (one year each), every link serving one year; the scenarios as above.

    Decision year 2026: 2026 builds the hub for both (500), 2027 knows its scenario and builds
    its big link (700): (500 + 700) / 2 = 600.  Decision year 2027: both years shared, the hub
    twice: 500.
    """
    one = hedge()
    lives = {a.key: 1.0 for a in world(0, 0).arcs}
    scenarios = tuple(
        replace(sc, problems=sc.problems * 2) for sc in one.scenarios
    )
    return Pathway(
        "decisions",
        years=(2026, 2027),
        end=2028,
        scenarios=scenarios,
        arc_lifetime=lives,
        decision_year=decision_year,
    )


@pytest.mark.parametrize("backend", ["pyomo", "arrays"])
def test_a_decision_year_shares_the_builds_up_to_it_and_no_later(backend: str) -> None:
    early = solve_stochastic(decisions(2026), options=EXACT, backend=backend)  # type: ignore[arg-type]
    assert early.objective == pytest.approx(600.0)
    shared = early.schedule[early.schedule["shared"]]
    assert list(shared["item"]) == [HUB] and list(shared["year"]) == [2026]
    later = early.schedule[~early.schedule["shared"]]
    assert sorted(zip(later["scenario"], later["item"], strict=True)) == [
        ("A", "S->A (big)"),
        ("B", "S->B (big)"),
    ]
    late = solve_stochastic(decisions(2027), options=EXACT, backend=backend)  # type: ignore[arg-type]
    assert late.objective == pytest.approx(500.0)
    assert late.schedule["shared"].all()


def test_a_scenario_alone_and_the_mean_value_pathway() -> None:
    pw = hedge()
    alone = scenario_alone(pw, 1)
    assert [s.name for s in alone.scenarios] == ["B"] and alone.scenarios[0].probability == 1.0
    mean = mean_pathway(pw)
    assert mean is not None
    (problem,) = mean.scenarios[0].problems
    assert [d.quantities for d in problem.demands] == [(50.0,), (50.0,), (100.0,)]


def test_the_mean_value_problem_averages_quantities_over_all_and_prices_where_present() -> None:
    """A demand present in one scenario of two (probability 1/4, 40 t at 8 EUR/t): 10 t at
    8 EUR/t; a carbon price of 100 (at 1/4) and 0: 25."""
    with_d = replace(world(100, 0), carbon_price=100.0)
    without_d = replace(
        world(100, 0), demands=world(100, 0).demands[:1], carbon_price=0.0
    )
    with_d = replace(
        with_d, demands=(*with_d.demands[:1], Demand("B", "slag", 40, value=8.0))
    )
    mean = mean_problem([with_d, without_d], [0.25, 0.75])
    assert mean is not None
    b = mean.demand_of("B", "slag")
    assert b is not None and b.quantities == (10.0,) and b.value == pytest.approx(8.0)
    assert mean.carbon_price == pytest.approx(25.0)


@pytest.mark.parametrize("make", [hedge, lambda: decisions(2026)], ids=["hedge", "decisions"])
def test_progressive_hedging_reaches_the_extensive_forms_optimum_with_a_valid_bound(
    make: object,
) -> None:
    """Both hand cases: 500 and 600 EUR/yr, the Lagrangian bound at or above them."""
    from models.hedging import solve_hedging

    pw = make()  # type: ignore[operator]
    extensive = solve_stochastic(pw, options=EXACT, method="extensive")
    hedged = solve_hedging(pw, options=EXACT)
    assert hedged.method == "progressive_hedging"
    assert hedged.objective == pytest.approx(extensive.objective)
    assert hedged.bound is not None and hedged.bound >= hedged.objective - 1e-6
    assert hedged.built_now() == extensive.built_now() == [HUB]
    through = solve_stochastic(pw, options=EXACT, method="hedging")
    assert through.method == "progressive_hedging" and through.measures["evpi"] is not None


def test_an_unknown_method_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="'auto', 'extensive', 'hedging'"):
        solve_stochastic(hedge(), options=EXACT, method="benders")  # type: ignore[arg-type]
