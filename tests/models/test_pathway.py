"""Hand-checked pathways: periods, lifetimes, discounting, budgets and caps per period.

Each expected value is worked out by hand in the test's docstring; values are equivalent
annual values (the net present value over the horizon's annuity ``W``), so with a discount
rate of 0 they are the horizon's total over its years.  ``without`` builds the pathway model
with one of its families left out and ``flipped`` with one family's sense reversed, to prove
each is needed.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pyomo.environ as pyo
import pytest

from models.backends.pyomo import standard_form
from models.pathway import Pathway, PathwayScenario, one_period
from models.pathway_arrays import build_pathway_arrays
from models.pathway_formulation import PATHWAY_FAMILIES, PathwayFormulation
from models.pathway_solve import solve_pathway
from models.problem import Arc, Demand, Problem, ProblemError, Supply
from models.result import Status
from models.session import HighsSession, MatrixForm, SolveOptions

EXACT = SolveOptions(gap=0.0, time_limit=30)


def optimum(form: MatrixForm) -> float:
    """The optimum of a matrix form (nan when none is found)."""
    outcome = HighsSession(form, EXACT).run()
    if outcome.values is None:
        return math.nan
    return float(form.col_cost @ outcome.values + form.offset)


def pyomo_form(f: PathwayFormulation) -> MatrixForm:
    """The Pyomo pathway model in matrix form, builds and block decisions integer."""
    integer = {id(v) for v in f.model.build.values()}
    for block in f.blocks:
        integer.update(id(v) for n in ("y", "w") for v in getattr(block.model, n).values())
    return standard_form(f.model, integer)[0]


def without(pathway: Pathway, family: str) -> float:
    """The optimum with ``family`` left out, by both backends (they must agree)."""
    families = tuple(f for f in PATHWAY_FAMILIES if f != family)
    pyomo = optimum(pyomo_form(PathwayFormulation(pathway, families=families)))
    arrays = optimum(build_pathway_arrays(pathway, families=families).form)
    assert pyomo == pytest.approx(arrays, nan_ok=True)
    return pyomo


def flipped(pathway: Pathway, family: str) -> float:
    """The optimum with ``family``'s rows reversed (<= becomes >=)."""
    f = PathwayFormulation(pathway)
    for con in getattr(f.model, family).values():
        con.set_value(con.body >= con.upper)
    return optimum(pyomo_form(f))


def both(pathway: Pathway, **kw: object) -> list:
    """The pathway solved by each backend."""
    return [solve_pathway(pathway, options=EXACT, backend=b, **kw) for b in ("pyomo", "arrays")]


def slag(
    demand: float,
    *,
    fixed: float = 50.0,
    value: float = 2.0,
    investment: float = 0.0,
    budget: float | None = None,
    cap: int | None = None,
) -> Problem:
    """S has 100 t/yr of slag; D wants ``demand`` t/yr at ``value`` EUR/t; one candidate truck
    link S->D, charged ``fixed`` EUR/yr (its annuity) while it serves."""
    return Problem(
        nodes=("S", "D"),
        commodities=("slag",),
        supplies=(Supply("S", "slag", 100),),
        demands=(Demand("D", "slag", demand, value=value),),
        arcs=(Arc("S", "D", "truck", ("slag",), fixed_cost=fixed, investment=investment),),
        investment_budget=budget,
        max_new_links=cap,
    )


def pathway(*problems: Problem, years: tuple[int, ...], end: int, **kw: object) -> Pathway:
    """One scenario over ``years``."""
    return Pathway(
        "test", years=years, end=end, scenarios=(PathwayScenario("base", 1.0, problems),), **kw
    )


# -- periods and discounting ----------------------------------------------------------------


def late() -> Pathway:
    """2026-2027 and 2028-2029, rate 0.  D wants 10 t/yr, then 100 t/yr; F = 50 EUR/yr.

    Built in 2026: 2 x (20 - 50) + 2 x (200 - 50) = 240.  Built in 2028: 2 x (200 - 50) =
    300.  Never: 0.  Best: build in 2028, 300 over 4 years = 75 EUR/yr.
    """
    return pathway(slag(10), slag(100), years=(2026, 2028), end=2030)


