"""Hand-checked small models: one or more per constraint family and per objective.

Each expected value is worked out by hand in the test's docstring.  ``without`` builds the
model with one family removed, and ``flipped`` with one family's sense reversed, to prove each
family is needed (a family that is a valid cut is checked on the LP relaxation instead).
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from models.bounds import Bounds, compute_bounds
from models.direct import build_arrays
from models.formulation import Formulation
from models.losses import loss_charges
from models.problem import Arc, Converter, Demand, Problem, Supply, TimeSlice
from models.result import Objective, Status
from models.session import pass_to_highs
from models.solve import PyomoBackend, SolveOptions, pareto, run_backend, solve

solve_direct = partial(solve, backend="arrays")
"""The array backend through the one pipeline, :func:`models.solve.solve`."""

EXACT = SolveOptions(gap=0.0, time_limit=30)


def solve_without(
    problem: Problem,
    family: str,
    objective: Objective = Objective.VALORISATION,
    bounds_of: Problem | None = None,
) -> float:
    """Objective value with ``family`` left out of the model.

    ``bounds_of``: take the variable bounds from this problem instead, when the data-derived
    bounds would otherwise repeat what the family enforces.
    """
    families = tuple(f for f in Formulation.FAMILIES if f != family)
    bounds = compute_bounds(bounds_of) if bounds_of else None
    f = Formulation(problem, objective, families=families, bounds=bounds)
    return _solve_model(f.model)


def solve_flipped(
    problem: Problem, family: str, objective: Objective = Objective.VALORISATION
) -> float:
    """Objective value with ``family``'s constraints reversed (<= becomes >=, == stays)."""
    f = Formulation(problem, objective)
    block = getattr(f.model, family)
    for con in list(block.values()):
        body, lo, hi = con.body, con.lower, con.upper
        if lo is not None and hi is not None and con.equality:
            continue
        if hi is not None:
            con.set_value(body >= hi)
        else:
            con.set_value(body <= lo)
    return _solve_model(f.model)


def _solve_model(model: pyo.ConcreteModel, relax: bool = False) -> float:
    if relax:
        pyo.TransformationFactory("core.relax_integer_vars").apply_to(model)
    res = Highs().solve(
        model, load_solutions=False, raise_exception_on_nonoptimal_result=False, rel_gap=0.0
    )
    if res.incumbent_objective is None:
        return math.nan
    return float(res.incumbent_objective)


def with_arc(problem: Problem, **changes: object) -> Problem:
    """``problem`` with its only arc changed (validated again)."""
    (arc,) = problem.arcs
    return replace(problem, arcs=(replace(arc, **changes),))


# -- one link: flow_balance, arc_capacity, fixed charge ----------------------------------


def one_link(fixed: float = 500.0, capacity: float = 1000.0) -> Problem:
    """Slag at S (100 t, disposal 10 EUR/t), grinder D wants 80 t at 30 EUR/t.

    Truck S->D: fixed 500 EUR/yr, 5 EUR/t.  Best: ship 80 t:
    2400 (value) + 800 (disposal avoided) - 400 (transport) - 500 (fixed) = 2300 EUR/yr.
    """
    return Problem(
        nodes=("S", "D"),
        commodities=("slag",),
        supplies=(Supply("S", "slag", 100, disposal_cost=10.0),),
        demands=(Demand("D", "slag", 80, value=30.0),),
        arcs=(
            Arc(
                "S",
                "D",
                "truck",
                ("slag",),
                capacity=capacity,
                fixed_cost=fixed,
                variable_cost={"slag": 5.0},
            ),
        ),
        name="one_link",
    )


def test_one_link_ships_to_the_grinder() -> None:
    r = solve(one_link(), options=EXACT)
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(2300.0)
    assert r.flows["quantity"].sum() == pytest.approx(80.0)
    assert list(r.built_arcs["mode"]) == ["truck"]
    assert r.totals["fixed_cost"] == pytest.approx(500.0)


def test_link_not_worth_its_fixed_cost_is_not_built() -> None:
    """Fixed 3000 > 2800 gained by shipping: build nothing, valorisation 0."""
    r = solve(one_link(fixed=3000.0), options=EXACT)
    assert r.objective == pytest.approx(0.0)
    assert r.flows.empty and r.built_arcs.empty


