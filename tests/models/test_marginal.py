"""Marginal values match finite differences: re-solve with one unit more and compare."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.marginal import marginal_values
from models.problem import Arc, Converter, Demand, Problem, Supply, TimeSlice
from models.result import Objective
from models.solve import SolveOptions, solve

EXACT = SolveOptions(gap=0.0, time_limit=30)


def two_sources(**changes: float) -> Problem:
    """Two slag sources feed one taker over two unequal seasons.

    S1 (100 t, disposal 10 EUR/t) reaches D by an existing pipe of 90 t/yr at 5 EUR/t; S2
    (20 t, disposal 2 EUR/t) by a truck link (fixed 100 EUR/yr, 8 EUR/t).  D takes up to 120 t
    at 30 EUR/t.  The pipe is full; S2 is used up; D still wants more.  By hand:

    * one more t at S1: the pipe is full, worth 0;
    * one more t at S2: it goes by truck, 30 + 2 - 8 = 24 EUR;
    * one more t wanted by D: nothing left to send, 0;
    * one more t/yr of pipe: one more t of S1 delivered, 30 + 10 - 5 = 35 EUR.
    """
    q = {"s1": 100.0, "s2": 20.0, "demand": 120.0, "pipe": 90.0} | changes
    return Problem(
        nodes=("S1", "S2", "D"),
        commodities=("slag",),
        slices=(TimeSlice("winter", 0.6), TimeSlice("summer", 0.4)),
        supplies=(
            Supply("S1", "slag", q["s1"], disposal_cost=10.0),
            Supply("S2", "slag", q["s2"], disposal_cost=2.0),
        ),
        demands=(Demand("D", "slag", q["demand"], value=30.0),),
        arcs=(
            Arc("S1", "D", "pipe", ("slag",), capacity=q["pipe"], variable_cost={"slag": 5.0},
                existing=True),
            Arc("S2", "D", "truck", ("slag",), fixed_cost=100.0, variable_cost={"slag": 8.0}),
        ),
    )  # fmt: skip


def value_of(table: object, kind: str, node: str) -> float:
    rows = table[(table["kind"] == kind) & (table["node"] == node)]  # type: ignore[index]
    (value,) = rows["value_per_unit"].tolist()
    return float(value)


def difference(before: Problem, after: Problem, objective: Objective) -> float:
    gain = solve(after, objective, EXACT).objective - solve(before, objective, EXACT).objective
    return -gain if objective is Objective.COST else gain


@pytest.mark.parametrize("objective", [Objective.VALORISATION, Objective.COST])
def test_marginal_values_match_finite_differences(objective: Objective) -> None:
    base = two_sources()
    table = marginal_values(base, solve(base, objective, EXACT))
    expected = {("supply", "S1"): 0.0, ("supply", "S2"): 24.0, ("demand", "D"): 0.0,
                ("arc_capacity", "S1"): 35.0}  # fmt: skip
    one_more = {("supply", "S1"): {"s1": 101.0}, ("supply", "S2"): {"s2": 21.0},
                ("demand", "D"): {"demand": 121.0}, ("arc_capacity", "S1"): {"pipe": 91.0}}  # fmt: skip
    for (kind, node), value in expected.items():
        assert value_of(table, kind, node) == pytest.approx(value, abs=1e-7)
        assert difference(base, two_sources(**one_more[kind, node]), objective) == pytest.approx(
            value, abs=1e-7
        )
    assert set(table["objective"]) == {"valorisation"}


def test_an_ample_capacity_has_no_marginal_value_and_is_not_listed() -> None:
    p = two_sources(pipe=500.0)
    table = marginal_values(p, solve(p, options=EXACT))
    assert "arc_capacity" not in set(table["kind"])
    # S1 and S2 now fill the taker's 120 t: one more t at S1 replaces a t of S2 (35 - 24).
    assert value_of(table, "supply", "S1") == pytest.approx(11.0)
    assert difference(p, two_sources(pipe=500.0, s1=101.0), Objective.VALORISATION) == (
        pytest.approx(11.0)
    )


def test_a_degenerate_optimum_gives_the_value_of_one_more_unit_of_each_item_not_one_less() -> None:
    """S1 (100 t) and S2 (20 t) exactly fill D's 120 t: three quantities bind at once.

    One more t at S1 displaces a t of S2 (35 - 24 = 11); one more t at S2 or wanted by D has
    nowhere to go or nothing to come from (0).  No single dual solution gives all three (S1's
    35 EUR/t margin needs y_S1 + y_D >= 35): highspy 1.16 returned S1's 35, one t *less*.
    """
    p = two_sources(pipe=500.0)
    table = marginal_values(p, solve(p, options=EXACT))
    assert value_of(table, "supply", "S1") == pytest.approx(11.0, abs=1e-6)
    assert value_of(table, "supply", "S2") == pytest.approx(0.0, abs=1e-6)
    assert value_of(table, "demand", "D") == pytest.approx(0.0, abs=1e-6)
    for changes, kind, node in (({"s2": 21.0}, "supply", "S2"), ({"demand": 121.0}, "demand", "D")):
        gain = difference(p, two_sources(pipe=500.0, **changes), Objective.VALORISATION)
        assert gain == pytest.approx(value_of(table, kind, node), abs=1e-6)


def test_converter_capacity_and_must_dispatch_match_finite_differences() -> None:
    """Grinder capped at 100 t/yr of product (60 - 10 EUR/t margin, 1.05 t slag each) and the
    steelworks must dispatch its 200 t (a taker charges 1 EUR/t to take the rest).

    One more t/yr of grinding: 1.05 t less slag sent to the taker: 50 + 1.05 = 51.05 EUR.
    One more t of slag to dispatch: sent to the taker, -1 EUR.
    """

    def grinding(capacity: float = 100.0, slag: float = 200.0) -> Problem:
        return Problem(
            nodes=("steel", "G", "C", "T"),
            commodities=("slag", "ggbs"),
            supplies=(Supply("steel", "slag", slag, must_dispatch=True),),
            demands=(Demand("C", "ggbs", 1000, value=60.0), Demand("T", "slag", 1000, value=-1.0)),
            arcs=(
                Arc("steel", "G", "truck", ("slag",), existing=True),
                Arc("steel", "T", "truck", ("slag",), existing=True),
                Arc("G", "C", "truck", ("ggbs",), existing=True),
            ),
            converters=(
                Converter("grinder", "G", {"slag": 1.05}, {"ggbs": 1.0}, capacity=capacity,
                          variable_cost=10.0),
            ),
        )  # fmt: skip

    base = grinding()
    table = marginal_values(base, solve(base, options=EXACT))
    capacity = table[table["kind"] == "converter_capacity"]
    assert capacity["item"].tolist() == ["grinder"]
    assert float(capacity["value_per_unit"].iloc[0]) == pytest.approx(51.05)
    assert difference(base, grinding(capacity=101.0), Objective.VALORISATION) == pytest.approx(
        51.05
    )
    assert value_of(table, "supply", "steel") == pytest.approx(-1.0)
    assert difference(base, grinding(slag=201.0), Objective.VALORISATION) == pytest.approx(-1.0)


def test_co2_objective_gives_marginal_values_in_t_co2() -> None:
    """Heat saves 0.26 t CO2/MWh; the shared link is full of heat: one more unit of
    capacity avoids 0.26 t more."""
    p = Problem(
        nodes=("H", "X"),
        commodities=("heat", "slag"),
        supplies=(Supply("H", "heat", 200), Supply("H", "slag", 100)),
        demands=(
            Demand("X", "heat", 200, value=20.0, co2=0.26),
            Demand("X", "slag", 100, co2=0.05),
        ),
        arcs=(Arc("H", "X", "link", ("heat", "slag"), capacity=100.0, existing=True),),
    )
    table = marginal_values(p, solve(p, Objective.CO2, EXACT))
    assert set(table["objective"]) == {"co2"}
    link = table[table["kind"] == "arc_capacity"]
    assert float(link["value_per_unit"].iloc[0]) == pytest.approx(0.26)
    more = replace(p, arcs=(replace(p.arcs[0], capacity=101.0),))
    assert difference(p, more, Objective.CO2) == pytest.approx(0.26)


def test_no_solution_gives_an_empty_table() -> None:
    p = two_sources()
    impossible = replace(p, demands=(replace(p.demands[0], must_serve=True, quantity=500.0),))
    r = solve(impossible, options=EXACT)
    assert marginal_values(impossible, r).empty


# -- in the user's units -----------------------------------------------------------------


def test_report_gives_marginal_values_in_the_users_units() -> None:
    """The API's example: the grinder wants 1 Mt/yr of slag at 15 EUR/t and gets it all, by a
    4.7 km truck route at 0.12 EUR/(t km), saving 12 EUR/t of disposal and 0.05 t CO2/t at
    80 EUR/t.  One more t wanted is worth 15 + 12 + 4 - 0.12 x 4.7 km; a step of 10 kt/yr is
    checked by solving again."""
    import copy

    from api.examples import INVENTORY_EXAMPLE
    from symbiose.inventory.io import inventory_from_document
    from symbiose.pipeline import optimise

    def example(grinder: str = "1 Mt/yr") -> object:
        doc = copy.deepcopy(INVENTORY_EXAMPLE)
        doc["demands"][0]["quantity"] = grinder
        return optimise(inventory_from_document(doc), options=EXACT)

    report = example()
    table = report.marginal_values
    row = table[(table["kind"] == "demand") & (table["site_id"] == "grinder")].iloc[0]
    length = float(report.built_links.set_index("to_id").loc["grinder", "length_km"])
    assert row["value_per_unit"] == pytest.approx(15 + 12 + 0.05 * 80 - 0.12 * length, rel=1e-3)
    assert (row["unit"], row["value_unit"], row["step"]) == ("t/yr", "EUR/t", 10_000.0)
    assert row["text"].startswith("10 kt/yr more bf_slag wanted by Slag grinding plant is worth")
    more = example("1.01 Mt/yr")
    gain = more.result.objective - report.result.objective
    assert gain == pytest.approx(row["value_of_step"], rel=1e-6)
    assert "Marginal values (top" in report.render_text()
    assert "marginal_values" in report.to_json()


def test_unbuilt_link_and_unused_supply_are_worth_nothing_more() -> None:
    """Regression: reduced costs of columns at their lower bound were read as marginal values
    (Dunkirk showed "more capacity" on links not built, and negative values of supplies).
    With the truck too dear to build, S2's slag stays unused: one more t is worth 0, and the
    truck's capacity is no binding capacity."""
    p = two_sources()
    truck = replace(p.arcs[1], capacity=50.0, fixed_cost=10_000.0)
    p = replace(p, arcs=(p.arcs[0], truck))
    table = marginal_values(p, solve(p, options=EXACT))
    assert value_of(table, "supply", "S2") == 0.0
    assert difference(p, replace(p, supplies=(p.supplies[0], replace(p.supplies[1], quantity=21.0))),
                      Objective.VALORISATION) == pytest.approx(0.0)  # fmt: skip
    assert table.loc[table["kind"] == "arc_capacity", "item"].tolist() == ["S1->D (pipe)"]