def test_building_late_beats_building_early() -> None:
    for r in both(late()):
        assert r.status is Status.OPTIMAL
        assert r.objective == pytest.approx(75.0)
        assert r.npv == pytest.approx(300.0)
        assert list(r.schedule["year"]) == [2028]
        assert list(r.schedule["until"]) == [2030]
        assert list(r.periods["valorisation"]) == pytest.approx([0.0, 150.0])


def test_discounting_weighs_each_year_by_the_discount_rate() -> None:
    """At 10 %: W_2026 = 1 + 1/1.1 = 1.909091, W_2028 = 1/1.21 + 1/1.331 = 1.577761,
    W = 3.486852.  Built in 2028: 150 x 1.577761 = 236.664 (NPV); in 2026:
    -30 x 1.909091 + 236.664 = 179.391.  Best: 2028, 236.664 / 3.486852 = 67.8733 EUR/yr."""
    for r in both(replace(late(), discount_rate=0.1)):
        assert r.annuity == pytest.approx(3.486852, abs=1e-6)
        assert r.npv == pytest.approx(236.664, abs=1e-3)
        assert r.objective == pytest.approx(67.8733, abs=1e-4)
        assert list(r.schedule["year"]) == [2028]
        (row,) = r.schedule.itertuples()
        assert row.discounted_charges == pytest.approx(50 * 1.577761, abs=1e-5)


def test_without_the_build_link_a_period_uses_a_link_never_paid_for() -> None:
    """No build_link: the blocks' y are free, the link serves both periods for nothing:
    2 x 20 + 2 x 200 = 440 over 4 years = 110."""
    assert without(late(), "build_link") == pytest.approx(110.0)


def test_an_item_built_in_the_last_period_pays_only_the_years_it_serves() -> None:
    """End-of-horizon: D wants 60 t at 1 EUR/t in 2028 only; F = 50 EUR/yr, lifetime 30 yr.
    Built in 2028 it serves 2028-2029 and pays 2 x 50 = 100 for 2 x 60 = 120: +20, 5 EUR/yr.
    Charged its 30 years it would never be built."""
    pw = pathway(
        slag(0, value=1.0),
        slag(60, value=1.0),
        years=(2026, 2028),
        end=2030,
        arc_lifetime={("S", "D", "truck"): 30.0},
    )
    for r in both(pw):
        assert r.objective == pytest.approx(5.0)
        (row,) = r.schedule.itertuples()
        assert (row.year, row.until) == (2028, 2030)
        assert row.discounted_charges == pytest.approx(100.0)


# -- lifetimes ------------------------------------------------------------------------------


def lifetime(life: float, budget: float | None = None) -> Pathway:
    """2026, 2028, 2030 (to 2032), rate 0; D wants 100 t/yr at 2 EUR/t: 200 - 50 = 150 a
    year while the link serves.  The link costs 1000 to build; ``budget`` over the horizon."""
    one = slag(100, investment=1000.0)
    return pathway(
        one,
        one,
        one,
        years=(2026, 2028, 2030),
        end=2032,
        arc_lifetime={("S", "D", "truck"): life},
        investment_budget=budget,
    )


def test_a_lifetime_ending_inside_the_horizon_is_rebuilt() -> None:
    """Life 3 yr: built in 2026 it serves the periods starting before 2029 (2026, 2028), so
    2030 rebuilds it: two builds, 150 a year throughout = 150."""
    for r in both(lifetime(3.0)):
        assert r.objective == pytest.approx(150.0)
        assert list(r.schedule["year"]) == [2026, 2030]
        assert list(r.schedule["until"]) == [2030, 2032]


