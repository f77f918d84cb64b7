"""The Dunkirk dataset: real sites, sourced figures, and an optimum that makes sense."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.result import Status
from models.solve import SolveOptions
from symbiose.inventory.schema import Inventory
from symbiose.report import Report

DATASET = Path(__file__).parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"
FAST = SolveOptions(time_limit=20, gap=1e-4)
FIGURES = {
    "quantity", "price", "co2", "disposal_cost", "disposal_co2", "handling_cost", "temperature",
    "min_temperature", "density", "minimum", "capacity", "investment", "investment_per_km",
    "cost_per_unit_km", "cost_per_unit", "co2_per_unit_km", "loss_per_km", "fixed_om",
    "variable_cost", "carbon_price",
}  # fmt: skip


@pytest.fixture
def inventory(dunkirk_inventory: Inventory) -> Inventory:
    return dunkirk_inventory


@pytest.fixture
def report(dunkirk_report: Report) -> Report:
    return dunkirk_report


def test_at_least_15_real_sites_with_the_named_ones(inventory: Inventory) -> None:
    ids = {s.id for s in inventory.sites}
    assert len(ids) >= 15
    for needed in (
        "am_dunkerque", "dh_dunkerque", "ecocem", "dk6", "port_dredging", "h2v", "reuze",
        "dartagnan_hub", "aluminium_dunkerque", "gravelines", "aquanord", "indaver", "ecophos",
        "nord_metha",
    ):  # fmt: skip
        assert needed in ids


def test_every_figure_has_its_source_beside_it(inventory: Inventory) -> None:
    items = [inventory.territory, *inventory.supplies, *inventory.demands, *inventory.modes,
             *inventory.converters]  # fmt: skip
    missing = []
    for item in items:
        for name in item.model_fields_set & FIGURES:
            if name not in item.sources:
                missing.append(
                    f"{type(item).__name__} {getattr(item, 'site', getattr(item, 'id', ''))}.{name}"
                )
        # an estimate is flagged in the text of its source too
        for name in item.estimates:
            assert name in type(item).model_fields, name
    assert not missing, missing


def test_the_optimum_is_proven(report: Report) -> None:
    # (how fast is measured by benchmarks, never asserted: the machines are shared)
    assert report.result.status is Status.OPTIMAL
    assert report.result.gap is not None and report.result.gap <= 1e-6


def test_slag_goes_to_the_grinder(report: Report) -> None:
    flows = report.flows
    slag = flows[(flows["commodity"] == "bf_slag") & (flows["to_id"] == "ecocem")]
    assert slag["from_id"].tolist() == ["am_dunkerque"]
    assert slag["delivered"].sum() > 1.0e6  # t/yr
    ggbs = report.converters.set_index("converter").loc["ecocem_grinding", "output"]
    assert ggbs == pytest.approx(1.4e6, rel=1e-6)


def test_the_district_heating_network_receives_steelworks_heat(report: Report) -> None:
    flows = report.flows
    heat = flows[(flows["commodity"] == "waste_heat") & (flows["from_id"] == "am_dunkerque")]
    assert "dh_dunkerque" in set(heat["to_id"])
    assert heat.loc[heat["to_id"] == "dh_dunkerque", "delivered"].sum() > 75_000  # MWh/yr


def test_cold_heat_is_not_sent_to_district_heating(report: Report) -> None:
    flows = report.flows
    cold = flows[
        (flows["commodity"] == "waste_heat")
        & flows["from_id"].isin(["gravelines", "aluminium_dunkerque"])
    ]
    assert not set(cold["to_id"]) & {"dh_dunkerque", "dh_grande_synthe"}
    assert "aquanord" in set(cold["to_id"])


def test_dk6_burns_the_steelworks_gases_and_sediments_are_valorised(report: Report) -> None:
    flows = report.flows
    assert ((flows["to_id"] == "dk6") & (flows["commodity"] == "steelworks_gas")).any()
    assert ((flows["from_id"] == "port_dredging") & (flows["commodity"] == "sediments")).any()
    assert (flows["commodity"] == "aggregates").any()


def test_totals_are_positive_and_recomputable(report: Report) -> None:
    totals = report.totals()
    assert totals["valorisation_eur_per_yr"] > 0
    assert totals["co2_avoided_t_per_yr"] > 1e6
    recomputed = report.result.recomputed_totals()
    assert recomputed["valorisation"] == pytest.approx(
        report.result.totals["valorisation"], rel=1e-6
    )
