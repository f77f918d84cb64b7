"""The web service, endpoint by endpoint and role by role, on SQLite and on PostgreSQL.

Every test runs once per database backend (the ``live`` fixture); the solves are real (small
inventories through the real optimiser in the service's worker processes).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from support.service import (
    Keys,
    Live,
    create_inventory,
    small_inventory,
    wait_for,
)

from api.db import Base, RunRow
from api.examples import SCENARIO_FILE_EXAMPLE
from symbiose.inventory import dump_inventory, parse_inventory
from symbiose.synthetic import synthetic_inventory as grid_inventory

PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"] and body["detail"]
    return body


def paths(body: dict) -> list[str]:
    return [e["path"] for e in body.get("errors", [])]


# -- the service -----------------------------------------------------------------------------


def test_migrations_match_the_tables(live: Live) -> None:
    with live.services.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_health_docs_and_openapi_examples(live: Live) -> None:
    c = live.client
    assert c.get("/health").json()["status"] == "ok"
    assert c.get("/docs").status_code == 200
    spec = c.get("/openapi.json").json()
    assert "Inventory" in spec["components"]["schemas"]
    bodies = 0
    for path, item in spec["paths"].items():
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {})
            for media, entry in content.items():
                bodies += 1
                assert entry.get("examples") or entry.get("example"), (method, path, media)
    assert bodies >= 12


def test_keys_are_required_and_identify_the_territory(live: Live, keys: Keys) -> None:
    c = live.client
    problem(c.get("/v1/inventories"), 401)
    problem(c.get("/v1/inventories", headers={"Authorization": "Bearer sym_nope"}), 401)
    problem(c.get("/v1/inventories", headers={"X-API-Key": "not-a-key"}), 401)
    me = c.get("/v1/territory", headers=keys.coordinator).json()
    assert me["territory"] == keys.territory and me["role"] == "coordinator"
    assert c.get("/v1/territory", headers=keys.viewer).json()["role"] == "viewer"


def test_keys_are_stored_hashed(live: Live, keys: Keys) -> None:
    from api.db import ApiKey

    secret = keys.coordinator["Authorization"].split()[1]
    with live.services.sessions() as session:
        stored = [k.key_hash for k in session.query(ApiKey).filter_by(territory_id=keys.territory)]
    assert len(stored) == 2 and all(secret not in h for h in stored)


# -- inventories -----------------------------------------------------------------------------


def test_inventory_versions_etags_and_if_match(live: Live, keys: Keys) -> None:
    c = live.client
    r = c.post("/v1/inventories?name=Base", json=small_inventory(), headers=keys.coordinator)
    assert r.status_code == 201
    inv = r.json()
    assert r.headers["Location"] == f"/v1/inventories/{inv['id']}"
    assert r.headers["ETag"] == inv["etag"] and inv["latest_version"] == 1
    assert inv["name"] == "Base" and inv["versions"][0]["sites"] == 3

    # A viewer reads, with the same ETag.
    got = c.get(f"/v1/inventories/{inv['id']}", headers=keys.viewer)
    assert got.status_code == 200 and got.headers["ETag"] == inv["etag"]

    # Partial update: one site's haves and wants, with If-Match → version 2.
    patch = {
        "update": {
            "supplies": [{"site": "steelworks", "commodity": "bf_slag", "quantity": "0.9 Mt/yr"}],
            "demands": [{"site": "grinder", "commodity": "bf_slag", "price": "18 EUR/t"}],
        }
    }
    h = keys.coordinator | {"If-Match": inv["etag"]}
    r2 = c.patch(f"/v1/inventories/{inv['id']}", json=patch, headers=h)
    assert r2.status_code == 200, r2.text
    v2 = r2.json()
    assert v2["latest_version"] == 2 and v2["etag"] != inv["etag"]
    assert r2.headers["ETag"] == v2["etag"]

    # The stale ETag is refused: 412, never a silent overwrite.
    problem(c.patch(f"/v1/inventories/{inv['id']}", json=patch, headers=h), 412)
    problem(c.put(f"/v1/inventories/{inv['id']}", json=small_inventory(), headers=h), 412)
    # No If-Match at all: 428.
    problem(c.patch(f"/v1/inventories/{inv['id']}", json=patch, headers=keys.coordinator), 428)

    # Version 1 is immutable and still readable; version 2 has the change.
    one = c.get(f"/v1/inventories/{inv['id']}/versions/1", headers=keys.viewer)
    two = c.get(f"/v1/inventories/{inv['id']}/versions/2", headers=keys.viewer)
    assert one.headers["ETag"] == inv["etag"] and two.headers["ETag"] == v2["etag"]
    assert one.json()["supplies"][0]["quantity"] == "1.2 Mt/yr"
    assert two.json()["supplies"][0]["quantity"] == "0.9 Mt/yr"
    yaml_text = c.get(f"/v1/inventories/{inv['id']}/versions/2?format=yaml", headers=keys.viewer)
    assert yaml_text.headers["content-type"].startswith("application/yaml")
    assert parse_inventory(yaml_text.text, "yaml").supplies[0].quantity == "0.9 Mt/yr"

    # Full replacement in YAML, with the current ETag → version 3.
    body = dump_inventory(parse_inventory(small_inventory(carbon_price="120 EUR/t"), "json"))
    r3 = c.put(
        f"/v1/inventories/{inv['id']}",
        content=body,
        headers=keys.coordinator | {"If-Match": v2["etag"], "Content-Type": "application/yaml"},
    )
    assert r3.status_code == 200, r3.text
    assert [v["change"] for v in r3.json()["versions"]] == ["create", "patch", "replace"]
    listed = c.get("/v1/inventories", headers=keys.viewer).json()
    assert [i["id"] for i in listed] == [inv["id"]]
    problem(c.get(f"/v1/inventories/{inv['id']}/versions/9", headers=keys.viewer), 404)


def test_second_writer_gets_412(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    etag = c.get(f"/v1/inventories/{inv['id']}", headers=keys.coordinator).headers["ETag"]
    first = {"territory": {"carbon_price": "90 EUR/t"}}
    second = {"territory": {"carbon_price": "10 EUR/t"}}
    h = keys.coordinator | {"If-Match": etag}
    assert c.patch(f"/v1/inventories/{inv['id']}", json=first, headers=h).status_code == 200
    problem(c.patch(f"/v1/inventories/{inv['id']}", json=second, headers=h), 412)
    latest = c.get(f"/v1/inventories/{inv['id']}/versions/2", headers=h).json()
    assert latest["territory"]["carbon_price"] == "90 EUR/t"


def test_yaml_and_spreadsheet_submissions(live: Live, keys: Keys) -> None:
    c = live.client
    inv = parse_inventory(small_inventory(), "json")
    r = c.post(
        "/v1/inventories",
        content=dump_inventory(inv, "yaml"),
        headers=keys.coordinator | {"Content-Type": "application/yaml"},
    )
    assert r.status_code == 201 and r.json()["versions"][0]["source_format"] == "yaml"
    workbook = dump_inventory(inv, "xlsx")
    files = {"file": ("inventory.xlsx", workbook, "application/octet-stream")}
    r = c.post(
        "/v1/inventories/upload", files=files, data={"name": "From Excel"}, headers=keys.coordinator
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "From Excel"
    assert r.json()["versions"][0]["source_format"] == "xlsx"
    stored = c.get(f"/v1/inventories/{r.json()['id']}/versions/1", headers=keys.viewer).json()
    assert len(stored["sites"]) == 3
    # A new version from a workbook, with If-Match.
    uploaded = r.json()
    changed = dump_inventory(
        parse_inventory(small_inventory(carbon_price="99 EUR/t"), "json"), "xlsx"
    )
    path = f"/v1/inventories/{uploaded['id']}/upload"
    files = {"file": ("inventory.xlsx", changed, "application/octet-stream")}
    problem(c.put(path, files=files, headers=keys.coordinator), 428)
    r = c.put(path, files=files, headers=keys.coordinator | {"If-Match": uploaded["etag"]})
    assert r.status_code == 200, r.text
    assert r.json()["latest_version"] == 2
    v2 = c.get(f"/v1/inventories/{uploaded['id']}/versions/2", headers=keys.viewer).json()
    assert v2["territory"]["carbon_price"] in ("99 EUR/t", 99.0, 99)
    problem(
        c.put(path, files=files, headers=keys.coordinator | {"If-Match": uploaded["etag"]}), 412
    )
    bad = {"file": ("inventory.xlsx", b"not a workbook", "application/octet-stream")}
    body = problem(c.post("/v1/inventories/upload", files=bad, headers=keys.coordinator), 422)
    assert body["errors"]


def test_inventory_errors_carry_field_paths(live: Live, keys: Keys) -> None:
    c = live.client
    post = lambda inv: c.post("/v1/inventories", json=inv, headers=keys.coordinator)  # noqa: E731
    wrong_dimension = small_inventory()
    wrong_dimension["supplies"][0]["quantity"] = "1.2 GWh/yr"  # energy for slag (a mass)
    body = problem(post(wrong_dimension), 422)
    assert "supplies[0].quantity" in paths(body)
    assert "GWh" in json.dumps(body["errors"])

    unknown_unit = small_inventory()
    unknown_unit["demands"][1]["price"] = "30 EUR/bananas"
    assert "demands[1].price" in paths(problem(post(unknown_unit), 422))

    unknown_site = small_inventory()
    unknown_site["supplies"][0]["site"] = "atlantis"
    assert "supplies[0].site" in paths(problem(post(unknown_site), 422))

    unknown_key = small_inventory()
    unknown_key["sites"][1]["colour"] = "blue"
    assert "sites[1].colour" in paths(problem(post(unknown_key), 422))

    negative = small_inventory()
    negative["supplies"][0]["quantity"] = "-3 Mt/yr"
    assert "supplies[0].quantity" in paths(problem(post(negative), 422))

    problem(
        c.post(
            "/v1/inventories",
            content=b"{not json",
            headers=keys.coordinator | {"Content-Type": "application/json"},
        ),
        422,
    )
    problem(
        c.post(
            "/v1/inventories", content=b"x", headers=keys.coordinator | {"Content-Type": "text/csv"}
        ),
        415,
    )
    body = problem(
        c.post(
            "/v1/runs", json={"inventory_id": "a", "scenario_id": "b"}, headers=keys.coordinator
        ),
        422,
    )
    assert body["errors"]
    body = problem(
        c.post("/v1/runs", json={"inventory_id": "a", "gap": 7}, headers=keys.coordinator), 422
    )
    assert "gap" in paths(body)


def test_limits_answer_413_and_422(live: Live, keys: Keys) -> None:
    c = live.client
    huge = small_inventory()
    huge["territory"]["notes"] = "x" * (live.settings.max_body_bytes + 10)
    problem(c.post("/v1/inventories", json=huge, headers=keys.coordinator), 413)

    too_many = grid_inventory(21, 21)  # 42 sites > max_sites = 40
    body = problem(c.post("/v1/inventories", json=too_many, headers=keys.coordinator), 422)
    assert paths(body) == ["sites"]

    inv = create_inventory(c, keys)
    body = problem(
        c.post(
            "/v1/runs",
            json={"inventory_id": inv["id"], "time_limit": 1e6},
            headers=keys.coordinator,
        ),
        422,
    )
    assert paths(body) == ["time_limit"]
    body = problem(
        c.post(
            "/v1/optimise",
            json={"inventory_id": inv["id"], "time_limit": 1e4},
            headers=keys.coordinator,
        ),
        422,
    )
    assert paths(body) == ["time_limit"]
    big = create_inventory(c, keys, grid_inventory(15, 15))  # 30 sites > sync_max_sites = 25
    body = problem(
        c.post("/v1/optimise", json={"inventory_id": big["id"]}, headers=keys.coordinator), 422
    )
    assert paths(body) == ["sites"]


def test_full_queues_answer_503_with_retry_after(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    services = live.services
    saved_settings, saved_sync = services.settings, services.sync.queue_size
    try:
        services.settings = replace(saved_settings, queue_size=0)
        r = c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=keys.coordinator)
        problem(r, 503)
        assert int(r.headers["Retry-After"]) > 0
        services.sync.queue_size = -services.sync.size
        r = c.post("/v1/optimise", json={"inventory_id": inv["id"]}, headers=keys.coordinator)
        problem(r, 503)
        assert int(r.headers["Retry-After"]) > 0
    finally:
        services.settings, services.sync.queue_size = saved_settings, saved_sync


# -- roles -----------------------------------------------------------------------------------


def test_viewer_reads_but_never_writes(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    run = c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=keys.coordinator).json()
    v = keys.viewer
    etag = {"If-Match": inv["etag"]}
    writes = [
        c.post("/v1/inventories", json=small_inventory(), headers=v),
        c.post("/v1/inventories/upload", files={"file": ("a.xlsx", b"x")}, headers=v),
        c.put(f"/v1/inventories/{inv['id']}", json=small_inventory(), headers=v | etag),
        c.put(
            f"/v1/inventories/{inv['id']}/upload",
            files={"file": ("a.xlsx", b"x")},
            headers=v | etag,
        ),
        c.patch(
            f"/v1/inventories/{inv['id']}",
            json={"territory": {"carbon_price": 1}},
            headers=v | etag,
        ),
        c.post("/v1/scenarios", json={"name": "s", "inventory_id": inv["id"]}, headers=v),
        c.post(f"/v1/scenarios/file?inventory_id={inv['id']}", content=b"name: s", headers=v),
        c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=v),
        c.post("/v1/optimise", json={"inventory_id": inv["id"]}, headers=v),
        c.post(f"/v1/runs/{run['id']}/cancel", headers=v),
        c.post("/v1/comparisons", json={"run_ids": [run["id"], run["id"] + "x"]}, headers=v),
    ]
    for r in writes:
        problem(r, 403)
    wait_for(c, run["id"], v)
    for path in (
        "/v1/territory",
        "/v1/inventories",
        f"/v1/inventories/{inv['id']}",
        f"/v1/inventories/{inv['id']}/versions/1",
        "/v1/scenarios",
        "/v1/runs",
        f"/v1/runs/{run['id']}",
        f"/v1/runs/{run['id']}/result",
        "/v1/comparisons",
    ):
        assert c.get(path, headers=v).status_code == 200, path


# -- scenarios, runs, results, comparisons -----------------------------------------------------


def test_scenarios(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    body = {
        "name": "carbon-150",
        "description": "Carbon at 150 EUR/t",
        "inventory_id": inv["id"],
        "territory": {"carbon_price": "150 EUR/t"},
        "remove": {"sites": ["heating"]},
    }
    r = c.post("/v1/scenarios", json=body, headers=keys.coordinator)
    assert r.status_code == 201, r.text
    scenario = r.json()
    assert scenario["version"] == 1 and r.headers["Location"].endswith(scenario["id"])
    assert c.get(f"/v1/scenarios/{scenario['id']}", headers=keys.viewer).json() == scenario
    resolved = c.get(f"/v1/scenarios/{scenario['id']}/inventory", headers=keys.viewer).json()
    assert resolved["territory"]["carbon_price"] == "150 EUR/t"
    assert [s["id"] for s in resolved["sites"]] == ["steelworks", "grinder"]
    listed = c.get(f"/v1/scenarios?inventory_id={inv['id']}", headers=keys.viewer).json()
    assert [s["id"] for s in listed] == [scenario["id"]]

    bad = body | {
        "name": "bad",
        "update": {
            "supplies": [{"site": "steelworks", "commodity": "bf_slag", "quantity": "5 GWh/yr"}]
        },
    }
    assert problem(c.post("/v1/scenarios", json=bad, headers=keys.coordinator), 422)["errors"]
    problem(c.post("/v1/scenarios", json=body | {"version": 7}, headers=keys.coordinator), 404)

    # A scenario file as the CLI reads it (YAML), on the same base.
    r = c.post(
        f"/v1/scenarios/file?inventory_id={inv['id']}",
        content=SCENARIO_FILE_EXAMPLE.encode() + b"base: ../ignored.yaml\n",
        headers=keys.coordinator | {"Content-Type": "application/yaml"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "carbon-150" and "base" not in r.json()["overrides"]
    bad_file = b"name: x\nupdate: {sites: [{id: nowhere, name: y}]}\n"
    r = c.post(
        f"/v1/scenarios/file?inventory_id={inv['id']}",
        content=bad_file,
        headers=keys.coordinator | {"Content-Type": "application/yaml"},
    )
    assert problem(r, 422)["errors"]
    r = c.post(
        f"/v1/scenarios/file?inventory_id={inv['id']}",
        content=b"name: [unclosed",
        headers=keys.coordinator | {"Content-Type": "application/yaml"},
    )
    problem(r, 422)
    problem(
        c.post("/v1/scenarios", json=body | {"inventory_id": "nope"}, headers=keys.coordinator), 404
    )


def test_run_results_in_every_format(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    r = c.post(
        "/v1/runs", json={"inventory_id": inv["id"], "time_limit": 60}, headers=keys.coordinator
    )
    assert r.status_code == 202, r.text
    run = r.json()
    assert (
        run["state"] in ("queued", "running") and r.headers["Location"] == f"/v1/runs/{run['id']}"
    )
    done = wait_for(c, run["id"], keys.viewer)
    assert done["state"] == "finished" and done["status"] == "optimal", done
    assert done["incumbent"] is not None and done["gap"] is not None and done["elapsed"] is not None
    assert done["attempts"] == 1 and done["version"] == 1

    base = f"/v1/runs/{run['id']}/result"
    doc = c.get(base, headers=keys.viewer).json()
    assert doc["status"] == "optimal" and doc["totals"]["valorisation_eur_per_yr"] > 0
    assert doc["certificate"]["passed"] is True  # the answer checked against its model
    assert abs(doc["objective"] - done["incumbent"]) < 1e-6 * abs(doc["objective"])
    flows = c.get(base + "/flows", headers=keys.viewer).json()
    assert {f["from_id"] for f in flows} == {"steelworks"}
    csv = c.get(base + "/built_links?format=csv", headers=keys.viewer)
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(pd.read_csv(io.StringIO(csv.text))) >= 1
    totals = c.get(base + "/totals", headers=keys.viewer).json()
    assert any(t["total"] == "co2_avoided_t_per_yr" for t in totals)
    gains = c.get(base + "/site_gains?format=csv", headers=keys.viewer)
    assert "gain_eur" in gains.text.splitlines()[0]
    xlsx = c.get(f"/v1/runs/{run['id']}/result.xlsx", headers=keys.viewer)
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert set(sheets) == {"totals", "flows", "built_links", "site_gains"}
    geo = c.get(f"/v1/runs/{run['id']}/result.geojson", headers=keys.viewer)
    assert geo.headers["content-type"].startswith("application/geo+json")
    kinds = [f["geometry"]["type"] for f in geo.json()["features"]]
    assert kinds.count("Point") == 3 and "LineString" in kinds
    problem(c.get(base + "/nonsense", headers=keys.viewer), 422)
    listed = c.get("/v1/runs?state=finished", headers=keys.viewer).json()
    assert [x["id"] for x in listed] == [run["id"]]
    problem(c.post(f"/v1/runs/{run['id']}/cancel", headers=keys.coordinator), 409)


def test_synchronous_optimisation_equals_a_background_run(live: Live, keys: Keys) -> None:
    c = live.client
    r = c.post(
        "/v1/optimise",
        json={"inventory": small_inventory(), "time_limit": 20},
        headers=keys.coordinator,
    )
    assert r.status_code == 200, r.text
    inline = r.json()
    assert inline["run"]["state"] == "finished" and inline["run"]["kind"] == "sync"
    assert inline["run"]["inventory_id"] is None
    inv = create_inventory(c, keys)
    stored = c.post(
        "/v1/optimise", json={"inventory_id": inv["id"]}, headers=keys.coordinator
    ).json()
    run = c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=keys.coordinator).json()
    background = wait_for(c, run["id"], keys.coordinator)
    objective = inline["result"]["objective"]
    assert stored["result"]["objective"] == pytest.approx(objective, rel=1e-9)
    assert background["incumbent"] == pytest.approx(objective, rel=1e-9)
    # The synchronous run is stored like any other and its results are readable.
    got = c.get(f"/v1/runs/{inline['run']['id']}/result", headers=keys.viewer).json()
    assert got["objective"] == pytest.approx(objective, rel=1e-9)
    problem(
        c.post("/v1/optimise", json={"inventory": {"sites": "x"}}, headers=keys.coordinator), 422
    )


def test_scenario_runs_and_comparison(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    scenario = c.post(
        "/v1/scenarios",
        json={"name": "no-heat", "inventory_id": inv["id"], "remove": {"sites": ["heating"]}},
        headers=keys.coordinator,
    ).json()
    base = c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=keys.coordinator).json()
    alt = c.post("/v1/runs", json={"scenario_id": scenario["id"]}, headers=keys.coordinator).json()
    assert alt["scenario_id"] == scenario["id"] and alt["inventory_id"] == inv["id"]
    for run in (base, alt):
        assert wait_for(c, run["id"], keys.coordinator)["state"] == "finished"
    r = c.post(
        "/v1/comparisons", json={"run_ids": [base["id"], alt["id"]]}, headers=keys.coordinator
    )
    assert r.status_code == 201, r.text
    comparison = r.json()
    assert comparison["labels"] == ["Exampleville v1", "no-heat"]
    assert comparison["totals"] and comparison["exchanges"]
    assert "Exampleville v1" in json.dumps(comparison["totals"])
    got = c.get(f"/v1/comparisons/{comparison['id']}", headers=keys.viewer).json()
    assert got == comparison
    csv = c.get(f"/v1/comparisons/{comparison['id']}/exchanges.csv", headers=keys.viewer)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert [x["id"] for x in c.get("/v1/comparisons", headers=keys.viewer).json()] == [
        comparison["id"]
    ]
    labelled = c.post(
        "/v1/comparisons",
        json={"run_ids": [base["id"], alt["id"]], "labels": ["base", "scenario"]},
        headers=keys.coordinator,
    ).json()
    assert labelled["labels"] == ["base", "scenario"]
    problem(
        c.post("/v1/comparisons", json={"run_ids": [base["id"]]}, headers=keys.coordinator), 422
    )


def test_progress_and_cancellation(live: Live, keys: Keys) -> None:
    c = live.client
    slow = create_inventory(c, keys, grid_inventory(15, 15, seed=3))
    first = c.post("/v1/runs", json={"inventory_id": slow["id"]}, headers=keys.coordinator).json()
    second = c.post("/v1/runs", json={"inventory_id": slow["id"]}, headers=keys.coordinator).json()
    # One background worker: the second run waits in the queue and is cancelled at once.
    r = c.post(f"/v1/runs/{second['id']}/cancel", headers=keys.coordinator)
    assert r.status_code == 200 and r.json()["state"] == "cancelled", r.text
    # The first shows its progress while it runs (incumbent, bound, gap, elapsed), then
    # stops when cancelled.
    deadline = time.monotonic() + 60
    state = c.get(f"/v1/runs/{first['id']}", headers=keys.viewer).json()
    while state["state"] in ("queued", "running") and state["incumbent"] is None:
        assert time.monotonic() < deadline, state
        time.sleep(0.1)
        state = c.get(f"/v1/runs/{first['id']}", headers=keys.viewer).json()
    if state["state"] == "running":
        assert state["bound"] is not None and state["gap"] is not None, state
        assert state["elapsed"] > 0 and state["started_at"] is not None
    r = c.post(f"/v1/runs/{first['id']}/cancel", headers=keys.coordinator)
    if r.status_code == 202:  # still running: the worker stops at its next check
        assert r.json()["cancel_requested"] is True
        done = wait_for(c, first["id"], keys.viewer, timeout=60)
        assert done["state"] in ("cancelled", "finished"), done
    else:  # it finished in the meantime
        problem(r, 409)
    problem(c.get(f"/v1/runs/{second['id']}/result", headers=keys.viewer), 409)
    with live.services.sessions() as session:
        assert session.get(RunRow, second["id"]).attempt == 0  # never started


# -- territories never see each other ------------------------------------------------------------


def test_other_territories_objects_answer_404(live: Live, keys: Keys, other: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    scenario = c.post(
        "/v1/scenarios",
        json={"name": "s", "inventory_id": inv["id"], "territory": {"carbon_price": 100}},
        headers=keys.coordinator,
    ).json()
    runs = [
        c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=keys.coordinator).json(),
        c.post("/v1/runs", json={"scenario_id": scenario["id"]}, headers=keys.coordinator).json(),
    ]
    for run in runs:
        wait_for(c, run["id"], keys.coordinator)
    comparison = c.post(
        "/v1/comparisons", json={"run_ids": [r["id"] for r in runs]}, headers=keys.coordinator
    ).json()
    i, s, r0, k = inv["id"], scenario["id"], runs[0]["id"], comparison["id"]
    etag = {"If-Match": inv["etag"]}
    for h in (other.coordinator, other.viewer):
        attempts = [
            c.get(f"/v1/inventories/{i}", headers=h),
            c.get(f"/v1/inventories/{i}/versions/1", headers=h),
            c.get(f"/v1/scenarios/{s}", headers=h),
            c.get(f"/v1/scenarios/{s}/inventory", headers=h),
            c.get(f"/v1/runs/{r0}", headers=h),
            c.get(f"/v1/runs/{r0}/result", headers=h),
            c.get(f"/v1/runs/{r0}/result.xlsx", headers=h),
            c.get(f"/v1/runs/{r0}/result.geojson", headers=h),
            c.get(f"/v1/runs/{r0}/result/flows", headers=h),
            c.get(f"/v1/comparisons/{k}", headers=h),
            c.get(f"/v1/comparisons/{k}/totals.csv", headers=h),
        ]
        for resp in attempts:
            body = problem(resp, 404)
            assert "not found" in body["detail"]
        # The lists are empty, as if nothing existed.
        for path in ("/v1/inventories", "/v1/scenarios", "/v1/runs", "/v1/comparisons"):
            assert c.get(path, headers=h).json() == []
    w = other.coordinator
    writes = [
        c.put(f"/v1/inventories/{i}", json=small_inventory(), headers=w | etag),
        c.put(f"/v1/inventories/{i}/upload", files={"file": ("a.xlsx", b"x")}, headers=w | etag),
        c.patch(f"/v1/inventories/{i}", json={"territory": {"carbon_price": 1}}, headers=w | etag),
        c.post("/v1/scenarios", json={"name": "x", "inventory_id": i}, headers=w),
        c.post(
            f"/v1/scenarios/file?inventory_id={i}",
            content=b"name: x",
            headers=w | {"Content-Type": "application/yaml"},
        ),
        c.post("/v1/runs", json={"inventory_id": i}, headers=w),
        c.post("/v1/runs", json={"scenario_id": s}, headers=w),
        c.post("/v1/optimise", json={"inventory_id": i}, headers=w),
        c.post("/v1/optimise", json={"scenario_id": s}, headers=w),
        c.post(f"/v1/runs/{r0}/cancel", headers=w),
        c.post("/v1/comparisons", json={"run_ids": [r["id"] for r in runs]}, headers=w),
    ]
    for resp in writes:
        problem(resp, 404)
    # ... and the owner's objects are untouched.
    assert c.get(f"/v1/inventories/{i}", headers=keys.viewer).json()["latest_version"] == 1


def test_a_submitted_inventory_with_swapped_coordinates_is_stored_with_a_warning(
    live: Live, keys: Keys
) -> None:
    c = live.client
    plain = create_inventory(c, keys)
    assert plain["warnings"] == []
    inv = small_inventory()
    inv["sites"][2] = inv["sites"][2] | {"latitude": 2.37, "longitude": 51.04}
    created = create_inventory(c, keys, inv)
    assert created["warnings"] == [
        {
            "path": "sites[2].latitude",
            "kind": "swapped-coordinates",
            "message": "latitude and longitude look swapped: site 'heating' at (2.37, 51.04) is"
            " 7,056 km from the territory's other sites; at (51.04, 2.37) it would be 2 km"
            " from them",
        }
    ]
    # reading answers no warnings; a patch answers those of the new version
    assert c.get(f"/v1/inventories/{created['id']}", headers=keys.viewer).json()["warnings"] == []
    h = keys.coordinator | {"If-Match": created["etag"]}
    fixed = {"update": {"sites": [{"id": "heating", "latitude": 51.04, "longitude": 2.37}]}}
    r = c.patch(f"/v1/inventories/{created['id']}", json=fixed, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == []


def test_removing_supplies_by_site_alone_is_refused_with_the_entrys_path(
    live: Live, keys: Keys
) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    remove = {"supplies": [{"site": "steelworks"}]}
    body = problem(
        c.post(
            "/v1/scenarios",
            json={"name": "partial", "inventory_id": inv["id"], "remove": remove},
            headers=keys.coordinator,
        ),
        422,
    )
    assert body["errors"] == [
        {
            "path": "remove.supplies[0]",
            "message": "give 'commodity' too, or commodity: '*' to remove every supply with"
            " site 'steelworks'",
        }
    ]
    h = keys.coordinator | {"If-Match": inv["etag"]}
    body = problem(c.patch(f"/v1/inventories/{inv['id']}", json={"remove": remove}, headers=h), 422)
    assert paths(body) == ["remove.supplies[0]"]
    wide = {"supplies": [{"site": "steelworks", "commodity": "*"}]}
    r = c.patch(f"/v1/inventories/{inv['id']}", json={"remove": wide}, headers=h)
    assert r.status_code == 200, r.text
