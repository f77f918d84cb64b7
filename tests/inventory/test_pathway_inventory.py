"""Pathway inventories: periods, since/until, figures by year, scenario probabilities.

Every figure of a period is read by the ordinary conversion, so a mistake is reported where
it is written (``supplies[1].by_year.2030.quantity``) with the years it concerns.
"""

from __future__ import annotations

import math
import textwrap

import pytest

from symbiose.inventory import InventoryError, apply_scenario, dump_workbook, parse_inventory
from symbiose.inventory.io import parse_scenario
from symbiose.pathway import compile_pathway, horizon_end, period_inventory
from symbiose.pipeline import check_pathway

PATHWAY = textwrap.dedent(
    """\
    territory:
      name: Corpus
      carbon_price: 80 EUR/t
      discount_rate: 0.05
      periods: [2026, 2028, 2030]
      horizon_end: 2035
      investment_budget: 30 MEUR
      period_budget: 20 MEUR
      by_year:
        2030: {carbon_price: 120 EUR/t, period_budget: 5 MEUR}
    sites:
      - {id: steel, name: Steelworks, latitude: 51.03, longitude: 2.29}
      - {id: grinder, name: Grinder, latitude: 51.02, longitude: 2.30}
      - {id: eaf, name: Arc furnace, latitude: 51.04, longitude: 2.31, since: 2029}
    supplies:
      - {site: steel, commodity: bf_slag, quantity: 1.8 Mt/yr, disposal_cost: 5 EUR/t,
         until: 2031, by_year: {2028: {quantity: 1.5 Mt/yr}, 2030: {quantity: 0.9 Mt/yr}}}
      - {site: eaf, commodity: steel_slag, quantity: 0.3 Mt/yr}
    demands:
      - {site: grinder, commodity: ground_slag, quantity: 1.4 Mt/yr, price: 70 EUR/t, co2: 0.75}
    modes:
      - {id: truck, mode: truck, commodities: [bf_slag, ground_slag], cost_per_unit_km: 0.12 EUR/(t*km),
         max_distance: 50 km, lifetime: 10 yr}
    converters:
      - {id: grind, site: grinder, inputs: {bf_slag: 1.05}, outputs: {ground_slag: 1},
         capacity: 1.4 Mt/yr, variable_cost: 15 EUR/t}
    """
)


def inventory(text: str = PATHWAY):  # type: ignore[no-untyped-def]
    return parse_inventory(text, "yaml", validate=False)


def refused(text: str) -> list[tuple[str, str]]:
    """The (path, message) pairs a pathway inventory is refused with."""
    with pytest.raises(InventoryError) as info:
        check_pathway(inventory(text))
    return [(i.path(), i.msg) for i in info.value.issues]


def test_a_period_keeps_what_is_there_with_the_figures_of_its_year() -> None:
    inv = inventory()
    early, _, issues = period_inventory(inv, 2026)
    assert not issues
    assert [s.id for s in early.sites] == ["steel", "grinder"]  # the furnace comes in 2029
    assert [s.quantity for s in early.supplies] == ["1.8 Mt/yr"]  # its slag goes with it
    assert early.territory.investment_budget == "20 MEUR"  # the period's budget
    assert early.territory.periods == [] and early.territory.carbon_price == "80 EUR/t"
    mid, _, _ = period_inventory(inv, 2028)
    assert [s.quantity for s in mid.supplies] == ["1.5 Mt/yr"]
    late, _, _ = period_inventory(inv, 2030)
    assert [s.id for s in late.sites] == ["steel", "grinder", "eaf"]
    assert [(s.site, s.quantity) for s in late.supplies] == [
        ("steel", "0.9 Mt/yr"),
        ("eaf", "0.3 Mt/yr"),
    ]
    assert late.territory.carbon_price == "120 EUR/t"
    assert late.territory.investment_budget == "5 MEUR"


def test_a_pathway_converts_to_one_problem_per_period() -> None:
    compiled = check_pathway(inventory())
    pw = compiled.pathway
    assert pw.years == (2026, 2028, 2030) and pw.end == 2035
    assert pw.discount_rate == pytest.approx(0.05)
    assert pw.investment_budget == pytest.approx(30e6)  # the horizon's
    budgets = [q.investment_budget for q in pw.scenarios[0].problems]
    assert budgets == pytest.approx([20e6, 20e6, 5e6])
    prices = [q.carbon_price for q in pw.scenarios[0].problems]
    assert prices == pytest.approx([80.0, 80.0, 120.0])
    slag = [q.supply_of("steel", "bf_slag") for q in pw.scenarios[0].problems]
    assert [sum(s.quantities) for s in slag if s] == pytest.approx([1.8e6, 1.5e6, 0.9e6])
    assert set(pw.arc_lifetime.values()) == {10.0}


def test_a_mistake_in_a_figure_by_year_is_reported_where_it_is_written_with_its_years() -> None:
    got = refused(PATHWAY.replace("{quantity: 0.9 Mt/yr}", "{quantity: 0.9 MWh/yr}"))
    assert got == [
        (
            "supplies[0].by_year.2030.quantity",
            "'0.9 MWh/yr' has the wrong dimension: bf_slag is counted in t/yr (e.g. '1.8 Mt/yr')"
            " (in 2030)",
        )
    ]


def test_a_mistake_in_the_territorys_figures_by_year_is_reported_there() -> None:
    got = refused(PATHWAY.replace("period_budget: 5 MEUR", "period_budget: 5 MWh"))
    assert [p for p, _ in got] == ["territory.by_year.2030.investment_budget"]


