"""Reports: names, readable units, exports, and the infeasible case with site names."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from models.result import Status
from models.solve import SolveOptions
from symbiose.inventory import parse_inventory
from symbiose.pipeline import optimise
from symbiose.report import Report

BASE = Path(__file__).parents[1] / "inventory" / "malformed" / "base.yaml"
FAST = SolveOptions(time_limit=20, gap=1e-6)


@pytest.fixture(scope="module")
def report() -> Report:
    return optimise(parse_inventory(BASE.read_text(), "yaml"), options=FAST)


def test_flows_use_site_names_and_readable_units(report: Report) -> None:
    flows = report.flows
    slag = flows[flows["commodity"] == "bf_slag"].iloc[0]
    assert (slag["from"], slag["to"]) == ("Steelworks", "Grinder")
    assert slag["readable"] == "1.47 Mt/yr"
    assert slag["unit"] == "t/yr"
    heat = flows[flows["commodity"] == "waste_heat"].iloc[0]
    assert heat["readable"].endswith("GWh/yr")


def test_built_links_have_length_and_cost(report: Report) -> None:
    links = report.built_links
    assert set(links["mode"]) == {"heat_pipe", "truck"}
    assert (links["length_km"] > 0).all()
    heat = links[links["mode"] == "heat_pipe"].iloc[0]
    assert bool(heat["existing"]) and heat["investment_eur"] == 0.0


def test_site_gains_and_commodity_totals(report: Report) -> None:
    gains = report.site_gains.set_index("site_id")
    assert gains.loc["grinder", "delivery_value_eur"] == pytest.approx(1.4e6 * 70)
    assert gains.loc["steel", "disposal_avoided_eur"] == pytest.approx(1.47e6 * 5)
    per = report.commodity_totals.set_index("commodity")
    assert per.loc["ground_slag", "delivered"] == pytest.approx(1.4e6)


def test_summary_is_json_ready(report: Report) -> None:
    doc = json.loads(json.dumps(report.summary()))
    assert doc["status"] == "optimal"
    assert doc["totals"]["valorisation_eur_per_yr"] == pytest.approx(report.result.objective)
    assert {row["commodity"] for row in doc["per_commodity"]} >= {"bf_slag", "waste_heat"}
    assert json.loads(report.to_json())["tables"]["flows"]


def test_geojson_has_sites_and_links(report: Report) -> None:
    geo = report.to_geojson()
    kinds = [f["geometry"]["type"] for f in geo["features"]]
    assert kinds.count("Point") == 4 and kinds.count("LineString") == 2
    json.dumps(geo)


def test_write_every_format(report: Report, tmp_path: Path) -> None:
    files = report.write(tmp_path)
    names = {f.name for f in files}
    assert {
        "flows.csv",
        "built_links.csv",
        "site_gains.csv",
        "report.json",
        "report.xlsx",
        "report.geojson",
    } <= names
    assert len(pd.read_csv(tmp_path / "flows.csv")) == len(report.flows)
    with pytest.raises(ValueError, match="unknown formats"):
        report.write(tmp_path, formats=("pdf",))


def test_terminal_summary_is_short_and_names_things(report: Report) -> None:
    text = report.render_text()
    assert len(text.splitlines()) <= 20
    assert "Valorisation" in text and "CO2 avoided" in text
    assert "Steelworks" in text and "Grinder" in text


def test_infeasible_inventory_reports_shortfalls_with_site_names() -> None:
    doc = yaml.safe_load(BASE.read_text())
    doc["demands"][0]["must_serve"] = True  # 120 GWh wanted, 80 GWh exist
    rep = optimise(parse_inventory(doc, "json"), options=FAST)
    assert rep.result.status is Status.INFEASIBLE
    summary = rep.summary()
    assert summary["shortfalls"]
    assert summary["shortfalls"][0]["site"] == "District heating"
    assert "District heating" in summary["message"]
    assert "District heating" in rep.render_text()
    assert rep.flows.empty and rep.site_gains.empty


def test_every_delivery_is_traced_to_an_exchange_or_a_conversion_never_to_itself() -> None:
    """The grinder both has 0.3 Mt/yr of ground slag (2 EUR/t to dispose of) and wants 1.4
    Mt/yr.  Its own ground slag may not meet its own demand (internal reuse is not an
    exchange): all 1.4 Mt/yr come out of its grinding plant, none from itself."""
    doc = yaml.safe_load(BASE.read_text())
    doc["supplies"].append(
        {"site": "grinder", "commodity": "ground_slag", "quantity": "0.3 Mt/yr",
         "disposal_cost": "2 EUR/t"}
    )  # fmt: skip
    rep = optimise(parse_inventory(doc, "json"), options=FAST)
    slag = rep.commodity_totals.set_index("commodity").loc["ground_slag"]
    assert slag["delivered"] == pytest.approx(1.4e6)
    assert slag["delivered_by_conversion"] == pytest.approx(1.4e6)
    assert slag["delivered_by_exchange"] == 0.0 and slag["internal_reuse"] == 0.0
    assert slag["used"] == 0.0
    assert rep.totals()["internal_reuse_value_eur_per_yr"] == 0.0
    assert "internal reuse: none counted" in rep.render_text()


def test_what_a_link_loses_is_charged_in_the_report() -> None:
    """Waste heat disposed of emits 0.1 t CO2/MWh: what the heat pipe loses on its way to
    the district heating is emitted, and the report says how much."""
    doc = yaml.safe_load(BASE.read_text())
    doc["supplies"][0]["disposal_co2"] = "0.1 t/MWh"
    rep = optimise(parse_inventory(doc, "json"), options=FAST)
    heat = rep.flows[rep.flows["commodity"] == "waste_heat"].iloc[0]
    assert heat["lost"] == pytest.approx(heat["quantity"] - heat["delivered"])
    assert heat["lost"] > 0
    lost_co2 = rep.totals()["lost_co2_t_per_yr"]
    assert lost_co2 == pytest.approx(0.1 * heat["lost"])
    per = rep.commodity_totals.set_index("commodity").loc["waste_heat"]
    assert per["co2_avoided_t"] == pytest.approx(
        0.26 * per["delivered"] + 0.1 * (per["used"] - per["lost"])
    )
    assert "CO2 not avoided" in rep.render_text()
    assert rep.result.recomputed_objective() == pytest.approx(rep.result.objective)


def test_the_report_its_stored_document_and_its_text_carry_the_certificate(
    report: Report,
) -> None:
    from symbiose.document import ResultDocument

    stored = ResultDocument.from_json(report.document().to_json())
    cert = stored.summary["certificate"]
    assert cert["passed"] is True and cert["failures"] == []
    assert cert["max_row_violation"] <= cert["tolerance"] == 1e-6
    assert cert["objective"] == pytest.approx(report.result.objective)
    assert cert["bound"] == pytest.approx(report.result.bound)
    assert "Certificate: passed" in report.render_text()


def test_a_must_serve_demand_beside_its_own_supply_says_the_rule_in_its_infeasibility() -> None:
    """The district heating network wants 120 GWh it must be served and has 200 GWh of its
    own: its own supply never meets its own demand, so the 80 GWh of the steelworks are all it
    can get.  The shortfall says why."""
    doc = yaml.safe_load(BASE.read_text())
    doc["demands"][0]["must_serve"] = True
    doc["supplies"].append(
        {"site": "dh", "commodity": "waste_heat", "quantity": "200 GWh/yr",
         "temperature": "110 degC"}
    )  # fmt: skip
    rep = optimise(parse_inventory(doc, "json"), options=FAST)
    assert rep.result.status is Status.INFEASIBLE
    (first, *_) = rep.summary()["shortfalls"]
    assert first["site"] == "District heating" and first["kind"] == "must_serve"
    assert first["text"].endswith(
        "it both has and wants waste_heat: its own supply never meets its own demand"
        " (rule no_internal_reuse)"
    )
    assert "both has and wants waste_heat" in rep.summary()["message"]
    assert "both has and wants waste_heat" in rep.result.message  # the model's own message
