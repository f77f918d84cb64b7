"""Units at the boundary: conversions to canonical units give the same problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from models.solve import SolveOptions
from symbiose.convert import to_problem
from symbiose.inventory import InventoryError, parse_inventory
from symbiose.pipeline import optimise
from symbiose.units import UnitProblem, to_unit

BASE = Path(__file__).parent / "malformed" / "base.yaml"
FAST = SolveOptions(time_limit=20, gap=1e-6)


def base_doc() -> dict:
    import yaml

    return yaml.safe_load(BASE.read_text())


def test_kilotonnes_are_thousands_of_tonnes_not_knots() -> None:
    assert to_unit("9.1 kt/yr", "t/yr") == pytest.approx(9100.0)
    assert to_unit("9100 t/yr", "t/yr") == pytest.approx(9100.0)
    assert to_unit("1.8 Mt/yr", "t/yr") == pytest.approx(1.8e6)


def test_energy_rates_convert_to_mwh_per_year() -> None:
    assert to_unit("80 GWh/yr", "MWh/yr") == pytest.approx(80000.0)
    assert to_unit("1 TWh/yr", "MWh/yr") == pytest.approx(1e6)


def test_prices_and_factors_convert() -> None:
    assert to_unit("5 EUR/kg", "EUR/t") == pytest.approx(5000.0)
    assert to_unit("1.2 MEUR/km", "EUR/km") == pytest.approx(1.2e6)
    assert to_unit("95 g/(t*km)", "t/(t*km)") == pytest.approx(95e-6)
    assert to_unit("0.234 kg/kWh", "t/MWh") == pytest.approx(0.234)
    assert to_unit("0.5 %/km", "1/km") == pytest.approx(0.005)
    assert to_unit("383.15 K", "degC", allow_negative=True) == pytest.approx(110.0)


def test_numbers_are_taken_in_the_canonical_unit() -> None:
    assert to_unit(42, "t/yr") == 42.0
    assert to_unit("42", "t/yr") == 42.0


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("3 t", "wrong dimension"),
        ("3 bananas", "unknown unit"),
        ("-1 t/yr", "negative"),
        (True, "number"),
    ],
)
def test_bad_values_name_the_problem(value: object, fragment: str) -> None:
    with pytest.raises(UnitProblem, match=fragment):
        to_unit(value, "t/yr")


def test_80_gwh_and_80000_mwh_give_the_same_problem() -> None:
    a, b = base_doc(), base_doc()
    a["supplies"][0]["quantity"] = "80 GWh/yr"
    b["supplies"][0]["quantity"] = "80000 MWh/yr"
    pa, pb = to_problem(parse_inventory(a, "json")), to_problem(parse_inventory(b, "json"))
    assert pa == pb


def test_kilotonnes_and_tonnes_give_the_same_optimum() -> None:
    a, b = base_doc(), base_doc()
    a["supplies"][1]["quantity"] = "9.1 kt/yr"
    b["supplies"][1]["quantity"] = "9100 t/yr"
    ra = optimise(parse_inventory(a, "json"), options=FAST)
    rb = optimise(parse_inventory(b, "json"), options=FAST)
    assert ra.result.objective == pytest.approx(rb.result.objective, rel=1e-9)
    assert to_problem(parse_inventory(a, "json")).supplies[1].quantity == pytest.approx(
        (4550.0, 4550.0)
    )


def test_volume_with_density_becomes_mass() -> None:
    doc = base_doc()
    doc["supplies"].append(
        {
            "site": "steel",
            "commodity": "sediments",
            "quantity": "5e6 m**3/yr",
            "density": "1.5 t/m**3",
        }
    )
    problem = to_problem(parse_inventory(doc, "json"))
    supply = problem.supply_of("steel", "sediments")
    assert supply is not None
    assert sum(supply.quantity) == pytest.approx(7.5e6)


def test_volume_price_is_read_per_tonne_through_the_density() -> None:
    doc = base_doc()
    doc["supplies"].append(
        {
            "site": "steel",
            "commodity": "sediments",
            "quantity": "1000 t/yr",
            "density": "2 t/m**3",
            "disposal_cost": "30 EUR/m**3",
        }
    )
    supply = to_problem(parse_inventory(doc, "json")).supply_of("steel", "sediments")
    assert supply is not None and supply.disposal_cost == pytest.approx(15.0)


def test_seasonal_profile_keeps_the_annual_total() -> None:
    problem = to_problem(parse_inventory(base_doc(), "json"))
    demand = problem.demand_of("dh", "waste_heat")
    assert demand is not None
    assert demand.quantity == pytest.approx((96000.0, 24000.0))
    assert sum(demand.quantity) == pytest.approx(120000.0)


def test_annualised_investment_uses_the_discount_rate() -> None:
    doc = base_doc()
    doc["links"] = []
    doc["territory"]["discount_rate"] = 0.0
    arcs = {a.key: a for a in to_problem(parse_inventory(doc, "json")).arcs}
    zero = arcs[("steel", "dh", "heat_pipe")].fixed_cost
    doc2 = copy.deepcopy(doc)
    doc2["territory"]["discount_rate"] = 0.05
    arcs2 = {a.key: a for a in to_problem(parse_inventory(doc2, "json")).arcs}
    five = arcs2[("steel", "dh", "heat_pipe")].fixed_cost
    # 30 years: straight line at 0 %, capital recovery factor 0.0651 at 5 %
    assert five / zero == pytest.approx(0.05 / (1 - 1.05**-30) * 30, rel=1e-9)


def test_wrong_dimension_is_an_inventory_error_with_path() -> None:
    doc = base_doc()
    doc["modes"][1]["cost_per_unit_km"] = "0.12 EUR/km"
    with pytest.raises(InventoryError) as info:
        parse_inventory(doc, "json")
    assert info.value.issues[0].path() == "modes[1].cost_per_unit_km"