def test_flow_balance_is_needed() -> None:
    """Without conservation, D is 'served' from nowhere: 80*30 + 100*10 = 3400."""
    assert solve_without(one_link(), "flow_balance") == pytest.approx(3400.0)


def test_arc_capacity_is_needed() -> None:
    """Without the linking, flow goes on an unbuilt arc: 2400 + 800 - 400 = 2800."""
    assert solve_without(one_link(), "arc_capacity") == pytest.approx(2800.0)
    assert solve_flipped(one_link(capacity=50.0), "arc_capacity") != pytest.approx(
        solve(one_link(capacity=50.0), options=EXACT).objective
    )


def test_arc_capacity_limits_flow() -> None:
    """Capacity 50 t: 50*30 + 50*10 - 50*5 - 500 = 1250."""
    r = solve(one_link(capacity=50.0), options=EXACT)
    assert r.objective == pytest.approx(1250.0)


def test_existing_link_has_no_build_decision_and_no_fixed_cost() -> None:
    existing = with_arc(one_link(fixed=3000.0), capacity=60.0, existing=True)
    r = solve(existing, options=EXACT)
    # 60 t: 60 * (30 + 10 - 5) = 2100; the fixed cost of an existing link is not paid.
    assert r.objective == pytest.approx(2100.0)
    assert bool(r.built_arcs["existing"].iloc[0])


# -- shared capacity and per-commodity linking ---------------------------------------------


def two_commodities(existing: bool = False) -> Problem:
    """Two commodities of 60 t each on one arc of capacity 100 (shared), value 10 EUR/t each.

    MILP: carry 100 t in all -> 1000 - fixed 100 = 900 EUR/yr.
    """
    return Problem(
        nodes=("A", "B"),
        commodities=("p", "q"),
        supplies=(Supply("A", "p", 60), Supply("A", "q", 60)),
        demands=(Demand("B", "p", 60, value=10.0), Demand("B", "q", 60, value=10.0)),
        arcs=(
            Arc("A", "B", "pipe", ("p", "q"), capacity=100.0, fixed_cost=100.0, existing=existing),
        ),
    )


def test_capacity_is_shared_by_commodities() -> None:
    r = solve(two_commodities(), options=EXACT)
    assert r.objective == pytest.approx(900.0)
    assert r.flows["quantity"].sum() == pytest.approx(100.0)


def pipe_beside_road() -> Problem:
    """Commodity p (10 t) can only take a candidate pipe (capacity 100, fixed 100, 1 EUR/t);
    commodity q (90 t) can take the pipe or an existing road (0.5 EUR/t).  Both are mandatory.

    MILP: build the pipe for p, q by road: 100 + 10 + 45 = 155.
    LP relaxation with the strong linking cut x_p <= min(10, 100) y: y >= 1, so 155 too.
    Without it, only 10 <= 100 y: y = 0.1 and the bound falls to 10 + 10 + 45 = 65.
    Reversed (x_k >= B y), building the pipe forces q onto it: 100 + 10 + 90 = 200.
    """
    return Problem(
        nodes=("A", "B"),
        commodities=("p", "q"),
        supplies=(
            Supply("A", "p", 10, must_dispatch=True),
            Supply("A", "q", 90, must_dispatch=True),
        ),
        demands=(Demand("B", "p", 10, must_serve=True), Demand("B", "q", 90, must_serve=True)),
        arcs=(
            Arc(
                "A",
                "B",
                "pipe",
                ("p", "q"),
                capacity=100.0,
                fixed_cost=100.0,
                variable_cost={"p": 1.0, "q": 1.0},
            ),
            Arc("A", "B", "road", ("q",), existing=True, variable_cost={"q": 0.5}),
        ),
    )


