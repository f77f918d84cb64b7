"""The member role: a key bound to one site sees and edits only what concerns that site.

The territory here has three sites: a steelworks that gives slag and heat, a slag grinder and a
district heating network.  The grinder's member trades with the steelworks (so it sees that
exchange and the steelworks' name and place), never with the heating network: the heating
network's name, and every figure of the other sites' inventories, must appear on no route.
Every route of the app is called with the member's key (a route added later is called too).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from support.service import Keys, Live, make_keys, wait_for

from api import store, visibility
from api.db import RunRow, SweepRow, make_engine, now
from api.deps import PrincipalDep
from api.keys import Principal, Role, create_key
from api.migrate import upgrade
from api.schemas import FieldWarning
from cli.service import run_keys_create

PROBLEM = "application/problem+json"

MEMBER_INVENTORY: dict[str, Any] = {
    "territory": {"name": "Membertown", "carbon_price": "80 EUR/t"},
    "sites": [
        {"id": "steelworks", "name": "Steelworks", "sector": "steel", "latitude": 51.03,
         "longitude": 2.3},
        {"id": "grinder", "name": "Slag grinding plant", "sector": "cement", "latitude": 51.05,
         "longitude": 2.34},
        {"id": "heating", "name": "District heating", "sector": "energy", "latitude": 51.04,
         "longitude": 2.37},
    ],
    "supplies": [
        {"site": "steelworks", "commodity": "bf_slag", "quantity": "1.234 Mt/yr",
         "disposal_cost": "12.3 EUR/t"},
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

SECRETS_OF_OTHERS = (
    "heating",  # the other member: its id, and its name "District heating"
    "1.234 Mt",  # the steelworks' slag, as written and in t/yr
    "1234000",
    "1 234 000",
    "247000",  # the steelworks' slag left over
    "151.7",  # the steelworks' heat, as written and in MWh/yr
    "151700",
    "12.3 EUR",  # the steelworks' disposal cost
    "97.3",  # the heating network's want and price
    "97300",
    "31.7",
)
"""What the grinder's member must never read, on any route, in any format."""


@dataclass
class World:
    """A territory with the three sites, its keys, and one object of every kind."""

    keys: Keys
    member: dict[str, str]
    heating: dict[str, str]
    inventory: dict[str, Any]
    scenario: dict[str, Any]
    runs: list[dict[str, Any]]
    comparison: dict[str, Any]
    sweep_id: str
    ids: dict[str, str] = field(default_factory=dict)


def member_headers(live: Live, territory: str, site: str) -> dict[str, str]:
    with live.services.sessions() as session:
        key = create_key(session, territory, "member", site=site)
    return {"Authorization": f"Bearer {key.secret}"}


@pytest.fixture(scope="module")
def world(live: Live) -> Iterator[World]:
    c = live.client
    keys = make_keys(live.services, "member")
    inv = c.post("/v1/inventories", json=MEMBER_INVENTORY, headers=keys.coordinator)
    assert inv.status_code == 201, inv.text
    inventory = inv.json()
    scenario = c.post(
        "/v1/scenarios",
        json={"name": "dear-carbon", "inventory_id": inventory["id"],
              "territory": {"carbon_price": "150 EUR/t"},
              "update": {"demands": [{"site": "heating", "commodity": "waste_heat",
                                     "price": "31.7 EUR/MWh"}]}},
        headers=keys.coordinator,
    )  # fmt: skip
    assert scenario.status_code == 201, scenario.text
    runs = [
        c.post("/v1/runs", json={"inventory_id": inventory["id"]}, headers=keys.coordinator),
        c.post("/v1/runs", json={"scenario_id": scenario.json()["id"]}, headers=keys.coordinator),
    ]
    finished = []
    for r in runs:
        assert r.status_code == 202, r.text
        done = wait_for(c, r.json()["id"], keys.coordinator)
        assert done["state"] == "finished", done
        finished.append(done)
    comparison = c.post(
        "/v1/comparisons", json={"run_ids": [r["id"] for r in finished]}, headers=keys.coordinator
    )
    assert comparison.status_code == 201, comparison.text
    yield World(
        keys=keys,
        member=member_headers(live, keys.territory, "grinder"),
        heating=member_headers(live, keys.territory, "heating"),
        inventory=inventory,
        scenario=scenario.json(),
        runs=finished,
        comparison=comparison.json(),
        sweep_id=finished_sweep(live, keys.territory, inventory["id"]),
    )