def test_a_lifetime_ending_inside_the_horizon_leaves_the_last_period_without_its_link() -> None:
    """Life 3 yr, budget for one build: 2026 and 2028 served, 2030 not:
    4 x 150 / 6 years = 100.  With a 5-year life the link serves 2030 too (it starts before
    2031): 150."""
    for r in both(lifetime(3.0, budget=1000.0)):
        assert r.objective == pytest.approx(100.0)
        assert list(r.periods["valorisation"]) == pytest.approx([150.0, 150.0, 0.0])
    for r in both(lifetime(5.0, budget=1000.0)):
        assert r.objective == pytest.approx(150.0)
    assert without(lifetime(3.0, budget=1000.0), "horizon_budget") == pytest.approx(150.0)


def test_a_period_short_of_its_lifetime_is_served_whole_when_it_starts_within_it() -> None:
    """PyPSA's rule: a period is served if it starts within the life: built 2026, life 5 ->
    2026, 2028, 2030 (2030 < 2031)."""
    pw = lifetime(5.0)
    assert pw.served(0, 5.0) == (0, 1, 2)
    assert pw.served(0, 3.0) == (0, 1)
    assert pw.served(1, 0.5) == (1,)  # less than a year serves its build period


# -- budgets and caps per period ------------------------------------------------------------


def two_links(budget: float | None = None, cap: int | None = None) -> Problem:
    """S1->D1 earns 300 - 100 a year, S2->D2 200 - 100; each costs 1000 to build."""
    return Problem(
        nodes=("S1", "D1", "S2", "D2"),
        commodities=("slag",),
        supplies=(Supply("S1", "slag", 100), Supply("S2", "slag", 100)),
        demands=(Demand("D1", "slag", 100, value=3.0), Demand("D2", "slag", 100, value=2.0)),
        arcs=(
            Arc("S1", "D1", "truck", ("slag",), fixed_cost=100.0, investment=1000.0),
            Arc("S2", "D2", "truck", ("slag",), fixed_cost=100.0, investment=1000.0),
        ),
        investment_budget=budget,
        max_new_links=cap,
    )


def spread(**kw: object) -> Pathway:
    """2026-2027 and 2028-2029, rate 0, each period's problem limited by ``kw``."""
    return pathway(two_links(**kw), two_links(**kw), years=(2026, 2028), end=2030)  # type: ignore[arg-type]


def test_a_period_budget_spreads_the_builds_over_the_periods() -> None:
    """No budget: both in 2026, 200 + 100 = 300 a year.  1000 a period: S1->D1 in 2026 (200 a
    year), S2->D2 in 2028 (+100): (2 x 200 + 2 x 300) / 4 = 250."""
    for r in both(spread()):
        assert r.objective == pytest.approx(300.0)
    for r in both(spread(budget=1000.0)):
        assert r.objective == pytest.approx(250.0)
        assert list(r.schedule["year"]) == [2026, 2028]
        assert list(r.periods["investment"]) == pytest.approx([1000.0, 1000.0])
    assert without(spread(budget=1000.0), "period_budget") == pytest.approx(300.0)
    # 1500 a period builds the same; reversed, each period must spend 1500 or more: 2026
    # builds both links (2000) and 2028 has nothing left to build
    for r in both(spread(budget=1500.0)):
        assert r.objective == pytest.approx(250.0)
    assert math.isnan(flipped(spread(budget=1500.0), "period_budget"))


def test_a_horizon_budget_counts_every_period() -> None:
    """1000 over the horizon: only S1->D1, 200 a year."""
    pw = replace(spread(), investment_budget=1000.0)
    for r in both(pw):
        assert r.objective == pytest.approx(200.0)
    assert without(pw, "horizon_budget") == pytest.approx(300.0)


def test_a_period_cap_on_new_links_spreads_the_builds() -> None:
    """One new link a period: as the budget, 250; over the horizon one link: 200."""
    for r in both(spread(cap=1)):
        assert r.objective == pytest.approx(250.0)
    assert without(spread(cap=1), "period_link_limit") == pytest.approx(300.0)
    horizon = replace(spread(), max_new_links=1)
    for r in both(horizon):
        assert r.objective == pytest.approx(200.0)
    assert without(horizon, "horizon_link_limit") == pytest.approx(300.0)