def test_strong_linking_cuts_tighten_the_relaxation() -> None:
    p = pipe_beside_road()
    assert solve(p, Objective.COST, EXACT).objective == pytest.approx(155.0)
    assert _solve_model(Formulation(p, Objective.COST).model, relax=True) == pytest.approx(155.0)
    without = tuple(f for f in Formulation.FAMILIES if f != "arc_commodity_link")
    weak = Formulation(p, Objective.COST, families=without)
    assert _solve_model(weak.model, relax=True) == pytest.approx(65.0)
    flipped = Formulation(p, Objective.COST)
    for con in flipped.model.arc_commodity_link.values():
        con.set_value(con.body >= 0)
    assert _solve_model(flipped.model) == pytest.approx(200.0)


def test_per_commodity_capacity() -> None:
    """Commodity p limited to 30 t on the arc: 30 + 60 = 90 t carried, 900 - 100 = 800."""
    limited = with_arc(two_commodities(), commodity_capacity={"p": 30.0})
    assert solve(limited, options=EXACT).objective == pytest.approx(800.0)


def test_parallel_arcs_are_distinct() -> None:
    """Truck (fixed 100, 4 EUR/t) and pipeline (fixed 1000, 0.5 EUR/t) between the same plants.

    For 100 t at 20 EUR/t: truck gives 2000 - 400 - 100 = 1500; pipe 2000 - 50 - 1000 = 950.
    For 1000 t: truck 20000 - 4000 - 100 = 15900; pipe 20000 - 500 - 1000 = 18500.
    """

    def plants(q: float) -> Problem:
        return Problem(
            nodes=("A", "B"),
            commodities=("c",),
            supplies=(Supply("A", "c", q),),
            demands=(Demand("B", "c", q, value=20.0),),
            arcs=(
                Arc("A", "B", "truck", ("c",), fixed_cost=100.0, variable_cost={"c": 4.0}),
                Arc("A", "B", "pipeline", ("c",), fixed_cost=1000.0, variable_cost={"c": 0.5}),
            ),
        )

    small, large = solve(plants(100), options=EXACT), solve(plants(1000), options=EXACT)
    assert small.objective == pytest.approx(1500.0)
    assert list(small.built_arcs["mode"]) == ["truck"]
    assert large.objective == pytest.approx(18500.0)
    assert list(large.built_arcs["mode"]) == ["pipeline"]


# -- losses and time slices ----------------------------------------------------------------


def test_losses_are_made_up_at_the_source() -> None:
    """Heat pipe losing 10 %: to deliver 90 MWh at 50 EUR/MWh, 100 MWh leave the steelworks.

    4500 - 100 * 2 (pumping cost per MWh sent) = 4300.
    """
    p = Problem(
        nodes=("steel", "dhn"),
        commodities=("heat",),
        supplies=(Supply("steel", "heat", 200),),
        demands=(Demand("dhn", "heat", 90, value=50.0),),
        arcs=(
            Arc(
                "steel",
                "dhn",
                "pipe",
                ("heat",),
                existing=True,
                loss={"heat": 0.1},
                variable_cost={"heat": 2.0},
            ),
        ),
    )
    r = solve(p, options=EXACT)
    assert r.objective == pytest.approx(4300.0)
    assert r.flows["quantity"].sum() == pytest.approx(100.0)
    assert r.flows["delivered"].sum() == pytest.approx(90.0)


def test_time_slices_split_quantities_and_capacity() -> None:
    """Winter (share 0.5) and summer: heat 100 MWh per season, the network wants 150 in
    winter and 0 in summer.  Pipe capacity 200 MWh/yr -> 100 per season: 100 MWh delivered
    in winter at 40 EUR/MWh = 4000, minus fixed 1000 = 3000.
    """
    p = Problem(
        nodes=("steel", "dhn"),
        commodities=("heat",),
        slices=(TimeSlice("winter", 0.5), TimeSlice("summer", 0.5)),
        supplies=(Supply("steel", "heat", 200),),  # spread: 100 per season
        demands=(Demand("dhn", "heat", (150, 0), value=40.0),),
        arcs=(Arc("steel", "dhn", "pipe", ("heat",), capacity=200.0, fixed_cost=1000.0),),
    )
    r = solve(p, options=EXACT)
    assert r.objective == pytest.approx(3000.0)
    assert set(r.flows["slice"]) == {"winter"}
    assert r.flows["quantity"].sum() == pytest.approx(100.0)


# -- converters ------------------------------------------------------------------------------


