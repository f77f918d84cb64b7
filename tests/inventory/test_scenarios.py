"""Scenarios: overrides applied to a base, the four Dunkirk ones solve, and comparisons."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.result import Status
from models.solve import SolveOptions
from symbiose.compare import compare
from symbiose.convert import to_problem
from symbiose.inventory import (
    InventoryError,
    apply_scenario,
    load_inventory,
    load_scenario,
    parse_scenario,
)
from symbiose.inventory.schema import Inventory
from symbiose.pipeline import optimise
from symbiose.report import Report

HERE = Path(__file__).parents[2] / "datasets" / "dunkerque"
SCENARIOS = ["dri-eaf", "carbon-150", "dk6-stops", "no-co2-hub"]
FAST = SolveOptions(time_limit=20, gap=1e-4)


@pytest.fixture(scope="module")
def base() -> Inventory:
    return load_inventory(HERE / "dunkerque.yaml")


@pytest.fixture(scope="module")
def reports(base: Inventory) -> dict[str, Report]:
    out = {"base": optimise(base, options=FAST)}
    for name in SCENARIOS:
        scenario, base_path = load_scenario(HERE / "scenarios" / f"{name}.yaml")
        assert base_path == (HERE / "dunkerque.yaml").resolve()
        out[name] = optimise(apply_scenario(base, scenario), options=FAST)
    return out


def test_the_four_scenarios_solve(reports: dict[str, Report]) -> None:
    for name, rep in reports.items():
        assert rep.result.status is Status.OPTIMAL, name


def test_scenarios_change_what_they_say(reports: dict[str, Report]) -> None:
    t = {n: r.totals() for n, r in reports.items()}
    assert t["carbon-150"]["carbon_price_eur_per_t"] == 150
    assert t["carbon-150"]["valorisation_eur_per_yr"] > t["base"]["valorisation_eur_per_yr"]
    assert t["dk6-stops"]["valorisation_eur_per_yr"] < t["base"]["valorisation_eur_per_yr"]
    assert t["no-co2-hub"]["co2_avoided_t_per_yr"] < t["base"]["co2_avoided_t_per_yr"]
    slag = {
        n: r.flows.loc[
            (r.flows["commodity"] == "bf_slag") & (r.flows["to_id"] == "ecocem"), "delivered"
        ].sum()
        for n, r in reports.items()
    }
    assert slag["dri-eaf"] < slag["base"]


def test_compare_shows_appearing_and_disappearing_exchanges(
    reports: dict[str, Report], tmp_path: Path
) -> None:
    comparison = compare(reports)
    assert list(comparison.totals.columns) == ["base", *SCENARIOS]
    ex = comparison.exchanges
    dk6 = ex[(ex["to"].str.startswith("DK6")) & (ex["commodity"] == "steelworks_gas")]
    assert dk6["change:dk6-stops"].tolist() == ["disappears"]
    hub = ex[ex["to"].str.startswith("D'Artagnan")]
    assert set(hub["change:no-co2-hub"]) == {"disappears"}
    assert (comparison.changed()["change:dri-eaf"] == "changes").any()
    text = comparison.render_text()
    assert "Valorisation" in text and "disappears" in text
    files = comparison.write_csv(tmp_path)
    assert [f.name for f in files] == ["compare_totals.csv", "compare_exchanges.csv"]


def test_removing_a_site_removes_what_refers_to_it(base: Inventory) -> None:
    scenario = parse_scenario({"name": "x", "remove": {"sites": ["indaver"]}}, "json")
    inv = apply_scenario(base, scenario)
    assert "indaver" not in {s.id for s in inv.sites}
    assert all(s.site != "indaver" for s in inv.supplies)
    assert all("indaver" not in (ln.from_, ln.to) for ln in inv.links)


def test_update_add_and_territory_overrides(base: Inventory) -> None:
    scenario = parse_scenario(
        """
name: tweak
territory: {carbon_price: 100 EUR/t}
update:
  supplies:
    - {site: am_dunkerque, commodity: bf_slag, quantity: 1.0 Mt/yr}
  modes:
    - {id: truck, max_distance: 5 km}
add:
  sites:
    - {id: newco, name: New plant, latitude: 51.04, longitude: 2.27}
  demands:
    - {site: newco, commodity: steel_slag, quantity: 10 kt/yr, price: 12 EUR/t}
remove:
  converters: [slag_processing]