def test_a_mistake_in_a_base_figure_is_reported_once_for_every_year() -> None:
    got = refused(PATHWAY.replace("price: 70 EUR/t", "price: 70 EUR/MWh"))
    assert len(got) == 1 and got[0][0] == "demands[0].price"
    assert "(in " not in got[0][1]


def test_by_year_may_set_only_the_figures_of_its_item() -> None:
    text = PATHWAY.replace("{quantity: 1.5 Mt/yr}", "{site: grinder}")
    with pytest.raises(InventoryError) as info:
        inventory(text)
    (issue,) = info.value.issues
    assert issue.path() == "supplies[0]"
    assert "by_year.2028: 'site' is not a figure of this item" in issue.msg


def test_a_year_out_of_range_and_until_before_since_are_refused() -> None:
    with pytest.raises(InventoryError) as info:
        inventory(PATHWAY.replace("since: 2029", "since: 2029, until: 2029"))
    assert "until (2029) must come after since (2029)" in str(info.value)
    with pytest.raises(InventoryError) as info:
        inventory(PATHWAY.replace("2026, 2028, 2030]", "2026, 2028, 20300]"))
    assert "territory.periods[2]" in str(info.value)


def test_periods_must_increase_and_the_horizon_end_after_them() -> None:
    got = refused(PATHWAY.replace("[2026, 2028, 2030]", "[2026, 2030, 2028]"))
    assert got == [("territory.periods", "must increase strictly, got [2026, 2030, 2028]")]
    got = refused(PATHWAY.replace("horizon_end: 2035", "horizon_end: 2030"))
    assert got == [("territory.horizon_end", "must come after the last period (2030), got 2030")]


def test_the_horizon_ends_one_period_length_after_the_last_by_default() -> None:
    t = inventory(PATHWAY.replace("  horizon_end: 2035\n", "")).territory
    assert horizon_end(t) == 2032


def test_a_territory_figure_that_does_not_change_by_year_is_refused() -> None:
    got = refused(PATHWAY.replace("{carbon_price: 120 EUR/t,", "{discount_rate: 0.1,"))
    message = (
        "'discount_rate' does not change by year"
        " (one of: carbon_price, period_budget, period_max_new_links, co2_min) (in 2030)"
    )
    assert ("territory.by_year.2030.discount_rate", message) in got


def scenario(name: str, probability: str | None, change: str = "") -> str:
    p = f"probability: {probability}\n" if probability is not None else ""
    return f"name: {name}\n{p}{change}"


def scenarios(*texts: str):  # type: ignore[no-untyped-def]
    base = inventory()
    out = []
    for text in texts:
        sc = parse_scenario(text, "yaml")
        out.append((sc.name, sc.probability, apply_scenario(base, sc, validate=False)))
    return base, out


def test_scenario_probabilities_are_read_as_fractions_and_must_sum_to_one() -> None:
    base, cases = scenarios(
        scenario("low", "'30 %'"),
        scenario("high", "0.7", "territory: {carbon_price: 150 EUR/t}"),
    )
    pw = check_pathway(base, cases).pathway
    assert [s.probability for s in pw.scenarios] == pytest.approx([0.3, 0.7])
    assert pw.scenarios[1].problems[0].carbon_price == pytest.approx(150.0)
    base, cases = scenarios(scenario("low", "0.3"), scenario("high", "0.6"))
    with pytest.raises(InventoryError, match=r"must sum to 1, got 0.9 \(low 0.3, high 0.6\)"):
        check_pathway(base, cases)
    base, cases = scenarios(scenario("low", "0.3"), scenario("high", None))
    with pytest.raises(InventoryError, match="give every scenario a probability, or none"):
        check_pathway(base, cases)
    base, cases = scenarios(scenario("a", None), scenario("b", None))
    assert [s.probability for s in check_pathway(base, cases).pathway.scenarios] == [0.5, 0.5]


def test_a_scenario_may_change_when_an_item_is_there() -> None:
    base, cases = scenarios(
        scenario("soon", "0.5"),
        scenario("later", "0.5", "update:\n  sites: [{id: eaf, since: 2031}]"),
    )
    pw = check_pathway(base, cases).pathway
    later = pw.scenarios[1].problems[2]
    assert "eaf" not in later.nodes and "eaf" in pw.scenarios[0].problems[2].nodes


def test_a_pathway_too_large_is_refused_before_it_is_converted() -> None:
    from symbiose import pathway

    base, cases = scenarios(*[scenario(f"s{i}", None) for i in range(150)])
    with pytest.raises(InventoryError, match=f"at most {pathway.MAX_BLOCKS}"):
        check_pathway(base, cases)


def test_a_pathway_survives_the_workbook_round_trip() -> None:
    inv = inventory()
    back = parse_inventory(dump_workbook(inv), "xlsx", validate=False)
    assert back == inv


def test_a_static_inventory_with_scenarios_is_one_period() -> None:
    static = PATHWAY.replace("  periods: [2026, 2028, 2030]\n", "")
    base = inventory(static)
    sc = parse_scenario(scenario("a", None), "yaml")
    compiled, issues = compile_pathway(base, [(sc.name, None, apply_scenario(base, sc))])
    assert not issues and compiled is not None
    assert compiled.pathway.periods == 1
    assert math.isclose(compiled.pathway.scenarios[0].probability, 1.0)