def grinding(capacity: float = math.inf, fixed: float = 0.0, existing: bool = True) -> Problem:
    """1.05 t slag -> 1 t ground slag at the grinder G; cement plant C pays 60 EUR/t ground
    slag; grinding costs 10 EUR/t of product.  200 t slag at the steelworks.

    Uncapacitated: 200/1.05 = 190.476 t product: 190.476 * (60 - 10) = 9523.81.
    """
    return Problem(
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
                capacity=capacity,
                variable_cost=10.0,
                fixed_cost=fixed,
                existing=existing,
            ),
        ),
    )


def test_converter_yields() -> None:
    r = solve(grinding(), options=EXACT)
    assert r.objective == pytest.approx(200 / 1.05 * 50)
    assert r.converters["activity"].sum() == pytest.approx(200 / 1.05)


def test_converter_capacity_is_needed() -> None:
    """Capacity 100 t/yr of product: 100 * 50 = 5000."""
    p = grinding(capacity=100.0)
    assert solve(p, options=EXACT).objective == pytest.approx(5000.0)
    # The flow bounds know the capacity too; take them from the uncapacitated twin.
    assert solve_without(p, "converter_capacity", bounds_of=grinding()) == pytest.approx(
        200 / 1.05 * 50
    )


def test_buildable_converter() -> None:
    """A new grinder with fixed 9000 EUR/yr: 9523.81 - 9000 = 523.81 > 0, built; at 10000 not."""
    built = solve(grinding(fixed=9000.0, existing=False), options=EXACT)
    assert built.objective == pytest.approx(200 / 1.05 * 50 - 9000)
    assert bool(built.converters["built"].all())
    idle = solve(grinding(fixed=10000.0, existing=False), options=EXACT)
    assert idle.objective == pytest.approx(0.0)
    assert idle.converters.empty
    # Without the build linking, the grinder runs without being paid for.
    assert solve_without(
        grinding(fixed=10000.0, existing=False), "converter_capacity"
    ) == pytest.approx(200 / 1.05 * 50)


# -- hard requirements ---------------------------------------------------------------------


def storage_obligation(must_dispatch: bool = True) -> Problem:
    """CO2 (50 t) under a storage obligation; the hub takes it for 30 EUR/t (value -30).

    Must dispatch: -1500 - pipe fixed 200 = -1700.  Free: do nothing, 0.
    """
    return Problem(
        nodes=("plant", "hub"),
        commodities=("co2",),
        supplies=(Supply("plant", "co2", 50, must_dispatch=must_dispatch),),
        demands=(Demand("hub", "co2", 100, value=-30.0),),
        arcs=(Arc("plant", "hub", "pipe", ("co2",), fixed_cost=200.0),),
    )


def test_must_dispatch() -> None:
    p = storage_obligation()
    assert solve(p, options=EXACT).objective == pytest.approx(-1700.0)
    assert solve_without(p, "must_dispatch") == pytest.approx(0.0)


def test_must_serve() -> None:
    """The network must get its 80 t even at a loss: one_link with value 1 EUR/t:
    80 + 800 - 400 - 500 = -20 (instead of 0 when optional)."""
    p = replace(one_link(), demands=(Demand("D", "slag", 80, value=1.0, must_serve=True),))
    assert solve(p, options=EXACT).objective == pytest.approx(-20.0)
    assert solve_without(p, "must_serve") == pytest.approx(0.0)


def test_minimum_delivery() -> None:
    """At least 30 t to a receiver charging 10 EUR/t (value -10), each t: -10 + 10 - 5 = -5.

    30 * -5 - 500 = -650; optional (or capped at 30 by a reversed row): 0.
    """
    p = replace(one_link(), demands=(Demand("D", "slag", 80, value=-10.0, minimum=30),))
    assert solve(p, options=EXACT).objective == pytest.approx(-650.0)
    assert solve_without(p, "minimum_delivery") == pytest.approx(0.0)
    assert solve_flipped(p, "minimum_delivery") == pytest.approx(0.0)


# -- objectives ----------------------------------------------------------------------------


