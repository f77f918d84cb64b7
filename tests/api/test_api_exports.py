"""The service's spreadsheet downloads: no live formulas, French CSV, versions as the template."""

from __future__ import annotations

import io

import pandas as pd
from support.service import Keys, Live, create_inventory, small_inventory, wait_for
from support.spreadsheets import HOSTILE, csv_cells_are_safe, no_formulas

from api import domain
from symbiose.document import Columns
from symbiose.inventory import parse_inventory
from symbiose.inventory.workbook import LIMITS


def hostile_small_inventory() -> dict:
    inv = small_inventory()
    for site, name in zip(inv["sites"], HOSTILE, strict=False):
        site["name"] = name
    return inv


def test_a_stored_version_downloads_as_the_template_and_uploads_again(
    live: Live, keys: Keys
) -> None:
    c = live.client
    inv = create_inventory(c, keys, hostile_small_inventory())
    r = c.get(f"/v1/inventories/{inv['id']}/versions/1?format=xlsx", headers=keys.viewer)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == domain.XLSX
    assert f'filename="inventory-{inv["id"]}-v1.xlsx"' in r.headers["content-disposition"]
    assert r.headers["etag"] == inv["etag"]
    no_formulas(r.content)
    stored = c.get(f"/v1/inventories/{inv['id']}/versions/1", headers=keys.viewer).json()
    assert parse_inventory(r.content, "xlsx") == parse_inventory(stored, "json")
    files = {"file": ("edited.xlsx", r.content, "application/octet-stream")}
    path = f"/v1/inventories/{inv['id']}/upload"
    put = c.put(path, files=files, headers=keys.coordinator | {"If-Match": inv["etag"]})
    assert put.status_code == 200, put.text
    again = c.get(f"/v1/inventories/{inv['id']}/versions/2", headers=keys.viewer).json()
    assert again == stored
    assert [s["name"] for s in again["sites"]] == HOSTILE[:3]


def test_an_unknown_download_format_is_refused(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys)
    r = c.get(f"/v1/inventories/{inv['id']}/versions/1?format=xls", headers=keys.viewer)
    assert r.status_code == 422
    assert any(e["path"].endswith("format") for e in r.json()["errors"])


def test_an_uploaded_sparse_sheet_bomb_is_a_422_naming_the_sheet(live: Live, keys: Keys) -> None:
    from test_workbook_limits import sparse_bomb

    files = {"file": ("bomb.xlsx", sparse_bomb(), "application/octet-stream")}
    r = live.client.post("/v1/inventories/upload", files=files, headers=keys.coordinator)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert errors[0]["path"] == "sites"
    assert f"the limit of {LIMITS.columns} columns" in errors[0]["message"]


def test_run_table_downloads_have_no_live_formulas(live: Live, keys: Keys) -> None:
    c = live.client
    inv = create_inventory(c, keys, hostile_small_inventory())
    run = c.post("/v1/runs", json={"inventory_id": inv["id"]}, headers=keys.coordinator).json()
    assert wait_for(c, run["id"], keys.viewer)["state"] == "finished"
    base = f"/v1/runs/{run['id']}/result"
    seen: set[str] = set()
    for table in ("flows", "built_links", "site_gains", "totals"):
        r = c.get(f"{base}/{table}?format=csv", headers=keys.viewer)
        assert r.headers["content-type"].startswith("text/csv")
        seen |= {cell for row in csv_cells_are_safe(r.text) for cell in row}
    assert "'" + HOSTILE[0] in seen
    xlsx = c.get(f"/v1/runs/{run['id']}/result.xlsx", headers=keys.viewer)
    no_formulas(xlsx.content)
    flows = pd.read_excel(io.BytesIO(xlsx.content), sheet_name="flows")
    assert "'" + HOSTILE[0] in set(flows["from"])


def test_report_csv_follows_the_territory_number_format() -> None:
    frame = pd.DataFrame({"site": ["=x"], "gain_eur": [1.5]})
    document = domain.ResultDocument({}, {"flows": Columns.of(frame)}, number_format="fr")
    data = document.csv("flows")
    assert data.decode("utf-8-sig").splitlines() == ["site;gain_eur", "'=x;1,5"]
    assert data.startswith(b"\xef\xbb\xbf")


def test_comparison_csv_with_semicolons_is_french_csv() -> None:
    records = [{"total": "Valorisation (EUR/yr)", "=base": 1.25}]
    assert domain.records_csv(records, "fr").decode("utf-8-sig").splitlines() == [
        "total;'=base",
        "Valorisation (EUR/yr);1,25",
    ]
    assert domain.records_csv(records).decode().splitlines()[1] == "Valorisation (EUR/yr),1.25"
