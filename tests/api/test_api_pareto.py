"""The service's own Pareto front (POST / GET /v1/pareto), the Sankey by zone, the boundary file.

The front is a run series by the epsilon-constraint method: the two ends, then one run per CO2
floor between them, each maximising valorisation with the planner's ``co2_min``.  The inventory
here has a real trade-off: the steelworks' heat is worth more to the district heating network,
but avoids more CO2 at the greenhouse.
"""

from __future__ import annotations

import copy
import json
import time

from fastapi.testclient import TestClient
from support.service import (
    Keys,
    Live,
    create_inventory,
    small_inventory,
    wait_for,
)

from api.web.zones import OUTSIDE, zone_of
from symbiose.front import epsilon_targets


def trade_off_inventory() -> dict:
    """Heat for two takers: the heating network pays more, the greenhouse avoids more CO2."""
    inv = small_inventory("Tradeville", carbon_price="0 EUR/t")
    inv = copy.deepcopy(inv)
    inv["sites"].append(
        {"id": "greenhouse", "name": "Greenhouse", "sector": "farming", "latitude": 51.035, "longitude": 2.31}
    )
    inv["demands"].append(
        {"site": "greenhouse", "commodity": "waste_heat", "quantity": "100 GWh/yr",
         "min_temperature": "60 degC", "price": "10 EUR/MWh", "co2": "0.3 t/MWh"}
    )  # fmt: skip
    return inv


def wait_front(client: TestClient, path: str, headers: dict, timeout: float = 120) -> dict:
    """Poll GET /v1/pareto until no point is left to queue or to solve."""
    deadline = time.monotonic() + timeout
    while True:
        front = client.get(path, headers=headers).json()
        over = all(p["state"] in ("finished", "failed", "cancelled") for p in front["points"])
        if not front["computing"] and over and front["points"]:
            return front
        assert time.monotonic() < deadline, front
        time.sleep(0.3)


def test_the_service_computes_the_front_by_epsilon_constraint_runs(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys, trade_off_inventory())
    started = c.post("/v1/pareto", json={"inventory_id": inv["id"], "points": 4}, headers=keys.coordinator)
    assert started.status_code == 202, started.text
    roles = [p["role"] for p in started.json()["points"]]
    assert roles == ["valorisation", "co2"]  # the ends are queued at once
    path = f"/v1/pareto?inventory_id={inv['id']}&version=1"
    front = wait_front(c, path, keys.viewer)
    points = front["points"]
    assert [p["role"] for p in points] == ["valorisation", "co2", "epsilon", "epsilon", "epsilon"]
    assert all(p["state"] == "finished" for p in points), points
    best, greenest = points[0], points[1]
    low, high = best["co2_avoided_t_per_yr"], greenest["co2_avoided_t_per_yr"]
    assert high > low + 5000  # a real trade-off: the heat goes to the greenhouse first
    floors = [p["epsilon"] for p in points[2:]]
    assert floors == sorted(floors) and floors == epsilon_targets(low, high, 4)
    for p in points[2:]:
        assert p["co2_avoided_t_per_yr"] >= p["epsilon"] - 1e-3
        assert p["valorisation_eur_per_yr"] <= best["valorisation_eur_per_yr"] + 1e-3
    values = [p["valorisation_eur_per_yr"] for p in points[2:]]
    assert values == sorted(values, reverse=True)  # more CO2 costs valorisation
    assert points[-1]["co2_avoided_t_per_yr"] >= high * (1 - 1e-5)
    # an epsilon point is an ordinary run: its toile is read like any other
    geojson = c.get(f"/v1/runs/{points[-1]['run_id']}/result.geojson", headers=keys.viewer)
    assert geojson.status_code == 200
    assert any(f["properties"].get("kind") == "site" for f in json.loads(geojson.text)["features"])