def heat_or_slag() -> Problem:
    """Two uses for one truck licence (a shared node capacity is modelled as one arc).

    Heat: 100 MWh worth 20 EUR (2000) saving 0.26 t CO2/MWh (26 t).
    Slag: 100 t worth 30 EUR (3000) saving 0.05 t CO2/t (5 t).
    Arc H->X capacity 100 shared by both commodities; X delivers to the users.
    valorisation: slag (3000).  co2: heat (26 t).  carbon price 0 here.
    """
    return Problem(
        nodes=("H", "X"),
        commodities=("heat", "slag"),
        supplies=(Supply("H", "heat", 100), Supply("H", "slag", 100)),
        demands=(
            Demand("X", "heat", 100, value=20.0, co2=0.26),
            Demand("X", "slag", 100, value=30.0, co2=0.05),
        ),
        arcs=(Arc("H", "X", "link", ("heat", "slag"), capacity=100.0, existing=True),),
    )


def test_valorisation_objective() -> None:
    r = solve(heat_or_slag(), Objective.VALORISATION, EXACT)
    assert r.objective == pytest.approx(3000.0)
    assert r.totals["co2_avoided"] == pytest.approx(5.0)


def test_co2_objective() -> None:
    r = solve(heat_or_slag(), Objective.CO2, EXACT)
    assert r.objective == pytest.approx(26.0)
    assert r.totals["valorisation"] == pytest.approx(2000.0)


def test_cost_objective_is_minus_valorisation() -> None:
    p = storage_obligation()
    r = solve(p, Objective.COST, EXACT)
    assert r.objective == pytest.approx(1700.0)
    assert r.totals["valorisation"] == pytest.approx(-1700.0)


def test_carbon_price_enters_the_valorisation() -> None:
    """At 100 EUR/t CO2, heat is worth 2000 + 2600 = 4600 > slag 3000 + 500 = 3500."""
    p = heat_or_slag()
    priced = replace(p, carbon_price=100.0)
    r = solve(priced, options=EXACT)
    assert r.objective == pytest.approx(4600.0)
    assert r.totals["carbon_value"] == pytest.approx(2600.0)


def test_transport_co2_reduces_co2_avoided() -> None:
    dirty = with_arc(heat_or_slag(), co2={"slag": 0.01})
    r = solve(dirty, options=EXACT)
    assert r.totals["co2_avoided"] == pytest.approx(5.0 - 1.0)


def test_pareto_front_by_epsilon_constraint() -> None:
    """Front of heat_or_slag: (3000, 5) -> (2500, 15.5) -> (2000, 26), linear in between."""
    front = pareto(heat_or_slag(), points=3, options=EXACT)
    points = [(r.totals["valorisation"], r.totals["co2_avoided"]) for r in front]
    assert points == [
        pytest.approx((3000.0, 5.0)),
        pytest.approx((2500.0, 15.5)),
        pytest.approx((2000.0, 26.0)),
    ]


# -- outcomes --------------------------------------------------------------------------------


def test_unreachable_must_serve_demand_is_named() -> None:
    """The cement plant must get 40 t of ground slag but no arc reaches it."""
    p = Problem(
        nodes=("steel", "grinder", "cement"),
        commodities=("slag",),
        supplies=(Supply("steel", "slag", 100),),
        demands=(
            Demand("grinder", "slag", 50, value=10.0),
            Demand("cement", "slag", 40, must_serve=True),
        ),
        arcs=(Arc("steel", "grinder", "truck", ("slag",), fixed_cost=10.0),),
    )
    r = solve(p, options=EXACT)
    assert r.status is Status.INFEASIBLE
    assert [(s.kind, s.node, s.commodity) for s in r.shortfalls] == [
        ("must_serve", "cement", "slag")
    ]
    assert r.shortfalls[0].shortfall == pytest.approx(40.0)
    assert "cement" in r.message and "must-serve" in r.message


def test_unbounded_loop_of_converters() -> None:
    """Two converters turning a into b and back, each paid 1 EUR per unit: no limit."""
    p = Problem(
        nodes=("N",),
        commodities=("a", "b"),
        converters=(
            Converter("ab", "N", {"a": 1.0}, {"b": 1.0}, variable_cost=-1.0),
            Converter("ba", "N", {"b": 1.0}, {"a": 1.0}, variable_cost=-1.0),
        ),
    )
    r = solve(p, options=EXACT)
    assert r.status is Status.UNBOUNDED
    assert not r.shortfalls


