"""Sweeps: parameters, draws, the per-draw solve and the robust toile (no Dask here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from symbiose.inventory import InventoryError, load_inventory, parse_inventory
from symbiose.inventory.io import dump_document
from symbiose.robust import robust_toile
from symbiose.sweep import (
    Draw,
    SweepError,
    SweepSettings,
    apply_values,
    grid_draws,
    monte_carlo_draws,
    parse_grid,
    parse_parameter,
    solve_draw,
    uncertainties,
)

DUNKERQUE = Path(__file__).resolve().parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"

SMALL = """
territory: {name: Tiny, carbon_price: 0}
sites:
  - {id: a, name: A, latitude: 51.0, longitude: 2.30}
  - {id: b, name: B, latitude: 51.0, longitude: 2.31}
supplies:
  - site: a
    commodity: bf_slag
    quantity: 100 t/yr
    disposal_cost: 10 EUR/t
    uncertainty: {disposal_cost: {range: ["5 EUR/t", "15 EUR/t"]}}
demands:
  - site: b
    commodity: bf_slag
    quantity: 100 t/yr
    price: 20 EUR/t
    uncertainty: {price: {triangular: [10, 20, 40]}}
modes:
  - id: truck
    mode: truck
    commodities: [bf_slag]
    cost_per_unit_km: 0.1 EUR/(t*km)
    annual_cost: 500 EUR/yr
    uncertainty: {annual_cost: {lognormal: {median: 500 EUR/yr, sigma: 0.5}}}
