"""Pathway and stochastic runs are runs like any other: queued, followed, cancelled, stored.

A pathway run optimises an inventory that declares periods; a stochastic run solves scenarios
of an inventory together (``scenario_ids``, ``probabilities``).  Their results are stored
documents with the schedule, the periods and the scenarios; a member sees the schedule of its
own links only.
"""

from __future__ import annotations

import copy
import io
import json
import time
from typing import Any

import pandas as pd
from support.service import Keys, Live, create_inventory, wait_for

from api.db import RunRow
from symbiose.synthetic import synthetic_inventory

PATHWAY: dict[str, Any] = {
    "territory": {
        "name": "Pathtown",
        "carbon_price": "80 EUR/t",
        "periods": [2026, 2030],
        "horizon_end": 2034,
    },
    "sites": [
        {"id": "steelworks", "name": "Steelworks", "sector": "steel", "latitude": 51.03,
         "longitude": 2.3},
        {"id": "grinder", "name": "Slag grinding plant", "sector": "cement", "latitude": 51.05,
         "longitude": 2.34},
        {"id": "heating", "name": "District heating", "sector": "energy", "latitude": 51.04,
         "longitude": 2.37, "since": 2030},
    ],
    "supplies": [
        {"site": "steelworks", "commodity": "bf_slag", "quantity": "1.234 Mt/yr",
         "disposal_cost": "12.3 EUR/t", "by_year": {"2030": {"quantity": "0.6 Mt/yr"}}},
        {"site": "steelworks", "commodity": "waste_heat", "quantity": "151.7 GWh/yr",
         "temperature": "120 degC"},
    ],
    "demands": [
        {"site": "grinder", "commodity": "bf_slag", "quantity": "0.987 Mt/yr",
         "price": "15.1 EUR/t", "co2": "0.05 t/t"},
        {"site": "heating", "commodity": "waste_heat", "quantity": "97.3 GWh/yr",
         "min_temperature": "90 degC", "price": "31.7 EUR/MWh", "co2": "0.2 t/MWh"},
    ],
    "modes": [
        {"id": "truck", "mode": "truck", "commodities": ["bf_slag"],
         "cost_per_unit_km": "0.12 EUR/(t*km)", "max_distance": "50 km"},
        {"id": "heat_pipe", "mode": "pipeline", "commodities": ["waste_heat"],
         "investment_per_km": "1.5 MEUR/km", "lifetime": 30, "capacity": "300 GWh/yr",
         "loss_per_km": "0.5 %/km", "max_distance": "20 km"},
    ],
}  # fmt: skip


def pathway_run(live: Live, keys: Keys, body: dict[str, Any] | None = None) -> dict[str, Any]:
    c = live.client
    inventory = create_inventory(c, keys, copy.deepcopy(PATHWAY))
    r = c.post("/v1/runs", json={"inventory_id": inventory["id"], **(body or {})},
               headers=keys.coordinator)  # fmt: skip
    assert r.status_code == 202, r.text
    done = wait_for(c, r.json()["id"], keys.coordinator)
    assert done["state"] == "finished", done
    return done


def test_a_pathway_run_stores_its_schedule_periods_and_map(live: Live, keys: Keys) -> None:
    c = live.client
    run = pathway_run(live, keys)
    doc = c.get(f"/v1/runs/{run['id']}/result", headers=keys.viewer).json()
    assert doc["kind"] == "pathway" and doc["years"] == [2026, 2030]
    schedule = doc["tables"]["schedule"]
    pipe = [row for row in schedule if row["mode"] == "heat_pipe"]
    assert [row["year"] for row in pipe] == [2030]  # the network is there from 2030 only
    periods = doc["tables"]["periods"]
    assert [p["year"] for p in periods] == [2026, 2030]
    csv = c.get(f"/v1/runs/{run['id']}/result/schedule?format=csv", headers=keys.viewer)
    assert csv.status_code == 200 and "heat_pipe" in csv.text
    book = c.get(f"/v1/runs/{run['id']}/result.xlsx", headers=keys.viewer)
    sheets = pd.read_excel(io.BytesIO(book.content), sheet_name=None)
    assert {"schedule", "periods", "scenarios", "flows"} <= set(sheets)
    geo = c.get(f"/v1/runs/{run['id']}/result.geojson", headers=keys.viewer).json()
    tagged = {(f["properties"]["scenario"], f["properties"]["year"]) for f in geo["features"]}
    assert tagged == {("base", 2026), ("base", 2030)}
    missing = c.get(f"/v1/runs/{run['id']}/result/site_gains", headers=keys.viewer)
    assert missing.status_code == 404 and "schedule" in missing.text
    candidates = c.get(f"/v1/runs/{run['id']}/candidates.geojson", headers=keys.viewer)
    assert candidates.status_code == 200
    assert any(f["properties"]["built"] for f in candidates.json()["features"])

    def sankey_links(year: int) -> int:
        r = c.get(f"/v1/runs/{run['id']}/sankey?scenario=base&year={year}", headers=keys.viewer)
        assert r.status_code == 200, r.text
        return len(r.json()["links"])

    assert sankey_links(2030) > sankey_links(2026)  # the heating network takes heat from 2030