def test_recomputed_objective_matches() -> None:
    for problem in (one_link(), grinding(fixed=9000.0, existing=False), heat_or_slag()):
        r = solve(problem, options=EXACT)
        assert r.recomputed_objective() == pytest.approx(r.objective, rel=1e-9, abs=1e-6)


# -- internal reuse is not an exchange -------------------------------------------------------


def self_supply() -> Problem:
    """Site A has 50 t of k and wants 50 t (30 EUR/t); neighbour B has 50 t of k.

    Both pay 10 EUR/t to dispose of k.  Truck B->A: fixed 100 EUR/yr, 5 EUR/t.
    Internal reuse forbidden: B->A carries 50 t: 1500 + 500 - 250 - 100 = 1650, and A's own
    k is disposed of (it has no way out).  Were A to deliver to itself: 1500 (value) + 500
    (A's disposal avoided) = 2000, with no flow row at all and no exchange with B.
    """
    return Problem(
        nodes=("A", "B"),
        commodities=("k",),
        supplies=(
            Supply("A", "k", 50, disposal_cost=10.0),
            Supply("B", "k", 50, disposal_cost=10.0),
        ),
        demands=(Demand("A", "k", 50, value=30.0),),
        arcs=(Arc("B", "A", "truck", ("k",), fixed_cost=100.0, variable_cost={"k": 5.0}),),
        name="self_supply",
    )


def test_a_site_does_not_deliver_to_itself_and_the_exchange_with_its_neighbour_appears() -> None:
    for solver in (solve, solve_direct):
        r = solver(self_supply(), Objective.VALORISATION, EXACT)
        assert r.objective == pytest.approx(1650.0)
        assert r.flows[["tail", "head", "quantity"]].values.tolist() == [["B", "A", 50.0]]
        site_a = r.balances[(r.balances["node"] == "A")].iloc[0]
        assert site_a["used"] == pytest.approx(0.0)
        assert site_a["received"] == pytest.approx(50.0) == site_a["delivered"]
        assert site_a["internal_reuse"] == 0.0
        assert r.recomputed_objective() == pytest.approx(r.objective)


def test_no_internal_reuse_is_needed() -> None:
    """Left out or reversed (u >= what leaves, always true here), A delivers to itself: 2000."""
    assert solve_without(self_supply(), "no_internal_reuse") == pytest.approx(2000.0)
    assert solve_flipped(self_supply(), "no_internal_reuse") == pytest.approx(2000.0)


def test_internal_reuse_shows_as_a_balance_line_when_the_family_is_left_out() -> None:
    """Every unit delivered is traced: without the rule, the 50 t A gives itself are visible."""
    p = self_supply()
    families = tuple(f for f in Formulation.FAMILIES if f != "no_internal_reuse")
    formulation = Formulation(p, families=families)
    r = run_backend(PyomoBackend(), p, Objective.VALORISATION, EXACT, model=formulation)
    assert r.objective == pytest.approx(2000.0)
    assert r.flows.empty
    site_a = r.balances[(r.balances["node"] == "A")].iloc[0]
    assert site_a["internal_reuse"] == pytest.approx(50.0)


def test_own_supply_may_feed_an_on_site_converter() -> None:
    """The grinder site has 100 t of slag and wants slag too (value 1 EUR/t); its own slag may
    still feed its grinder (1.05 t -> 1 t ground slag worth 60 EUR/t, grinding 10 EUR/t).

    100/1.05 = 95.238 t of product: 95.238 * 50 = 4761.90; the slag demand gets nothing.
    """
    p = Problem(
        nodes=("G", "C"),
        commodities=("slag", "ggbs"),
        supplies=(Supply("G", "slag", 100),),
        demands=(Demand("G", "slag", 100, value=1.0), Demand("C", "ggbs", 1000, value=60.0)),
        arcs=(Arc("G", "C", "truck", ("ggbs",), existing=True),),
        converters=(Converter("grinder", "G", {"slag": 1.05}, {"ggbs": 1.0}, variable_cost=10.0),),
    )
    for solver in (solve, solve_direct):
        r = solver(p, Objective.VALORISATION, EXACT)
        assert r.objective == pytest.approx(100 / 1.05 * 50)