"""


def small() -> dict:
    return dump_document(parse_inventory(SMALL, "yaml"))


# -- parameters ----------------------------------------------------------------------------------
def test_a_territory_field_is_named_alone_or_with_its_section() -> None:
    assert parse_parameter("carbon_price").label == "territory.carbon_price"
    assert parse_parameter("territory.discount_rate").label == "territory.discount_rate"


def test_an_item_field_is_named_by_its_key() -> None:
    p = parse_parameter("supplies[am_dunkerque/co2].handling_cost")
    assert (p.section, p.key, p.field) == ("supplies", ("am_dunkerque", "co2"), "handling_cost")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("supplies[am_dunkerque].handling_cost", "named by site/commodity"),
        ("stuff[x].quantity", "unknown section 'stuff'"),
        ("supplies[a/b].site", "'site' is not a figure"),
        ("territory.sources", "'sources' is not a figure"),
        ("carbon price", "names no figure"),
    ],
)
def test_a_parameter_that_names_no_figure_is_refused(path: str, message: str) -> None:
    with pytest.raises(SweepError, match=message):
        parse_parameter(path)


def test_values_are_written_into_a_copy_of_the_document() -> None:
    doc = small()
    out = apply_values(doc, {"demands[b/bf_slag].price": "30 EUR/t", "carbon_price": 100.0})
    assert out["demands"][0]["price"] == "30 EUR/t"
    assert out["territory"]["carbon_price"] == 100.0
    assert doc["demands"][0]["price"] == "20 EUR/t"


def test_a_value_for_an_item_that_is_not_there_is_refused() -> None:
    with pytest.raises(SweepError, match="no demands item matches 'z/bf_slag'"):
        apply_values(small(), {"demands[z/bf_slag].price": 1.0})


# -- draws ---------------------------------------------------------------------------------------
def test_a_grid_is_every_combination_on_every_base() -> None:
    grid = parse_grid(["carbon_price=50,75", "demands[b/bf_slag].price=10 EUR/t;20 EUR/t"])
    draws = grid_draws(grid, ["base", "dk6-stops"])
    assert len(draws) == 8
    assert [d.index for d in draws] == list(range(8))
    assert draws[1].values == {
        "territory.carbon_price": "50",
        "demands[b/bf_slag].price": "20 EUR/t",
    }
    assert {d.base for d in draws[4:]} == {"dk6-stops"}


def test_grid_values_in_two_units_are_refused() -> None:
    with pytest.raises(SweepError, match="write every value in one unit"):
        grid_draws(parse_grid(["carbon_price=0,200 EUR/t"]))


def test_a_grid_spec_without_values_is_refused() -> None:
    with pytest.raises(SweepError, match="write NAME=V1,V2"):
        parse_grid(["carbon_price"])
    with pytest.raises(SweepError, match="given twice"):
        parse_grid(["carbon_price=1", "territory.carbon_price=2"])


def test_the_declared_uncertainties_are_found_with_their_units() -> None:
    found = {u.parameter.label: u for u in uncertainties(parse_inventory(SMALL, "yaml"))}
    assert found["supplies[a/bf_slag].disposal_cost"].numbers == (5.0, 15.0)
    assert found["supplies[a/bf_slag].disposal_cost"].unit == "EUR/t"
    assert found["demands[b/bf_slag].price"].unit == ""
    assert found["modes[truck].annual_cost"].numbers == (500.0, 0.5)


def test_monte_carlo_draws_are_reproducible_and_do_not_depend_on_the_count() -> None:
    inv = parse_inventory(SMALL, "yaml")
    ten = monte_carlo_draws(inv, 10, seed=7)
    assert ten == monte_carlo_draws(inv, 10, seed=7)
    assert ten[:4] == monte_carlo_draws(inv, 4, seed=7)
    assert ten != monte_carlo_draws(inv, 10, seed=8)


def test_monte_carlo_values_stay_in_their_distribution_and_read_back() -> None:
    inv = parse_inventory(SMALL, "yaml")
    draws = monte_carlo_draws(inv, 200, seed=1)
    cost = [float(d.values["supplies[a/bf_slag].disposal_cost"].split()[0]) for d in draws]
    price = [d.values["demands[b/bf_slag].price"] for d in draws]
    annual = [float(d.values["modes[truck].annual_cost"].split()[0]) for d in draws]
    assert min(cost) >= 5 and max(cost) <= 15
    assert min(price) >= 10 and max(price) <= 40
    assert min(annual) > 0
    assert abs(np.median(annual) / 500 - 1) < 0.15
    # every drawn text is read by the inventory's own grammar
    doc = apply_values(dump_document(inv), draws[0].values)
    parse_inventory(doc)


def test_french_territories_get_draws_written_with_a_decimal_comma() -> None:
    text = SMALL.replace("carbon_price: 0}", "carbon_price: 0, number_format: fr}").replace(
        "0.1 EUR/(t*km)", "0,1 EUR/(t*km)"
    )
    inv = parse_inventory(text, "yaml")
    value = monte_carlo_draws(inv, 1, seed=3)[0].values["supplies[a/bf_slag].disposal_cost"]
    assert "," in value and "." not in value
    parse_inventory(apply_values(dump_document(inv), {"supplies[a/bf_slag].disposal_cost": value}))


def test_an_inventory_without_uncertainty_cannot_be_sampled() -> None:
    doc = small()
    for section in ("supplies", "demands", "modes"):
        for item in doc[section]:
            item.pop("uncertainty")
    inv = parse_inventory(doc)
    with pytest.raises(SweepError, match="no figure declares an uncertainty"):
        monte_carlo_draws(inv, 5, seed=0)


def test_an_uncertainty_on_a_field_the_item_does_not_have_is_refused() -> None:
    bad = SMALL.replace("uncertainty: {price:", "uncertainty: {prize:")
    with pytest.raises(InventoryError) as err:
        parse_inventory(bad, "yaml")
    (issue,) = err.value.issues
    assert issue.path() == "demands[0]"
    assert "'prize' is not a figure of this item" in issue.msg


def test_a_distribution_of_two_kinds_is_refused() -> None:
    bad = SMALL.replace("{range: [", "{triangular: [1, 2, 3], range: [")
    with pytest.raises(InventoryError) as err:
        parse_inventory(bad, "yaml")
    assert "give exactly one of range, triangular or lognormal" in str(err.value)
    assert err.value.issues[0].path().startswith("supplies[0].uncertainty.disposal_cost")


def test_distribution_values_in_two_units_are_refused() -> None:
    bad = SMALL.replace('["5 EUR/t", "15 EUR/t"]', '["5 EUR/t", "15 EUR/kg"]')
    with pytest.raises(SweepError, match="in one unit"):
        uncertainties(parse_inventory(bad, "yaml"))


# -- one draw ------------------------------------------------------------------------------------
def test_a_draw_is_solved_to_the_hand_checked_optimum() -> None:
    # 100 t delivered: value 100 x 20, disposal avoided 100 x 10, truck 100 t x 0.1 x L, 500 fixed
    record = solve_draw(small(), Draw(0, {"carbon_price": 0.0}), SweepSettings())
    assert record["status"] == "optimal"
    ((tail, head, mode, commodity, q, unit),) = record["exchanges"]
    assert (tail, head, mode, commodity, q, unit) == ("a", "b", "truck", "bf_slag", 100.0, "t/yr")
    assert record["valorisation"] == pytest.approx(3000 - 500 - 100 * 0.1 * _length_km(), rel=1e-9)


def _length_km() -> float:
    from symbiose.candidates import great_circle_km

    return great_circle_km(51.0, 2.30, 51.0, 2.31) * 1.3


def test_a_failed_draw_is_a_record_with_its_reason() -> None:
    record = solve_draw(
        small(), Draw(3, {"demands[b/bf_slag].price": "20 EUR/MWh"}), SweepSettings()
    )
    assert record["status"] == "invalid"
    assert record["index"] == 3
    assert "demands[0].price" in record["error"]


def test_an_infeasible_draw_names_the_requirement() -> None:
    doc = small()
    doc["demands"][0]["must_serve"] = True
    record = solve_draw(doc, Draw(0, {"supplies[a/bf_slag].quantity": "50 t/yr"}), SweepSettings())
    assert record["status"] == "infeasible"
    assert "must serve" in record["error"]


# -- the robust toile ----------------------------------------------------------------------------
def _record(i: int, x: float, flows: list[float], status: str = "optimal") -> dict:
    exchanges = [["a", "b", "truck", "bf_slag", q, "t/yr"] for q in flows if q > 0]
    return {
        "index": i,
        "base": "base",
        "values": {"carbon_price": x},
        "numbers": {"territory.carbon_price": [x, ""]},
        "status": status,
        "valorisation": 100.0 * x,
        "co2_avoided": 5.0,
        "exchanges": exchanges,
        "error": None if status == "optimal" else "boom",
    }


def test_the_robust_toile_counts_draws_and_percentiles_by_hand() -> None:
    records = [_record(i, float(i), [0.0 if i < 3 else 10.0 * i]) for i in range(10)]
    records.append(_record(10, 99.0, [], status="error"))
    toile = robust_toile(records, {"a": "Plant A"})
    assert toile.summary["draws"] == 11
    assert toile.summary["solved"] == 10
    assert toile.summary["failed"] == [{"draw": 10, "status": "error", "error": "boom"}]
    (row,) = toile.exchanges.to_dict(orient="records")
    assert row["from"] == "Plant A"
    assert row["share_built"] == pytest.approx(0.7)
    assert row["draws_built"] == 7
    flows = [0, 0, 0, 30, 40, 50, 60, 70, 80, 90]
    assert row["p50"] == pytest.approx(np.percentile(flows, 50))
    assert row["p10"] == pytest.approx(np.percentile(flows, 10))
    assert row["driven_by"] == "territory.carbon_price"
    # ranks 1..10 against flow ranks (2, 2, 2, 4, ..., 10): rho = sqrt(80.5 / 82.5)
    assert row["driver_correlation"] == pytest.approx((80.5 / 82.5) ** 0.5)
    assert toile.summary["valorisation_eur_per_yr"]["p50"] == pytest.approx(450.0)
    (sens,) = toile.sensitivity.to_dict(orient="records")
    assert sens["parameter"] == "territory.carbon_price"
    assert sens["rho_valorisation"] == pytest.approx(1.0)
    assert np.isnan(sens["rho_co2"])  # CO2 avoided does not vary


def test_an_exchange_built_in_every_draw_has_no_driver() -> None:
    records = [_record(i, float(i), [10.0]) for i in range(5)]
    row = robust_toile(records).exchanges.iloc[0]
    assert row["share_built"] == 1.0
    assert row["driven_by"] == ""


# -- the command line ----------------------------------------------------------------------------
def test_sweep_command_writes_the_robust_toile(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(SMALL)
    out = tmp_path / "out"
    code = main(
        [
            "sweep",
            str(path),
            "--draws",
            "6",
            "--seed",
            "2",
            "--workers",
            "0",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "Sweep: 6 of 6 draws solved" in text
    assert "Valorisation P10 / P50 / P90" in text
    names = {p.name for p in out.iterdir()}
    assert {
        "draws.csv",
        "exchanges.csv",
        "sensitivity.csv",
        "sweep.xlsx",
        "summary.json",
        "sweep.png",
    } <= names


def test_sweep_command_over_a_grid_of_carbon_prices(capsys: pytest.CaptureFixture) -> None:
    code = main(
        ["sweep", str(DUNKERQUE), "--grid", "carbon_price=0,150", "--workers", "0", "--quiet"]
    )
    assert code == 0
    assert "Sweep: 2 of 2 draws solved" in capsys.readouterr().out


def test_sweep_command_with_nothing_to_sweep_says_so(capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", str(DUNKERQUE), "--workers", "0"]) == 2
    assert "nothing to sweep" in capsys.readouterr().err


def test_sweep_command_names_a_bad_parameter(capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", str(DUNKERQUE), "--grid", "carbon price=1", "--workers", "0"]) == 2
    assert "names no figure" in capsys.readouterr().err


def test_dunkerque_declares_distributions_for_its_co2_estimates() -> None:
    labels = {u.parameter.label for u in uncertainties(load_inventory(DUNKERQUE))}
    assert {
        "territory.discount_rate",
        "supplies[am_dunkerque/co2].handling_cost",
        "demands[co2_storage/co2].price",
        "modes[co2_ship].investment",
    } <= labels