def scenario(live: Live, keys: Keys, inventory_id: str, name: str, **changes: Any) -> str:
    r = live.client.post(
        "/v1/scenarios", json={"name": name, "inventory_id": inventory_id, **changes},
        headers=keys.coordinator,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_scenarios_solved_together_report_regrets_evpi_and_vss(live: Live, keys: Keys) -> None:
    c = live.client
    inventory = create_inventory(c, keys, copy.deepcopy(PATHWAY))
    ids = [
        scenario(live, keys, inventory["id"], "heat-comes"),
        scenario(live, keys, inventory["id"], "no-heat", remove={"sites": ["heating"]}),
    ]
    bad = c.post("/v1/runs", json={"inventory_id": inventory["id"], "scenario_ids": ids,
                                   "probabilities": [0.5, 0.4]}, headers=keys.coordinator)  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert "must sum to 1" in bad.text and "scenario.probability" in bad.text
    r = c.post("/v1/runs", json={"inventory_id": inventory["id"], "scenario_ids": ids,
                                 "probabilities": [0.7, 0.3]}, headers=keys.coordinator)  # fmt: skip
    assert r.status_code == 202, r.text
    done = wait_for(c, r.json()["id"], keys.coordinator)
    assert done["state"] == "finished", done
    doc = c.get(f"/v1/runs/{done['id']}/result", headers=keys.viewer).json()
    assert doc["scenario_names"] == ["heat-comes", "no-heat"]
    assert doc["probabilities"] == [0.7, 0.3]
    assert set(doc["measures"]) >= {"evpi", "vss", "wait_and_see", "expected_value"}
    rows = {row["scenario"]: row for row in doc["tables"]["scenarios"]}
    assert rows["no-heat"]["regret"] >= -1e-6 and rows["heat-comes"]["own_optimum"] is not None


def test_a_member_sees_the_schedule_of_its_own_links_only(live: Live, keys: Keys) -> None:
    from api.keys import create_key

    c = live.client
    run = pathway_run(live, keys)
    with live.services.sessions() as session:
        member = create_key(session, keys.territory, "member", site="grinder")
    headers = {"Authorization": f"Bearer {member.secret}"}
    doc = c.get(f"/v1/runs/{run['id']}/result", headers=headers).json()
    schedule = doc["tables"]["schedule"]
    assert all("grinder" in (row["from_id"], row["to_id"], row["site_id"]) for row in schedule)
    text = json.dumps(doc) + c.get(f"/v1/runs/{run['id']}/result.geojson", headers=headers).text
    text += c.get(f"/v1/runs/{run['id']}/result/schedule?format=csv", headers=headers).text
    for secret in ("heating", "District heating", "97.3", "151.7"):
        assert secret not in text, secret
    assert [p["year"] for p in doc["tables"]["periods"]] == [2026, 2030]  # territory totals


def test_a_pathway_run_can_be_cancelled(live: Live, keys: Keys) -> None:
    c = live.client
    slow = synthetic_inventory(15, 15, seed=3)
    slow["territory"]["periods"] = [2026, 2028, 2030]
    inventory = create_inventory(c, keys, slow)
    run = c.post("/v1/runs", json={"inventory_id": inventory["id"]}, headers=keys.coordinator)
    assert run.status_code == 202, run.text
    deadline = time.monotonic() + 60
    state = run.json()
    while state["state"] == "queued":
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
        state = c.get(f"/v1/runs/{state['id']}", headers=keys.viewer).json()
    r = c.post(f"/v1/runs/{state['id']}/cancel", headers=keys.coordinator)
    if r.status_code == 202:
        done = wait_for(c, state["id"], keys.viewer, timeout=90)
        assert done["state"] in ("cancelled", "finished"), done
    else:  # it finished before the cancel reached it
        assert r.status_code == 409, r.text
    with live.services.sessions() as session:
        assert session.get(RunRow, state["id"]).state in ("cancelled", "finished")