def test_posting_the_front_again_queues_no_point_twice(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys, trade_off_inventory())
    body = {"inventory_id": inv["id"], "points": 3}
    assert c.post("/v1/pareto", json=body, headers=keys.coordinator).status_code == 202
    path = f"/v1/pareto?inventory_id={inv['id']}"
    first = wait_front(c, path, keys.coordinator)
    again = c.post("/v1/pareto", json=body, headers=keys.coordinator)
    assert again.status_code == 202
    second = wait_front(c, path, keys.coordinator)
    assert [p["run_id"] for p in second["points"]] == [p["run_id"] for p in first["points"]]
    assert len(second["points"]) == 4  # two ends and two floors


def test_a_front_of_an_inventory_without_a_trade_off_has_one_valorisation(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    assert c.post("/v1/pareto", json={"inventory_id": inv["id"], "points": 3}, headers=keys.coordinator).status_code == 202
    front = wait_front(c, f"/v1/pareto?inventory_id={inv['id']}", keys.coordinator)
    values = {round(p["valorisation_eur_per_yr"], 3) for p in front["points"]}
    assert len(values) == 1, front


def test_the_front_routes_name_their_mistakes(live: Live, keys: Keys, other: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    both = c.post("/v1/pareto", json={"inventory_id": inv["id"], "scenario_id": "x"}, headers=keys.coordinator)
    assert both.status_code == 422 and "exactly one of inventory_id and scenario_id" in both.text
    few = c.post("/v1/pareto", json={"inventory_id": inv["id"], "points": 1}, headers=keys.coordinator)
    assert few.status_code == 422
    assert any(e["path"].endswith("points") for e in few.json()["errors"]), few.json()
    long = c.post("/v1/pareto", json={"inventory_id": inv["id"], "time_limit": 1e9}, headers=keys.coordinator)
    assert long.status_code == 422 and "time_limit" in long.text
    assert c.post("/v1/pareto", json={"inventory_id": inv["id"]}, headers=keys.viewer).status_code == 403
    assert c.get(f"/v1/pareto?inventory_id={inv['id']}", headers=other.coordinator).status_code == 404
    assert c.post("/v1/pareto", json={"inventory_id": inv["id"]}, headers=other.coordinator).status_code == 404
    neither = c.get("/v1/pareto", headers=keys.viewer)
    assert neither.status_code == 422 and "exactly one" in neither.text
    assert c.get(f"/v1/pareto?inventory_id={inv['id']}", headers=keys.viewer).json()["points"] == []


def test_the_sankey_grouped_by_zone_has_a_node_per_canton(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    run = c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=keys.coordinator).json()
    assert wait_for(c, run["id"], keys.coordinator)["state"] == "finished"
    sankey = c.get(f"/v1/runs/{run['id']}/sankey?group=zone", headers=keys.viewer).json()
    assert sankey["grouping"] == "zone"
    zones = {n["label"] for n in sankey["nodes"] if n["kind"] == "zone"}
    # steelworks (2.30, 51.03) and the grinder (2.34, 51.05) and heating (2.37, 51.04)
    assert zones == {zone_of(2.3, 51.03), zone_of(2.34, 51.05), zone_of(2.37, 51.04)}
    assert OUTSIDE not in zones
    bad = c.get(f"/v1/runs/{run['id']}/sankey?group=canton", headers=keys.viewer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "group"


def test_sites_take_the_canton_that_holds_them_or_are_outside_the_region() -> None:
    assert zone_of(2.262, 51.036) == "Grande-Synthe"  # ArcelorMittal Dunkerque
    assert zone_of(2.368, 51.033) == "Dunkerque-1"
    assert zone_of(4.87, 60.555) == OUTSIDE  # the CO2 store off Norway
    assert zone_of(2.35, 48.85) == OUTSIDE  # Paris


def test_the_boundary_file_is_served_with_its_licence(live: Live) -> None:
    c = live.client
    data = c.get("/ui/geo/hauts-de-france.geo.json")
    assert data.status_code == 200
    levels = [f["properties"]["level"] for f in data.json()["features"]]
    assert levels.count("region") == 1 and levels.count("departement") == 5 and levels.count("canton") > 100
    licence = c.get("/ui/geo/LICENCE.md")
    assert licence.status_code == 200 and "Licence Ouverte" in licence.text