def test_storage_capacity_matches_a_finite_difference() -> None:
    """A 50 MWh heat store, full after summer: one more MWh of room carries 0.9 MWh more to
    winter (50 EUR/MWh) for 10 EUR held: 45 - 10 = 35 EUR."""
    from models.problem import Storage

    def store(capacity: float) -> Problem:
        return Problem(
            nodes=("H", "X"),
            commodities=("heat",),
            slices=(TimeSlice("winter", 0.5), TimeSlice("summer", 0.5)),
            supplies=(Supply("H", "heat", (0.0, 100.0)),),
            demands=(Demand("X", "heat", (80.0, 0.0), value=50.0),),
            arcs=(Arc("H", "X", "pipe", ("heat",), existing=True),),
            storages=(Storage("pit", "H", "heat", capacity, loss=0.1, cost=10.0),),
        )

    table = marginal_values(store(50.0), solve(store(50.0), options=EXACT))
    room = table[table["kind"] == "storage_capacity"]
    assert room["item"].tolist() == ["pit"]
    assert float(room["value_per_unit"].iloc[0]) == pytest.approx(35.0)
    assert difference(store(50.0), store(51.0), Objective.VALORISATION) == pytest.approx(35.0)


def grinder_to_build(fixed_cost: float) -> Problem:
    """A buildable grinder (100 t/yr of product, 10 EUR/t, 1.05 t slag each) between 200 t of
    slag and a cement plant paying 60 EUR/t: built, each t/yr of capacity earns 60 - 10 = 50."""
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
            Converter("grinder", "G", {"slag": 1.05}, {"ggbs": 1.0}, capacity=100.0,
                      variable_cost=10.0, fixed_cost=fixed_cost, existing=False),
        ),
    )  # fmt: skip


