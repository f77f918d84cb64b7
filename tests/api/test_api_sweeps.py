"""Sweeps through the API: planned and checked at creation, run apart, progress, robust toile."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.service import (
    Keys,
    Live,
    create_inventory,
    small_inventory,
    wait_for,
)


def wait_for_sweep(client: TestClient, sweep_id: str, headers: dict) -> dict:
    return wait_for(client, sweep_id, headers, timeout=120, kind="sweeps")


def uncertain_inventory() -> dict:
    inv = small_inventory()
    inv["supplies"][0]["uncertainty"] = {"disposal_cost": {"range": ["5 EUR/t", "20 EUR/t"]}}
    return inv


def test_a_grid_sweep_runs_and_reports_its_robust_toile(live: Live, keys: Keys) -> None:
    client = live.client
    inv = create_inventory(client, keys)
    body = {"inventory_id": inv["id"], "grid": {"carbon_price": ["0 EUR/t", "200 EUR/t"]}}
    r = client.post("/v1/sweeps", json=body, headers=keys.coordinator)
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/v1/sweeps/{r.json()['id']}"
    assert r.json()["total"] == 2
    done = wait_for_sweep(client, r.json()["id"], keys.viewer)
    assert done["state"] == "finished", done
    assert (done["done"], done["failed"]) == (2, 0)
    assert done["summary"]["solved"] == 2
    draws = client.get(done["links"]["draws"], headers=keys.viewer).json()
    assert [d["territory.carbon_price (EUR/t)"] for d in draws] == [0.0, 200.0]
    assert draws[1]["valorisation_eur_per_yr"] > draws[0]["valorisation_eur_per_yr"]
    exchanges = client.get(done["links"]["exchanges"], headers=keys.viewer).json()
    slag = next(e for e in exchanges if e["commodity"] == "bf_slag")
    assert slag["share_built"] == 1.0
    assert slag["from"] == "Steelworks"
    csv = client.get(done["links"]["exchanges"] + "?format=csv", headers=keys.viewer)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "share_built" in csv.text.splitlines()[0]


def test_monte_carlo_draws_of_the_declared_uncertainties(live: Live, keys: Keys) -> None:
    client = live.client
    inv = create_inventory(client, keys, uncertain_inventory())
    body = {"inventory_id": inv["id"], "draws": 5, "seed": 3}
    r = client.post("/v1/sweeps", json=body, headers=keys.coordinator)
    assert r.status_code == 202, r.text
    done = wait_for_sweep(client, r.json()["id"], keys.coordinator)
    assert done["state"] == "finished", done
    draws = client.get(done["links"]["draws"], headers=keys.coordinator).json()
    costs = [d["supplies[steelworks/bf_slag].disposal_cost (EUR/t)"] for d in draws]
    assert len(costs) == 5 and all(5 <= c <= 20 for c in costs)


def test_draws_without_uncertainties_are_refused_naming_draws(live: Live, keys: Keys) -> None:
    inv = create_inventory(live.client, keys)
    r = live.client.post(
        "/v1/sweeps", json={"inventory_id": inv["id"], "draws": 5}, headers=keys.coordinator
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "draws"
    assert "no figure declares an uncertainty" in r.json()["detail"]


def test_a_grid_parameter_that_names_no_figure_is_refused(live: Live, keys: Keys) -> None:
    inv = create_inventory(live.client, keys)
    body = {"inventory_id": inv["id"], "grid": {"supplies[nowhere].quantity": ["1"]}}
    r = live.client.post("/v1/sweeps", json=body, headers=keys.coordinator)
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "grid"


def test_a_sweep_over_the_service_limit_is_refused(live: Live, keys: Keys) -> None:
    inv = create_inventory(live.client, keys)
    many = [str(v) for v in range(50)]
    grid = {"carbon_price": many, "supplies[steelworks/bf_slag].disposal_cost": many}
    r = live.client.post(
        "/v1/sweeps", json={"inventory_id": inv["id"], "grid": grid}, headers=keys.coordinator
    )
    assert r.status_code == 422
    assert "more than the service's limit" in r.json()["detail"]


def test_nothing_to_sweep_is_refused(live: Live, keys: Keys) -> None:
    inv = create_inventory(live.client, keys)
    r = live.client.post("/v1/sweeps", json={"inventory_id": inv["id"]}, headers=keys.coordinator)
    assert r.status_code == 422


def test_a_viewer_cannot_start_a_sweep_and_others_cannot_see_it(
    live: Live, keys: Keys, other: Keys
) -> None:
    client = live.client
    inv = create_inventory(client, keys)
    body = {"inventory_id": inv["id"], "grid": {"carbon_price": ["10"]}}
    assert client.post("/v1/sweeps", json=body, headers=keys.viewer).status_code == 403
    assert client.post("/v1/sweeps", json=body, headers=other.coordinator).status_code == 404
    sweep = client.post("/v1/sweeps", json=body, headers=keys.coordinator).json()
    assert client.get(f"/v1/sweeps/{sweep['id']}", headers=other.viewer).status_code == 404
    assert sweep["id"] not in {
        s["id"] for s in client.get("/v1/sweeps", headers=other.viewer).json()
    }
    assert sweep["id"] in {s["id"] for s in client.get("/v1/sweeps", headers=keys.viewer).json()}
    wait_for_sweep(client, sweep["id"], keys.viewer)


def test_a_cancelled_sweep_stops_before_its_last_draw(live: Live, keys: Keys) -> None:
    client = live.client
    inv = create_inventory(client, keys)
    values = [str(v) for v in range(20)]
    grid = {"carbon_price": values, "supplies[steelworks/bf_slag].disposal_cost": values}
    sweep = client.post(
        "/v1/sweeps", json={"inventory_id": inv["id"], "grid": grid}, headers=keys.coordinator
    ).json()
    assert sweep["total"] == 400
    r = client.post(f"/v1/sweeps/{sweep['id']}/cancel", headers=keys.coordinator)
    assert r.status_code == 200
    assert r.json()["cancel_requested"] is True
    done = wait_for_sweep(client, sweep["id"], keys.viewer)
    assert done["state"] == "cancelled"
    assert done["done"] < 400
    again = client.post(f"/v1/sweeps/{sweep['id']}/cancel", headers=keys.coordinator)
    assert again.status_code == 409
    table = client.get(f"/v1/sweeps/{sweep['id']}/tables/draws", headers=keys.viewer)
    assert table.status_code == 409