# -- what is lost on the way is not avoided ---------------------------------------------------


def co2_loop() -> Problem:
    """Plant P has 100 t of CO2 (disposal 20 EUR/t, 1 t CO2/t); existing pipes P->Q and Q->P
    each lose 10 %; nobody wants CO2; carbon price 100 EUR/t.

    Were a lost unit "used", the loop would be a disposal sink: with x <= 100 on each pipe,
    u = x_PQ - 0.9 x_QP = 100 - 81 = 19 t "avoided" (1900 + 20 * 19 EUR/yr).  Charged its
    disposal, a unit lost is a unit not avoided: 0 t, 0 EUR/yr.
    """
    pipe = {"loss": {"co2": 0.1}, "existing": True}
    return Problem(
        nodes=("P", "Q"),
        commodities=("co2",),
        supplies=(Supply("P", "co2", 100, disposal_cost=20.0, disposal_co2=1.0),),
        arcs=(Arc("P", "Q", "pipe", ("co2",), **pipe), Arc("Q", "P", "pipe", ("co2",), **pipe)),  # type: ignore[arg-type]
        carbon_price=100.0,
        name="co2_loop",
    )


def test_a_lossy_loop_avoids_no_co2_and_earns_nothing() -> None:
    for solver in (solve, solve_direct):
        for objective in (Objective.VALORISATION, Objective.CO2):
            r = solver(co2_loop(), objective, EXACT)
            assert r.status is Status.OPTIMAL
            assert r.objective == pytest.approx(0.0, abs=1e-6)
            assert r.totals["co2_avoided"] == pytest.approx(0.0, abs=1e-6)
            assert r.totals["valorisation"] == pytest.approx(0.0, abs=1e-6)
            assert r.recomputed_objective() == pytest.approx(r.objective, abs=1e-6)


def test_a_single_lossy_pipe_charges_what_it_loses() -> None:
    """100 t of CO2 at S (disposal 10 EUR/t, 1 t CO2/t); D wants 45 t at 20 EUR/t; the pipe
    loses 10 % and costs 2 EUR/t sent; carbon price 50 EUR/t.

    Every unit delivered is worth 20 + 10 + 50 > 2/0.9: send 50 t, deliver 45, lose 5.
    value 900; disposal avoided 10 * 50 - 10 * 5 = 450; CO2 avoided 50 - 5 = 45 t (2250);
    transport 100: valorisation 3500 (crediting the lost 5 t would give 3800).
    """
    p = Problem(
        nodes=("S", "D"),
        commodities=("co2",),
        supplies=(Supply("S", "co2", 100, disposal_cost=10.0, disposal_co2=1.0),),
        demands=(Demand("D", "co2", 45, value=20.0),),
        arcs=(
            Arc(
                "S", "D", "pipe", ("co2",), existing=True, loss={"co2": 0.1},
                variable_cost={"co2": 2.0},
            ),
        ),
        carbon_price=50.0,
    )  # fmt: skip
    for solver in (solve, solve_direct):
        r = solver(p, Objective.VALORISATION, EXACT)
        assert r.objective == pytest.approx(3500.0)
        assert r.totals["disposal_avoided"] == pytest.approx(450.0)
        assert r.totals["co2_avoided"] == pytest.approx(45.0)
        (row,) = r.flows.to_dict(orient="records")
        assert (row["quantity"], row["delivered"], row["lost"]) == pytest.approx((50, 45, 5))
        assert (row["lost_disposal_cost"], row["lost_co2"]) == pytest.approx((50.0, 5.0))
        assert r.recomputed_totals()["disposal_avoided"] == pytest.approx(450.0)
        assert r.recomputed_totals()["co2_avoided"] == pytest.approx(45.0)