""",
        "yaml",
    )
    inv = apply_scenario(base, scenario)
    problem = to_problem(inv)
    assert problem.carbon_price == 100
    supply = problem.supply_of("am_dunkerque", "bf_slag")
    assert supply is not None and sum(supply.quantity) == pytest.approx(1.0e6)
    assert problem.demand_of("newco", "steel_slag") is not None
    assert "slag_processing" not in {c.name for c in problem.converters}


def test_an_override_that_matches_nothing_is_an_error_with_its_path(base: Inventory) -> None:
    scenario = parse_scenario(
        {"name": "bad", "update": {"supplies": [{"site": "mars", "commodity": "co2", "quantity": 1}]},
         "remove": {"sites": ["atlantis"]}},
        "json",
    )  # fmt: skip
    with pytest.raises(InventoryError) as info:
        apply_scenario(base, scenario)
    paths = [i.path() for i in info.value.issues]
    assert paths == ["update.supplies[0]", "remove.sites[0]"]


def test_an_override_that_breaks_the_inventory_is_reported(base: Inventory) -> None:
    scenario = parse_scenario({"name": "bad", "territory": {"carbon_price": "150 EUR/MWh"}}, "json")
    with pytest.raises(InventoryError) as info:
        apply_scenario(base, scenario)
    assert info.value.issues[0].path() == "territory.carbon_price"
    assert "wrong dimension" in info.value.issues[0].msg


def test_scenario_schema_rejects_unknown_sections() -> None:
    with pytest.raises(InventoryError) as info:
        parse_scenario({"name": "x", "remove": {"plants": ["a"]}}, "json")
    assert info.value.issues[0].loc[:2] == ("remove", "plants")


def removal_issues(base: Inventory, remove: dict) -> list[tuple[str, str]]:
    scenario = parse_scenario({"name": "x", "remove": remove}, "json")
    with pytest.raises(InventoryError) as info:
        apply_scenario(base, scenario)
    return [(i.path(), i.msg) for i in info.value.issues]


def test_removing_supplies_by_site_alone_no_longer_removes_every_supply_of_the_site(
    base: Inventory,
) -> None:
    assert removal_issues(base, {"supplies": [{"site": "indaver"}]}) == [
        (
            "remove.supplies[0]",
            "give 'commodity' too, or commodity: '*' to remove every supply with site 'indaver'",
        )
    ]


def test_a_link_removal_naming_only_its_tail_says_which_fields_to_add(base: Inventory) -> None:
    assert removal_issues(base, {"links": [{"from": "indaver"}]}) == [
        (
            "remove.links[0]",
            "give 'to', 'mode' too, or to: '*', mode: '*' to remove every link with from 'indaver'",
        )
    ]


def test_a_removal_keyed_by_a_field_that_is_no_key_is_an_error(base: Inventory) -> None:
    issues = removal_issues(
        base, {"supplies": [{"site": "indaver", "commodity": "steam", "quantity": "1 t/yr"}]}
    )
    assert issues == [
        ("remove.supplies[0].quantity", "'quantity' does not identify a supply: give only site, commodity")
    ]  # fmt: skip


def test_a_star_commodity_removes_every_supply_of_the_site_and_nothing_else(
    base: Inventory,
) -> None:
    scenario = parse_scenario(
        {"name": "x", "remove": {"supplies": [{"site": "indaver", "commodity": "*"}]}}, "json"
    )
    inv = apply_scenario(base, scenario)
    assert [s for s in inv.supplies if s.site == "indaver"] == []
    assert len(inv.supplies) == len(base.supplies) - sum(s.site == "indaver" for s in base.supplies)
    assert {s.commodity for s in base.supplies if s.site == "indaver"} == {"hcl", "steam"}


def test_the_full_key_removes_one_supply(base: Inventory) -> None:
    scenario = parse_scenario(
        {"name": "x", "remove": {"supplies": [{"site": "indaver", "commodity": "steam"}]}}, "json"
    )
    inv = apply_scenario(base, scenario)
    assert {s.commodity for s in inv.supplies if s.site == "indaver"} == {"hcl"}


def test_a_wildcard_site_removal_takes_what_refers_to_each_removed_site(base: Inventory) -> None:
    scenario = parse_scenario({"name": "x", "remove": {"sites": ["*"]}}, "json")
    inv = apply_scenario(base, scenario)
    assert (inv.sites, inv.supplies, inv.demands, inv.links, inv.converters) == ([], [], [], [], [])


def test_a_workbook_removal_with_a_partial_key_is_an_error_on_its_key_cell() -> None:
    from symbiose.inventory.spreadsheet import overrides_to_scenarios

    header = ["scenario", "action", "section", "key", "field", "value"]
    for key in ("indaver", "indaver/"):
        rows = [header, ["x", "remove", "supplies", key, None, None]]
        scenarios, issues = overrides_to_scenarios(rows)
        assert [(i.path(), i.msg) for i in issues] == [
            (
                "overrides[0].key",
                "give 'commodity' too, or commodity: '*' to remove every supply with site"
                " 'indaver' (here: key 'indaver/*')",
            )
        ]
    rows = [header, ["x", "remove", "supplies", "indaver/*", None, None]]
    scenarios, issues = overrides_to_scenarios(rows)
    assert issues == []
    assert scenarios[0].remove == {"supplies": [{"site": "indaver", "commodity": "*"}]}


def test_a_removal_written_to_the_workbook_keeps_its_key_fields_in_order(base: Inventory) -> None:
    from symbiose.inventory.spreadsheet import inventory_tables, overrides_to_scenarios

    remove = {
        "supplies": [{"commodity": "steam", "site": "indaver"}, {"site": "dk6", "commodity": "*"}]
    }
    scenario = parse_scenario({"name": "x", "remove": remove}, "json")
    rows = inventory_tables(base, [scenario])["overrides"]
    assert [r[3] for r in rows[1:]] == ["indaver/steam", "dk6/*"]
    (back,), issues = overrides_to_scenarios(rows)
    assert issues == []
    assert back.remove == {
        "supplies": [{"site": "indaver", "commodity": "steam"}, {"site": "dk6", "commodity": "*"}]
    }


def test_without_reuze_the_steelworks_pipe_to_the_co2_hub_is_still_a_candidate(
    base: Inventory,
) -> None:
    # the hub's only way on is then the explicit ship link to North Sea storage
    scenario = parse_scenario({"name": "x", "remove": {"converters": ["reuze_synthesis"]}}, "json")
    keys = {a.key for a in to_problem(apply_scenario(base, scenario)).arcs}
    assert ("am_dunkerque", "dartagnan_hub", "co2_pipe") in keys
    assert ("dartagnan_hub", "co2_storage", "co2_ship") in keys
