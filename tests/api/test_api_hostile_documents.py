"""Hostile documents sent to the web service: a 422 with the field path, never a 500.

The readers are the inventory layer's (``tests/inventory/test_hostile_documents.py`` covers them in
depth); these tests prove that the routes reading raw YAML or JSON bodies use them.
"""

from __future__ import annotations

import json

import pytest
from support.service import Keys, Live, create_inventory, small_inventory

YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}


def errors(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    return [(e["path"], e["message"]) for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("body", "headers", "path", "fragment"),
    [
        (b"name: s\nterritory: {a: " + b"[" * 50_000 + b"]" * 50_000 + b"}\n", YAML, ("territory.a[0][0]", "(document)"), "nested more than 50"),
        (b'{"name": "s", "territory": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", JSON, "(document)", "nested more than 50"),
        (b"name: &n s\ndescription: *n\n", YAML, "name", "anchors and aliases"),
        (b"name: s\nname: t\n", YAML, "name", "duplicate section 'name' at line 2"),
        (b'{"name": "s", "territory": {"carbon_price": NaN}}', JSON, "territory.carbon_price", "NaN is not a number"),
    ],
)  # fmt: skip
def test_a_hostile_scenario_file_is_a_422_with_its_path(
    live: Live, keys: Keys, body: bytes, headers: dict, path: str, fragment: str
) -> None:
    inv = create_inventory(live.client, keys)
    r = live.client.post(
        f"/v1/scenarios/file?inventory_id={inv['id']}",
        content=body,
        headers=keys.coordinator | headers,
    )
    got = errors(r)
    assert any(p.startswith(path) and fragment in m for p, m in got), got


def test_an_inventory_with_a_nul_byte_in_an_id_is_a_422_not_a_500(live: Live, keys: Keys) -> None:
    inv = small_inventory()
    inv["sites"][0]["id"] = "steel\x00works"
    r = live.client.post(
        "/v1/inventories", content=json.dumps(inv), headers=keys.coordinator | JSON
    )
    got = errors(r)
    assert any(p == "sites[0].id" and "control characters" in m for p, m in got), got


def test_an_inventory_with_a_repeated_section_is_a_422(live: Live, keys: Keys) -> None:
    text = json.dumps(small_inventory())[:-1] + ', "sites": []}'
    r = live.client.post("/v1/inventories", content=text, headers=keys.coordinator | JSON)
    assert ("sites", "duplicate section 'sites': write each key once per object") in errors(r)