def finished_sweep(live: Live, territory: str, inventory_id: str) -> str:
    """A finished sweep whose tables are full of the other sites' figures."""
    tables = {
        "draws": [{"draw": 0, "supplies[steelworks,bf_slag].quantity": 1234000.0}],
        "exchanges": [{"from_id": "steelworks", "to_id": "heating", "p50": 97300.0}],
        "sensitivity": [{"parameter": "demands[heating,waste_heat].price", "rho": 0.5}],
    }
    with live.services.sessions() as session:
        row = SweepRow(
            territory_id=territory,
            inventory_id=inventory_id,
            version=1,
            spec="{}",
            state="finished",
            total=1,
            done=1,
            failed=0,
            cancel_requested=False,
            result=json.dumps({"summary": {"heating": 97300.0}, "tables": tables}),
        )
        session.add(row)
        session.commit()
        return row.id


def readable(response: Any) -> str:
    """Everything a response lets a reader see: its body, unzipped if it is a workbook."""
    data = response.content
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return data.decode("utf-8", "replace") + json.dumps(dict(response.headers))


def assert_nothing_of_others(response: Any, what: str) -> None:
    seen = readable(response)
    for secret in SECRETS_OF_OTHERS:
        assert secret not in seen, f"{what} shows {secret!r} to the grinder's member"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"] and body["detail"]
    return body


# -- every route -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request of the tour, and the status designed for a member."""

    status: int
    params: dict[str, str] = field(default_factory=dict)
    query: str = ""
    json: Any = None
    files: Any = None
    content: bytes | None = None
    if_match: bool = False


def designed_calls(w: World) -> dict[tuple[str, str], list[Call]]:
    """Every route's calls with the grinder's key, by (method, path), and their status."""
    # (The 404 echoes the site asked for: the tour asks for the counterpart, whose name the
    # member may read, so that any other mention of the secrets is a leak.)
    other_site_patch = {"update": {"supplies": [{"site": "steelworks", "commodity": "bf_slag",
                                                 "disposal_cost": "1 EUR/t"}]}}  # fmt: skip
    xlsx = {"file": ("a.xlsx", b"x")}
    tables = [
        Call(200, {"table": t}, query=f"?format={f}")
        for t in ("totals", "flows", "built_links", "site_gains")
        for f in ("json", "csv")
    ]
    return {
        ("GET", "/health"): [Call(200)],
        ("GET", "/v1/territory"): [Call(200)],
        ("POST", "/v1/inventories"): [Call(403, json=MEMBER_INVENTORY)],
        ("POST", "/v1/inventories/upload"): [Call(403, files=xlsx)],
        ("GET", "/v1/inventories"): [Call(200)],
        ("GET", "/v1/inventories/{inventory_id}"): [Call(200)],
        ("GET", "/v1/inventories/{inventory_id}/versions/{version}"): [
            Call(200, query=f"?format={f}") for f in ("json", "yaml", "xlsx")
        ],
        ("PUT", "/v1/inventories/{inventory_id}"): [
            Call(403, json=MEMBER_INVENTORY, if_match=True)
        ],
        ("PUT", "/v1/inventories/{inventory_id}/upload"): [Call(403, files=xlsx, if_match=True)],
        ("PATCH", "/v1/inventories/{inventory_id}"): [
            Call(404, json=other_site_patch, if_match=True),
            Call(403, json={"territory": {"carbon_price": "1 EUR/t"}}, if_match=True),
        ],
        ("POST", "/v1/scenarios"): [
            Call(403, json={"name": "s", "inventory_id": w.inventory["id"]})
        ],
        ("POST", "/v1/scenarios/file"): [
            Call(403, query=f"?inventory_id={w.inventory['id']}", content=b"name: s")
        ],
        ("GET", "/v1/scenarios"): [Call(200)],
        ("GET", "/v1/scenarios/{scenario_id}"): [Call(404)],
        ("GET", "/v1/scenarios/{scenario_id}/inventory"): [Call(404)],
        ("POST", "/v1/runs"): [Call(403, json={"inventory_id": w.inventory["id"]})],
        ("GET", "/v1/runs"): [Call(200)],
        ("GET", "/v1/runs/{run_id}"): [Call(200)],
        ("POST", "/v1/runs/{run_id}/cancel"): [Call(403)],
        ("GET", "/v1/runs/{run_id}/result"): [Call(200)],
        ("GET", "/v1/runs/{run_id}/result.geojson"): [Call(200)],
        ("GET", "/v1/runs/{run_id}/result.xlsx"): [Call(200)],
        ("GET", "/v1/runs/{run_id}/result/{table}"): tables,
        ("POST", "/v1/optimise"): [Call(403, json={"inventory": MEMBER_INVENTORY})],
        ("GET", "/v1/runs/{run_id}/sankey"): [
            Call(200, query=f"?group={g}") for g in ("auto", "site", "sector")
        ],
        ("GET", "/v1/runs/{run_id}/candidates.geojson"): [Call(200)],
        ("POST", "/v1/comparisons"): [Call(403, json={"run_ids": [r["id"] for r in w.runs]})],
        ("GET", "/v1/comparisons"): [Call(200)],
        ("GET", "/v1/comparisons/{comparison_id}"): [Call(200)],
        ("GET", "/v1/comparisons/{comparison_id}/{table}.csv"): [
            Call(200, {"table": t}, query=f"?sep={s}")
            for t in ("totals", "exchanges")
            for s in (",", ";")
        ],
        ("POST", "/v1/sweeps"): [Call(403, json={"inventory_id": w.inventory["id"], "draws": 2})],
        ("GET", "/v1/sweeps"): [Call(200)],
        ("GET", "/v1/sweeps/{sweep_id}"): [Call(404)],
        ("POST", "/v1/sweeps/{sweep_id}/cancel"): [Call(403)],
        ("GET", "/v1/sweeps/{sweep_id}/tables/{name}"): [
            Call(404, {"name": n}) for n in ("draws", "exchanges", "sensitivity")
        ],
    }


