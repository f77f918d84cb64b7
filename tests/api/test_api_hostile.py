"""The service against hostile input: huge numbers, control characters, deep nesting, bombs.

Every answer is a 4xx problem naming the field, on SQLite and on PostgreSQL; documents that
would take the reader minutes or gigabytes are refused by the parser processes' budgets.
"""

from __future__ import annotations

import pytest
from support.bombs import alias_bomb, deflate_bomb, sparse_sheet_bomb
from support.service import Keys, Live, create_inventory, small_inventory

HUGE = 2**63
PROBLEM = "application/problem+json"


def _paths(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith(PROBLEM), response.text
    return [e["path"] for e in response.json().get("errors", [])]


def test_version_numbers_beyond_the_database_integer_answer_422(live: Live, keys: Keys) -> None:
    inv = create_inventory(live.client, keys)
    c, h = live.client, keys.coordinator
    r = c.get(f"/v1/inventories/{inv['id']}/versions/{HUGE}", headers=h)
    assert r.status_code == 422 and _paths(r) == ["version"], r.text
    r = c.post("/v1/runs", json={"inventory_id": inv["id"], "version": HUGE}, headers=h)
    assert r.status_code == 422 and _paths(r) == ["version"], r.text
    body = {"name": "s", "inventory_id": inv["id"], "version": HUGE}
    r = c.post("/v1/scenarios", json=body, headers=h)
    assert r.status_code == 422 and _paths(r) == ["version"], r.text
    r = c.post("/v1/optimise", json={"inventory_id": inv["id"], "version": HUGE}, headers=h)
    assert r.status_code == 422 and _paths(r) == ["version"], r.text
    r = c.get(f"/v1/inventories/{inv['id']}/versions/{2**31 - 1}", headers=h)
    assert r.status_code == 404, r.text  # within range: simply not there


def test_nul_bytes_in_names_answer_422_naming_the_field(live: Live, keys: Keys) -> None:
    c, h = live.client, keys.coordinator
    r = c.post("/v1/inventories", params={"name": "a\x00b"}, json=small_inventory(), headers=h)
    assert r.status_code == 422 and _paths(r) == ["name"], r.text

    r = c.post("/v1/inventories", json=small_inventory(name="Nul\x00ville"), headers=h)
    assert r.status_code == 422 and _paths(r) == ["territory.name"], r.text
    assert "U+0000" in r.json()["errors"][0]["message"]

    inv = create_inventory(c, keys)
    r = c.post("/v1/scenarios", json={"name": "x\x00", "inventory_id": inv["id"]}, headers=h)
    assert r.status_code == 422 and _paths(r) == ["name"], r.text
    body = {"name": "s", "inventory_id": inv["id"], "territory": {"carbon_price": "9\x00 EUR/t"}}
    r = c.post("/v1/scenarios", json=body, headers=h)
    assert r.status_code == 422 and _paths(r) == ["territory"], r.text
    assert "carbon_price: contains the control character U+0000" in r.text

    r = c.post(
        "/v1/scenarios/file",
        params={"inventory_id": inv["id"]},
        content=b"name: a\\0b\nterritory: {carbon_price: 90 EUR/t}\n".replace(b"\\0", b"\x00"),
        headers=h | {"Content-Type": "application/yaml"},
    )
    assert r.status_code == 422, r.text
    r = c.post(
        "/v1/scenarios/file",
        params={"inventory_id": inv["id"]},
        json={"name": "a\x00b", "territory": {"carbon_price": "90 EUR/t"}},
        headers=h,
    )
    assert r.status_code == 422 and _paths(r) == ["name"], r.text

    patch = {"territory": {"name": "P\x00"}}
    r = c.patch(f"/v1/inventories/{inv['id']}", json=patch, headers=h | {"If-Match": inv["etag"]})
    assert r.status_code == 422 and _paths(r) == ["territory"], r.text

    r = c.get("/v1/scenarios", params={"inventory_id": "a\x00"}, headers=h)
    assert r.status_code == 422 and _paths(r) == ["inventory_id"], r.text
    for path in ("/v1/inventories/a%00b", "/v1/runs/a%00b", "/v1/scenarios/a%00b"):
        assert c.get(path, headers=h).status_code == 404, path
    r = c.post("/v1/runs", json={"inventory_id": "a\x00b"}, headers=h)
    assert r.status_code == 422 and _paths(r) == ["inventory_id"], r.text


def _nested(depth: int) -> str:
    return '{"name": "deep", "territory": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [100, 5_000, 100_000])
def test_deeply_nested_documents_answer_4xx_not_500(live: Live, keys: Keys, depth: int) -> None:
    c, h = live.client, keys.coordinator
    inv = create_inventory(c, keys)
    text = _nested(depth)
    json_headers = h | {"Content-Type": "application/json"}
    answers = [
        c.post(
            "/v1/scenarios/file",
            params={"inventory_id": inv["id"]},
            content=text,
            headers=json_headers,
        ),
        c.post(
            "/v1/scenarios/file",
            params={"inventory_id": inv["id"]},
            content=text,
            headers=h | {"Content-Type": "application/yaml"},
        ),
        c.post("/v1/inventories", content=text, headers=json_headers),
        c.post("/v1/inventories", content=text, headers=h | {"Content-Type": "application/yaml"}),
        c.post(
            "/v1/scenarios",
            content=text.replace('"name"', '"inventory_id": "x", "name"'),
            headers=json_headers,
        ),
        c.post("/v1/optimise", content='{"inventory": ' + text + "}", headers=json_headers),
    ]
    for r in answers:
        assert 400 <= r.status_code < 500, (r.request.url, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith(PROBLEM)


def test_an_alias_bomb_is_refused_before_it_expands(live: Live, keys: Keys) -> None:
    r = live.client.post(
        "/v1/inventories",
        content=alias_bomb(),
        headers=keys.coordinator | {"Content-Type": "application/yaml"},
    )
    assert r.status_code == 422, r.text
    assert any("anchors and aliases" in e["message"] for e in r.json()["errors"]), r.text


def test_workbook_bombs_are_refused_as_too_complex(live: Live, keys: Keys) -> None:
    for name, data in (
        ("sparse.xlsx", sparse_sheet_bomb()),
        ("deflate.xlsx", deflate_bomb(200_000)),
    ):
        r = live.client.post(
            "/v1/inventories/upload", files={"file": (name, data)}, headers=keys.coordinator
        )
        assert r.status_code in (413, 422), r.text
        assert r.headers["content-type"].startswith(PROBLEM)


def test_the_docs_load_every_asset_from_the_service_itself(live: Live) -> None:
    import re

    c = live.client
    for page in ("/docs", "/redoc"):
        html = c.get(page).text
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", html, re.I), html
        assets = re.findall(r'(?:src|href)="(/docs/assets/[^"]+)"', html)
        assert len(assets) >= 2 if page == "/docs" else len(assets) >= 1, html
        for url in assets:
            r = c.get(url)
            assert r.status_code == 200 and len(r.content) > 1000, url
    assert c.get("/docs/oauth2-redirect").status_code == 200
