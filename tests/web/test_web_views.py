"""The page's own routes and JSON views: the Sankey of an optimum and its candidate links.

The Sankey builder is checked on hand-made flows (a chain through a hub, a loop, grouping by
sector); the routes on a live service (SQLite and PostgreSQL) with the Dunkirk inventory: the
key's territory only, a viewer reads, no key is refused, and the page and its assets need none.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from support.service import Keys, Live, wait_for

from api.web.pages import missing_vendor, web_root
from api.web.sankey import SiteInfo, build_sankey

DUNKIRK = Path(__file__).resolve().parents[2] / "datasets" / "dunkerque" / "dunkerque.yaml"


def flow(a: str, b: str, commodity: str, quantity: float, value: float) -> dict:
    return {
        "from_id": a, "to_id": b, "commodity": commodity, "quantity": quantity,
        "delivered": quantity, "unit": "t/yr", "indicative_value_eur": value,
    }


SITES = {
    "steel": SiteInfo("Steelworks", "steel"),
    "hub": SiteInfo("CO2 hub", "CO2 transport", hub=True),
    "store": SiteInfo("Offshore store", "CO2 storage"),
    "cement": SiteInfo("Cement plant", "cement"),
    "efuel": SiteInfo("E-fuel plant", "e-fuels", converter=True),
}


def graph(sankey: dict) -> nx.DiGraph:
    return nx.DiGraph([(link["source"], link["target"]) for link in sankey["links"]])


def test_sankey_puts_a_hub_between_its_supplier_and_its_taker_in_an_acyclic_chain() -> None:
    flows = [
        flow("steel", "hub", "co2", 1e6, 45e6),
        flow("hub", "store", "co2", 1e6, -5e6),
        flow("steel", "cement", "bf_slag", 1.5e6, 7e6),
        flow("steel", "efuel", "co2", 3e5, 13e6),
    ]
    sankey = build_sankey(flows, SITES).as_json()
    assert sankey["layout"] == "chain" and sankey["grouping"] == "site"
    g = graph(sankey)
    assert nx.is_directed_acyclic_graph(g)
    assert nx.has_path(g, "site:steel", "site:hub") and nx.has_path(g, "site:hub", "site:store")
    depth = {n["id"]: n["depth"] for n in sankey["nodes"]}
    assert depth["site:steel"] < depth["site:hub"] < depth["site:store"]
    kinds = {n["id"]: n["kind"] for n in sankey["nodes"]}
    assert kinds["site:hub"] == "hub" and kinds["site:efuel"] == "converter"
    # a negative yearly value is drawn by its size, and keeps its sign for the tooltip
    out_of_hub = next(link for link in sankey["links"] if link["source"] == "site:hub")
    assert out_of_hub["value"] == 5e6 and out_of_hub["value_eur"] == -5e6
    # the steelworks' CO2 to the hub and to the e-fuel plant share one commodity node
    steel_co2 = [link for link in sankey["links"] if link["source"] == "site:steel" and link["commodity"] == "co2"]
    assert len(steel_co2) == 1 and steel_co2[0]["value"] == 58e6


def test_sankey_falls_back_to_three_columns_when_exchanges_loop() -> None:
    flows = [flow("steel", "hub", "co2", 10, 100), flow("hub", "steel", "co2", 5, 50)]
    sankey = build_sankey(flows, SITES).as_json()
    assert sankey["layout"] == "columns"
    assert nx.is_directed_acyclic_graph(graph(sankey))
    assert {"out:site:steel", "in:site:steel", "out:site:hub", "in:site:hub"} <= {n["id"] for n in sankey["nodes"]}


def test_sankey_groups_sites_by_sector_beyond_max_nodes_and_keeps_every_exchange_visible() -> None:
    sites = {f"s{i}": SiteInfo(f"Site {i}", "steel" if i % 2 else "cement") for i in range(100)}
    flows = [flow(f"s{i}", f"s{i + 1}", "heat", 1.0, 0.0 if i == 3 else 10.0 * i) for i in range(99)]
    sankey = build_sankey(flows, sites, max_nodes=60).as_json()
    assert sankey["grouping"] == "sector"
    assert {n["label"] for n in sankey["nodes"] if n["kind"] == "sector"} == {"steel", "cement"}
    assert nx.is_directed_acyclic_graph(graph(sankey))
    assert min(link["value"] for link in sankey["links"]) > 0
    assert build_sankey(flows, sites, group="site").as_json()["grouping"] == "site"


def test_sankey_of_no_exchange_is_empty() -> None:
    sankey = build_sankey([], SITES).as_json()
    assert sankey["nodes"] == [] and sankey["links"] == []


def test_the_page_and_its_assets_need_no_key(live: Live) -> None:
    c = live.client
    page = c.get("/")
    if missing_vendor(web_root(live.settings)):
        assert page.status_code == 503 and "scripts/setup.sh" in page.text
        return
    assert page.status_code == 200 and "ToileMaker" in page.text
    assert c.get("/ui/app/main.js").status_code == 200
    assert c.get("/ui/vendor/maplibre-gl/maplibre-gl.mjs").status_code == 200
    assert c.get("/ui/vendor/world-atlas/LICENSE").status_code == 200
    assert c.get("/ui/vendor/maplibre-gl/../package.json").status_code == 404
    assert c.get("/ui/config.json").json() == {"tiles": None, "tiles_attribution": None}
    template = c.get("/ui/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


@pytest.fixture
def dunkirk_run(live: Live, keys: Keys) -> str:
    c = live.client
    inv = c.post(
        "/v1/inventories", content=DUNKIRK.read_bytes(),
        headers=keys.coordinator | {"Content-Type": "application/yaml"},
    )
    assert inv.status_code == 201, inv.text
    run = c.post("/v1/runs", json={"inventory_id": inv.json()["id"]}, headers=keys.coordinator).json()
    assert wait_for(c, run["id"], keys.coordinator)["state"] == "finished"
    return str(run["id"])


def test_the_sankey_of_dunkirk_runs_through_the_co2_hub_for_a_viewer(
    live: Live, keys: Keys, other: Keys, dunkirk_run: str
) -> None:
    c = live.client
    r = c.get(f"/v1/runs/{dunkirk_run}/sankey", headers=keys.viewer)
    assert r.status_code == 200, r.text
    sankey = r.json()
    assert sankey["unit"] == "EUR/yr" and sankey["grouping"] == "site"
    assert nx.is_directed_acyclic_graph(graph(sankey))
    assert any(n["id"] == "site:dartagnan_hub" and n["kind"] == "hub" for n in sankey["nodes"])
    assert c.get(f"/v1/runs/{dunkirk_run}/sankey?group=sector", headers=keys.viewer).json()["grouping"] == "sector"
    assert c.get(f"/v1/runs/{dunkirk_run}/sankey", headers=other.viewer).status_code == 404
    assert c.get(f"/v1/runs/{dunkirk_run}/sankey").status_code == 401
    bad = c.get(f"/v1/runs/{dunkirk_run}/sankey?group=canton", headers=keys.viewer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "group"


def test_candidate_links_of_dunkirk_include_the_built_ones(live: Live, keys: Keys, other: Keys, dunkirk_run: str) -> None:
    c = live.client
    r = c.get(f"/v1/runs/{dunkirk_run}/candidates.geojson", headers=keys.viewer)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    features = r.json()["features"]
    built = c.get(f"/v1/runs/{dunkirk_run}/result/built_links", headers=keys.viewer).json()
    flagged = {(f["properties"]["from_id"], f["properties"]["to_id"], f["properties"]["mode"])
               for f in features if f["properties"]["built"]}
    assert flagged == {(b["from_id"], b["to_id"], b["mode"]) for b in built}
    assert len(features) > len(built)
    assert all(f["geometry"]["type"] == "LineString" for f in features)
    assert c.get(f"/v1/runs/{dunkirk_run}/candidates.geojson", headers=other.viewer).status_code == 404


def test_a_background_tile_url_set_in_the_environment_reaches_the_page() -> None:
    from api.config import Settings
    from api.web.pages import page_config

    env = {"SYMBIOSE_MAP_TILES": "https://tiles.example/{z}/{x}/{y}.png", "SYMBIOSE_MAP_ATTRIBUTION": "© OSM"}
    assert page_config(Settings.from_env(env)) == {
        "tiles": "https://tiles.example/{z}/{x}/{y}.png",
        "tiles_attribution": "© OSM",
    }


def test_the_page_folder_is_the_checkouts_unless_set(tmp_path: Path) -> None:
    from api.config import Settings

    assert (web_root(Settings()) / "app" / "index.html").is_file()
    assert web_root(Settings(web_dir=str(tmp_path))) == tmp_path
    assert missing_vendor(tmp_path) == ["maplibre-gl", "echarts", "topojson-client", "world-atlas"]