PAGES = {"/", "/ui/config.json", "/ui/template.xlsx", "/docs", "/docs/oauth2-redirect", "/redoc",
         "/openapi.json"}  # fmt: skip
"""Routes that hold no territory's data (the page, its settings, the documentation)."""


def fill(path: str, w: World, params: dict[str, str]) -> str:
    values = {
        "inventory_id": w.inventory["id"],
        "version": "1",
        "scenario_id": w.scenario["id"],
        "run_id": w.runs[0]["id"],
        "comparison_id": w.comparison["id"],
        "sweep_id": w.sweep_id,
    } | params
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], "x"), path)


def send(c: TestClient, method: str, url: str, headers: dict[str, str], call: Call) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if call.json is not None:
        kwargs["json"] = call.json
    if call.files is not None:
        kwargs["files"] = call.files
    if call.content is not None:
        kwargs["content"] = call.content
        kwargs["headers"] = headers | {"Content-Type": "application/yaml"}
    return c.request(method, url, **kwargs)


def app_routes(live: Live) -> list[tuple[str, str]]:
    """Every (method, path) the app answers; its mounts serve static files only."""
    return list(_routes(live.client.app.routes, ""))  # type: ignore[attr-defined]


def _routes(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.160)
            yield from _routes(route.original_router.routes, prefix + route.include_context.prefix)
            continue
        if isinstance(route, Mount):
            assert isinstance(route.app, StaticFiles), f"{route.path} mounts more than files"
            continue
        assert isinstance(route, APIRoute | Route), route
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, prefix + route.path