def lossy_ring() -> Problem:
    """S has 100 t of CO2 (disposal 20 EUR/t, 1 t CO2/t); pipe S->A (1 EUR/t, no loss) feeds
    a ring A->B->C->A of free pipes losing 10 % each; C wants 40 t at 10 EUR/t.

    Best: S->A->B->C, x_SA = x_AB = 40/0.81 = 49.383 t, 9.383 t lost on the way:
    400 + 20 * (49.383 - 9.383) - 49.383 = 1150.617.  Each further unit sent round the ring
    costs 1 EUR/t and gives back what it earns when it is lost, so the ring stays idle whatever
    bounds the flows have.  (Crediting lost units, the ring sinks S's whole 100 t without flow
    bounds, 400 + 2000 - 100 = 2300, but only 63.1 t with x <= 100: 1598.9.)
    """
    ring = {"loss": {"co2": 0.1}, "existing": True}
    return Problem(
        nodes=("S", "A", "B", "C"),
        commodities=("co2",),
        supplies=(Supply("S", "co2", 100, disposal_cost=20.0, disposal_co2=1.0),),
        demands=(Demand("C", "co2", 40, value=10.0),),
        arcs=(
            Arc("S", "A", "pipe", ("co2",), existing=True, variable_cost={"co2": 1.0}),
            Arc("A", "B", "pipe", ("co2",), **ring),  # type: ignore[arg-type]
            Arc("B", "C", "pipe", ("co2",), **ring),  # type: ignore[arg-type]
            Arc("C", "A", "pipe", ("co2",), **ring),  # type: ignore[arg-type]
        ),
        name="lossy_ring",
    )


def test_the_optimum_does_not_depend_on_the_flow_bounds() -> None:
    """The bounds x <= B only tighten: with none at all, both backends find the same optimum."""
    p = lossy_ring()
    unbounded = Bounds(available={"co2": [math.inf]}, absorbable={"co2": [math.inf]}, activity={})
    expected = 400 + 20 * 40 - 40 / 0.81
    for objective, optimum in ((Objective.VALORISATION, expected), (Objective.CO2, 40.0)):
        for bounds in (None, unbounded):
            formulation = Formulation(p, objective, bounds=bounds)
            assert _solve_model(formulation.model) == pytest.approx(optimum)
            direct = pass_to_highs(build_arrays(p, objective, bounds=bounds).form)
            direct.setOptionValue("mip_rel_gap", 0.0)
            direct.run()
            assert direct.getInfo().objective_function_value == pytest.approx(optimum)
    assert not math.isfinite(Formulation(p, bounds=unbounded).flow_bound[1, "co2", 0])


def test_lost_units_of_a_converter_product_give_back_the_credit_of_its_inputs() -> None:
    """Slag (disposal 10 EUR/t, 0.02 t CO2/t) ground 1.05 t -> 1 t: a lost t of ground slag
    gives back 10.5 EUR and 0.021 t.  A boiler 1 heat -> 0.8 steam + 0.1 heat shares the heat's
    0.2 t CO2/MWh among 0.9 MWh of outputs: 0.222 t per MWh lost, and heat's own supply
    charge (0.2) is below it, so heat is charged 0.222 too.  Captured CO2 whose use costs
    30 EUR/t of handling (disposal cost -30) gets nothing of it back when lost, but a lost t
    is emitted: 0 EUR and 1 t.
    """
    p = Problem(
        nodes=("S", "G"),
        commodities=("slag", "ggbs", "heat", "steam", "co2"),
        supplies=(
            Supply("S", "slag", 100, disposal_cost=10.0, disposal_co2=0.02),
            Supply("S", "heat", 100, disposal_co2=0.2),
            Supply("S", "co2", 100, disposal_cost=-30.0, disposal_co2=1.0),
        ),
        converters=(
            Converter("grinder", "G", {"slag": 1.05}, {"ggbs": 1.0}),
            Converter("boiler", "G", {"heat": 1.0}, {"steam": 0.8, "heat": 0.1}),
        ),
    )
    charge = loss_charges(p)
    assert charge.cost == pytest.approx(
        {"slag": 10.0, "ggbs": 10.5, "heat": 0.0, "steam": 0.0, "co2": 0.0}
    )
    assert charge.co2 == pytest.approx(
        {"slag": 0.02, "ggbs": 0.021, "heat": 0.2 / 0.9, "steam": 0.2 / 0.9, "co2": 1.0}
    )