def test_a_sized_link_keeps_the_capacity_it_was_built_with() -> None:
    """D wants 50 t/yr, then 100; a sized link of 2 EUR/yr per t/yr of capacity, value 3 EUR/t.

    Built in 2026 at 100 t/yr: 900 - 4 x 200 = 100; at 50 t/yr: 600 - 4 x 100 = 200; built
    in 2028 at 100: 600 - 2 x 200 = 200.  Best 200, 50 EUR/yr: the 2028 period never has
    more capacity than its build gave.  Without capacity_build_link a capacity is added in
    2028 without a build: 50 in 2026 and 50 more in 2028, 900 - 400 - 200 = 300, 75 a year;
    without build_link nothing is paid: 900 / 4 = 225.
    """

    def sized(demand: float) -> Problem:
        arc = Arc("S", "D", "pipe", ("slag",), capacity=100.0, sized=True, capacity_cost=2.0)
        return replace(slag(demand, value=3.0), arcs=(arc,))

    pw = pathway(sized(50), sized(100), years=(2026, 2028), end=2030)
    for r in both(pw):
        assert r.objective == pytest.approx(50.0)
        assert len(r.schedule) == 1
    assert without(pw, "capacity_build_link") == pytest.approx(75.0)
    assert without(pw, "build_link") == pytest.approx(225.0)


# -- one period is today's model ------------------------------------------------------------


def test_one_period_of_one_problem_is_todays_model() -> None:
    from models.solve import solve

    problem = slag(80, fixed=50.0, value=2.0)
    static = solve(problem, options=EXACT)
    for r in both(one_period(problem)):
        assert r.objective == pytest.approx(static.objective, rel=1e-12)
        block = next(iter(r.blocks.values()))
        assert block.totals["fixed_cost"] == pytest.approx(static.totals["fixed_cost"])


# -- the contract ---------------------------------------------------------------------------


def test_a_pathway_names_what_is_wrong_with_it() -> None:
    p = slag(10)
    cases = [
        (dict(years=(2028, 2026), end=2030), "years: must increase strictly"),
        (dict(years=(2026,), end=2026), "end: must come after the last period (2026)"),
        (dict(years=(2026,), end=2030, discount_rate=1.5), "discount_rate: must be a number"),
        (dict(years=(2026,), end=2030, decision_year=2020), "decision_year: must be the first"),
        (
            dict(years=(2026,), end=2030, arc_lifetime={("S", "D", "truck"): -1.0}),
            "arc_lifetime[('S', 'D', 'truck')]: must be a positive number of years",
        ),
    ]
    for kw, message in cases:
        with pytest.raises(ProblemError, match=message.replace("(", r"\(").replace(")", r"\)")
                           .replace("[", r"\[").replace("]", r"\]")):
            pathway(*(p,) * len(kw["years"]), **kw)  # type: ignore[arg-type]
    with pytest.raises(ProblemError, match="1 given for 2 periods"):
        pathway(p, years=(2026, 2028), end=2030)
    with pytest.raises(ProblemError, match="probabilities must sum to 1"):
        Pathway("t", (2026,), 2030, (PathwayScenario("a", 0.5, (p,)),))
    existing = replace(p, arcs=(replace(p.arcs[0], existing=True),))
    with pytest.raises(ProblemError, match="existing in some periods"):
        pathway(p, existing, years=(2026, 2028), end=2030)


def test_an_infeasible_period_is_named() -> None:
    must = replace(slag(10), demands=(Demand("D", "slag", 500, value=2.0, must_serve=True),))
    (r, _) = both(pathway(slag(10), must, years=(2026, 2028), end=2030))
    assert r.status is Status.INFEASIBLE
    assert "base 2028" in r.message and "must-serve demand of slag at D" in r.message


def test_the_pyomo_model_is_one_block_per_period() -> None:
    f = PathwayFormulation(late())
    assert [b.name for b in f.model.component_objects(pyo.Block, descend_into=False)] == [
        "block_0_0",
        "block_0_1",
    ]