def test_every_route_answers_a_member_as_designed_and_shows_no_other_site(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    designed = designed_calls(w)
    etag = c.get(f"/v1/inventories/{w.inventory['id']}", headers=w.member).headers["ETag"]
    toured = set()
    for method, path in app_routes(live):
        toured.add((method, path))
        calls = designed.get((method, path))
        if calls is None:
            # A route this tour does not know: a public page, or it must refuse the member.
            url = fill(path, w, {})
            anonymous = c.request(method, url)
            r = c.request(method, url, headers=w.member)
            if path in PAGES:  # the same to anyone: no territory's data in it
                assert r.content == anonymous.content, path
                continue
            assert anonymous.status_code != 401 or r.status_code in (403, 404), (
                f"{method} {path} answers a member {r.status_code}: cut its answer with"
                " api.visibility and add it to this tour, or let it refuse members"
            )
            assert r.status_code < 500, (method, path, r.text)
            assert_nothing_of_others(r, f"{method} {path}")
            continue
        for call in calls:
            url = fill(path, w, call.params) + call.query
            headers = w.member | ({"If-Match": etag} if call.if_match else {})
            r = send(c, method, url, headers, call)
            assert r.status_code == call.status, (method, url, r.status_code, r.text[:300])
            if call.status >= 400:
                problem(r, call.status)
            assert_nothing_of_others(r, f"{method} {url}")
    assert set(designed) <= toured, f"routes gone from the app: {set(designed) - toured}"
    # Nothing the tour tried changed the inventory.
    assert c.get(f"/v1/inventories/{w.inventory['id']}", headers=w.member).headers["ETag"] == etag


def test_a_route_that_does_not_cut_for_members_answers_them_404(live: Live, world: World) -> None:
    app = FastAPI()
    app.state.services = live.services
    from api.problems import install

    install(app)

    @app.get("/v1/runs/{run_id}/secrets")
    def secrets(run_id: str, who: PrincipalDep) -> dict[str, str]:
        return {"heating": "97.3 GWh/yr"}

    client = TestClient(app)
    url = f"/v1/runs/{world.runs[0]['id']}/secrets"
    assert client.get(url, headers=world.keys.viewer).status_code == 200
    body = problem(client.get(url, headers=world.member), 404)
    assert "not found" in body["detail"] and "heating" not in body["detail"]


# -- the key ---------------------------------------------------------------------------------


def test_a_member_key_names_its_role_and_site(live: Live, world: World) -> None:
    me = live.client.get("/v1/territory", headers=world.member).json()
    assert me["role"] == "member" and me["site"] == "grinder"
    assert me["territory"] == world.keys.territory and me["scenarios"] == 0
    coordinator = live.client.get("/v1/territory", headers=world.keys.coordinator).json()
    assert coordinator["role"] == "coordinator" and coordinator.get("site") is None


def test_a_member_key_without_a_site_is_refused_with_the_field(live: Live) -> None:
    with live.services.sessions() as session:
        with pytest.raises(ValueError, match=r"^site: a member key is bound to one site id"):
            create_key(session, "t-member-nosite", "member")
        with pytest.raises(ValueError, match=r"^site: only a member key is bound to a site"):
            create_key(session, "t-member-nosite", Role.VIEWER, site="grinder")
        with pytest.raises(ValueError, match=r"^site: .*one line"):
            create_key(session, "t-member-nosite", "member", site="grin\nder")


def test_the_command_line_creates_a_member_key_bound_to_its_site(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    territory = f"cli-{uuid.uuid4().hex[:8]}"
    args = argparse.Namespace(
        territory=territory, role="member", site="grinder", label="ECOPAL member", out=None,
        database_url=live.settings.database_url,
    )  # fmt: skip
    assert run_keys_create(args) == 0
    out, err = capsys.readouterr()
    assert "bound to site 'grinder'" in err
    me = live.client.get("/v1/territory", headers={"X-API-Key": out.strip()}).json()
    assert me == me | {"role": "member", "site": "grinder", "territory": territory}
    assert run_keys_create(argparse.Namespace(**(vars(args) | {"site": None}))) == 2
    assert "site: a member key is bound to one site id" in capsys.readouterr().err


def test_migration_0003_adds_the_site_of_member_keys_to_existing_keys(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}", pooled=False)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO territories (id, created_at) VALUES ('t', '2026-01-01')"))
        conn.execute(
            text(
                "INSERT INTO api_keys (id, territory_id, role, key_hash, prefix, label, created_at)"
                " VALUES ('k', 't', 'viewer', 'h', 'sym_', '', '2026-01-01')"
            )
        )
    upgrade(engine)
    assert "site_id" in {c["name"] for c in inspect(engine).get_columns("api_keys")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT site_id FROM api_keys")).scalar() is None
    engine.dispose()


# -- inventories -----------------------------------------------------------------------------


def test_a_member_reads_an_inventory_with_its_own_site_only(live: Live, world: World) -> None:
    c, w = live.client, world
    url = f"/v1/inventories/{w.inventory['id']}/versions/1"
    mine = c.get(url, headers=w.member).json()
    assert [s["id"] for s in mine["sites"]] == ["grinder"]
    assert mine["supplies"] == []
    assert mine["demands"] == [d for d in MEMBER_INVENTORY["demands"] if d["site"] == "grinder"]
    assert [m["id"] for m in mine["modes"]] == ["truck", "heat_pipe"]  # the shared catalogue
    assert mine["territory"]["carbon_price"] == "80 EUR/t"
    whole = c.get(url, headers=w.keys.viewer).json()
    assert len(whole["sites"]) == 3 and len(whole["supplies"]) == 2


def test_a_member_edits_its_own_wants_through_if_match_into_a_new_version(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    inventory = c.post("/v1/inventories", json=MEMBER_INVENTORY, headers=w.keys.coordinator).json()
    url = f"/v1/inventories/{inventory['id']}"
    patch = {"update": {"demands": [{"site": "grinder", "commodity": "bf_slag",
                                     "quantity": "0.95 Mt/yr"}]}}  # fmt: skip
    problem(c.patch(url, json=patch, headers=w.member), 428)
    problem(c.patch(url, json=patch, headers=w.member | {"If-Match": '"0-stale"'}), 412)
    r = c.patch(url, json=patch, headers=w.member | {"If-Match": inventory["etag"]})
    assert r.status_code == 200, r.text
    assert r.json()["latest_version"] == 2 and r.headers["ETag"] != inventory["etag"]
    assert r.json()["versions"][-1]["change"] == "patch"
    whole = c.get(f"{url}/versions/2", headers=w.keys.coordinator).json()
    grinder = next(d for d in whole["demands"] if d["site"] == "grinder")
    heating = next(d for d in whole["demands"] if d["site"] == "heating")
    assert grinder["quantity"] == "0.95 Mt/yr"
    assert heating == MEMBER_INVENTORY["demands"][1]  # the others' items are untouched
    assert len(whole["supplies"]) == 2 and len(whole["sites"]) == 3
    # A new have of its own, then removing it, each a version.
    add = {"add": {"supplies": [{"site": "grinder", "commodity": "bf_slag",
                                 "quantity": "10 kt/yr"}]}}  # fmt: skip
    r = c.patch(url, json=add, headers=w.member | {"If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text
    remove = {"remove": {"supplies": [{"site": "grinder", "commodity": "bf_slag"}]}}
    r = c.patch(url, json=remove, headers=w.member | {"If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json()["latest_version"] == 4, r.text


def test_a_member_patching_another_site_gets_404_like_another_territory(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    url = f"/v1/inventories/{w.inventory['id']}"
    etag = {"If-Match": w.inventory["etag"]}
    for site in ("heating", "steelworks", "no-such-site"):
        for patch in (
            {"update": {"demands": [{"site": site, "commodity": "waste_heat", "price": "1"}]}},
            {"add": {"supplies": [{"site": site, "commodity": "bf_slag", "quantity": "1 t/yr"}]}},
            {"remove": {"demands": [{"site": site, "commodity": "*"}]}},
        ):
            body = problem(c.patch(url, json=patch, headers=w.member | etag), 404)
            assert body["detail"] == f"site {site!r} not found"
    # Another territory's inventory answers the same kind of 404.
    other = make_keys(live.services, "other")
    foreign = c.post("/v1/inventories", json=MEMBER_INVENTORY, headers=other.coordinator).json()
    patch = {"update": {"demands": [{"site": "grinder", "commodity": "bf_slag", "price": "1"}]}}
    body = problem(
        c.patch(f"/v1/inventories/{foreign['id']}", json=patch, headers=w.member | etag), 404
    )
    assert body["detail"] == f"inventory {foreign['id']!r} not found"
    assert c.get(url, headers=w.member).json()["latest_version"] == 1


def test_a_member_changing_more_than_its_haves_and_wants_gets_403_with_the_field(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    url = f"/v1/inventories/{w.inventory['id']}"
    etag = {"If-Match": w.inventory["etag"]}
    refused = {
        "territory": {"territory": {"carbon_price": "1 EUR/t"}},
        "update.sites": {"update": {"sites": [{"id": "grinder", "latitude": 50.0}]}},
        "add.links": {"add": {"links": [{"from": "grinder", "to": "grinder", "mode": "truck"}]}},
        "update.modes": {"update": {"modes": [{"id": "truck", "max_distance": "90 km"}]}},
        "remove.demands[0].site": {"remove": {"demands": [{"site": "*", "commodity": "*"}]}},
    }
    for path, patch in refused.items():
        body = problem(c.patch(url, json=patch, headers=w.member | etag), 403)
        assert body["type"].endswith("/member-forbidden")
        assert [e["path"] for e in body["errors"]] == [path], body
    body = problem(c.put(url, json=MEMBER_INVENTORY, headers=w.member | etag), 403)
    assert "member" in body["detail"]
    assert c.get(url, headers=w.member).json()["latest_version"] == 1


def test_a_member_starts_no_run_nor_any_planner_action(live: Live, world: World) -> None:
    c, w = live.client, world
    i, r0 = w.inventory["id"], w.runs[0]["id"]
    for r in (
        c.post("/v1/runs", json={"inventory_id": i}, headers=w.member),
        c.post("/v1/optimise", json={"inventory_id": i}, headers=w.member),
        c.post(f"/v1/runs/{r0}/cancel", headers=w.member),
        c.post("/v1/scenarios", json={"name": "s", "inventory_id": i}, headers=w.member),
        c.post("/v1/comparisons", json={"run_ids": [r["id"] for r in w.runs]}, headers=w.member),
        c.post("/v1/sweeps", json={"inventory_id": i, "draws": 2}, headers=w.member),
        c.post(f"/v1/sweeps/{w.sweep_id}/cancel", headers=w.member),
    ):
        assert problem(r, 403)["type"].endswith("/member-forbidden")


# -- runs and their results ------------------------------------------------------------------


def test_a_member_sees_only_the_exchanges_of_its_site_and_the_territorys_totals(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    run = w.runs[0]["id"]
    whole = c.get(f"/v1/runs/{run}/result", headers=w.keys.viewer).json()
    mine = c.get(f"/v1/runs/{run}/result", headers=w.member).json()
    assert {(f["from_id"], f["to_id"]) for f in whole["tables"]["flows"]} == {
        ("steelworks", "grinder"),
        ("steelworks", "heating"),
    }
    assert [(f["from_id"], f["to_id"]) for f in mine["tables"]["flows"]] == [
        ("steelworks", "grinder")
    ]
    assert mine["tables"]["flows"][0] == next(
        f for f in whole["tables"]["flows"] if f["to_id"] == "grinder"
    )
    assert mine["totals"] == whole["totals"]  # the territory's totals
    assert [g["site_id"] for g in mine["tables"]["site_gains"]] == ["grinder"]
    assert mine["tables"]["commodities"] == [] and "per_commodity" not in mine
    # The map: its site and its counterpart (named, without its gains), its exchange only.
    geo = c.get(f"/v1/runs/{run}/result.geojson", headers=w.member).json()
    points = {f["properties"]["id"]: f["properties"] for f in geo["features"]
              if f["geometry"]["type"] == "Point"}  # fmt: skip
    assert set(points) == {"grinder", "steelworks"}
    assert "gain_eur_per_yr" in points["grinder"]
    assert "gain_eur_per_yr" not in points["steelworks"]
    lines = [f["properties"] for f in geo["features"] if f["geometry"]["type"] != "Point"]
    assert [(p["from_id"], p["to_id"]) for p in lines] == [("steelworks", "grinder")]
    candidates = c.get(f"/v1/runs/{run}/candidates.geojson", headers=w.member).json()
    assert candidates["features"] and all(
        "grinder" in (f["properties"]["from_id"], f["properties"]["to_id"])
        for f in candidates["features"]
    )
    sankey = json.dumps(c.get(f"/v1/runs/{run}/sankey?group=site", headers=w.member).json())
    assert "Slag grinding plant" in sankey and "District heating" not in sankey
    flows = c.get(f"/v1/runs/{run}/result/flows", headers=w.member).json()
    assert [(f["from_id"], f["to_id"]) for f in flows] == [("steelworks", "grinder")]
    gains = c.get(f"/v1/runs/{run}/result/site_gains?format=csv", headers=w.member).text
    assert gains.splitlines()[0].lstrip("\ufeff").startswith("site_id")
    assert len(gains.strip().splitlines()) == 2


def test_another_member_sees_its_own_exchange_and_not_the_grinders(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    mine = c.get(f"/v1/runs/{w.runs[0]['id']}/result", headers=w.heating).json()
    assert [(f["from_id"], f["to_id"]) for f in mine["tables"]["flows"]] == [
        ("steelworks", "heating")
    ]
    assert "grinder" not in json.dumps(mine) and "Slag grinding" not in json.dumps(mine)
    inventory = c.get(
        f"/v1/inventories/{w.inventory['id']}/versions/1?format=yaml", headers=w.heating
    ).text
    assert "grinder" not in inventory and "0.987" not in inventory and "97.3 GWh/yr" in inventory


def test_a_member_sees_a_comparisons_totals_and_its_own_exchanges(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    url = f"/v1/comparisons/{w.comparison['id']}"
    whole = c.get(url, headers=w.keys.viewer).json()
    mine = c.get(url, headers=w.member).json()
    assert mine["totals"] == whole["totals"]
    assert len(whole["exchanges"]) == 2
    assert [(e["from_id"], e["to_id"]) for e in mine["exchanges"]] == [("steelworks", "grinder")]
    assert [c["id"] for c in c.get("/v1/comparisons", headers=w.member).json()] == [
        w.comparison["id"]
    ]


def test_scenarios_and_sweeps_are_hidden_from_members_as_from_other_territories(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    assert c.get("/v1/scenarios", headers=w.member).json() == []
    assert c.get("/v1/sweeps", headers=w.member).json() == []
    s = w.scenario["id"]
    body = problem(c.get(f"/v1/scenarios/{s}", headers=w.member), 404)
    assert body["detail"] == f"scenario {s!r} not found"
    problem(c.get(f"/v1/sweeps/{w.sweep_id}", headers=w.member), 404)
    assert c.get(f"/v1/scenarios/{s}", headers=w.keys.viewer).status_code == 200
    assert c.get(f"/v1/sweeps/{w.sweep_id}", headers=w.keys.viewer).status_code == 200


def test_a_failed_runs_reason_naming_other_sites_is_withheld_from_members() -> None:
    failed = store.run_public(
        RunRow(id="r", state="failed", kind="background", objective="valorisation",
               time_limit=1.0, rel_gap=0.0, attempt=1, cancel_requested=False, created_at=now(),
               reason="infeasible: District heating: must serve of waste_heat cannot be met")
    )  # fmt: skip
    member = Principal("k", "t", Role.MEMBER, "grinder")
    coordinator = Principal("k", "t", Role.COORDINATOR)
    assert visibility.run_view(member, failed).reason == visibility.FAILED_FOR_MEMBER
    assert visibility.run_view(coordinator, failed).reason == failed.reason


def test_warnings_about_other_sites_are_dropped_and_own_paths_renumbered() -> None:
    document = copy.deepcopy(MEMBER_INVENTORY)
    warnings = [
        FieldWarning(path="demands[1].price", message="heating price", kind="price"),
        FieldWarning(path="demands[0].price", message="grinder price", kind="price"),
        FieldWarning(path="sites[1].latitude", message="grinder latitude", kind="swapped"),
        FieldWarning(path="sites[2].latitude", message="heating latitude", kind="swapped"),
        FieldWarning(path="territory.carbon_price", message="carbon", kind="price"),
    ]
    member = Principal("k", "t", Role.MEMBER, "grinder")
    kept = visibility.warnings_view(member, warnings, document)
    assert [(w.path, w.message) for w in kept] == [
        ("demands[0].price", "grinder price"),
        ("sites[0].latitude", "grinder latitude"),
        ("territory.carbon_price", "carbon"),
    ]


def test_a_members_invalid_patch_names_the_fields_of_its_own_view(
    live: Live, world: World
) -> None:
    c, w = live.client, world
    url = f"/v1/inventories/{w.inventory['id']}"
    etag = {"If-Match": w.inventory["etag"]}
    # The heating network's want is demands[1] of the whole inventory, demands[0] of its view.
    wrong_unit = {"update": {"demands": [{"site": "heating", "commodity": "waste_heat",
                                          "quantity": "5 t/yr"}]}}  # fmt: skip
    body = problem(c.patch(url, json=wrong_unit, headers=w.heating | etag), 422)
    assert [e["path"] for e in body["errors"]] == ["demands[0].quantity"], body
    # A have it adds is supplies[2] of the whole, supplies[0] of its view.
    no_temperature = {"add": {"supplies": [{"site": "heating", "commodity": "waste_heat",
                                            "quantity": "5 GWh/yr"}]}}  # fmt: skip
    body = problem(c.patch(url, json=no_temperature, headers=w.heating | etag), 422)
    assert [e["path"] for e in body["errors"]] == ["supplies[0].temperature"], body
    # A coordinator reads the paths of the whole inventory.
    body = problem(c.patch(url, json=wrong_unit, headers=w.keys.coordinator | etag), 422)
    assert [e["path"] for e in body["errors"]] == ["demands[1].quantity"], body