def test_an_unbuilt_converter_has_no_capacity_value() -> None:
    """At a fixed cost of 1e6 EUR/yr the grinder is not built: it has no capacity to add to,
    so no value, though the dual of its linking row prices a sliver of it at 50 EUR/yr (the
    issue saw 86.15 EUR/yr reported for such a converter)."""
    unbuilt = grinder_to_build(1e6)
    r = solve(unbuilt, options=EXACT)
    assert r.converters.empty
    assert "converter_capacity" not in set(marginal_values(unbuilt, r)["kind"])
    built = grinder_to_build(100.0)
    table = marginal_values(built, solve(built, options=EXACT))
    capacity = table[table["kind"] == "converter_capacity"]
    assert capacity["value_per_unit"].tolist() == [pytest.approx(50.0)]
    more = replace(built, converters=(replace(built.converters[0], capacity=101.0),))
    assert difference(built, more, Objective.VALORISATION) == pytest.approx(50.0)


def test_a_degenerate_optimum_prices_dunkirks_ecocem_demand_by_one_more_unit() -> None:
    """Dunkirk's optimum is degenerate: HiGHS's dual priced Ecocem's ground slag demand at
    113.42 EUR/t, but one more t wanted earns nothing (re-solving with it gives the same
    optimum).  The value is measured by re-solving a step further."""
    from pathlib import Path

    from symbiose.convert import to_problem
    from symbiose.inventory import load_inventory

    root = Path(__file__).resolve().parents[2]
    p = to_problem(load_inventory(root / "datasets" / "dunkerque" / "dunkerque.yaml"))
    table = marginal_values(p, solve(p, options=EXACT))
    rows = table[(table["kind"] == "demand") & (table["node"] == "ecocem")]
    value = rows.loc[rows["commodity"] == "ground_slag", "value_per_unit"]
    assert value.tolist() == [pytest.approx(0.0, abs=1e-6)]
    i = next(i for i, d in enumerate(p.demands) if (d.node, d.commodity) == ("ecocem", "ground_slag"))
    more = replace(
        p,
        demands=tuple(
            replace(d, quantity=tuple(q + s.share for q, s in zip(d.quantities, p.slices, strict=True)))
            if j == i
            else d
            for j, d in enumerate(p.demands)
        ),
    )
    assert difference(p, more, Objective.VALORISATION) == pytest.approx(0.0, abs=1e-6)
