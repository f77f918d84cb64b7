"""The page of a pathway run: the timeline of what is built when, and the map of a period.

The module's service is seeded with Dunkirk; the Dunkirk pathway (its scenario file applied to
the base) is stored as a second inventory and run with its three scenarios through the API,
then shown on the page in headless Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.browser import Page, Service, why_no_browser

from symbiose.inventory import apply_scenario, dump_inventory, load_inventory
from symbiose.inventory.io import load_scenario

pytestmark = pytest.mark.skipif(why_no_browser() is not None, reason=str(why_no_browser()))

HERE = Path(__file__).parents[2] / "datasets" / "dunkerque" / "pathway"
HUB_SHIP = "co2_ship"


def pathway_document() -> dict[str, Any]:
    scenario, base = load_scenario(HERE / "pathway.yaml")
    assert base is not None
    inv = apply_scenario(load_inventory(base, validate=False), scenario, validate=False)
    doc = dump_inventory(inv, fmt="json")
    return json.loads(doc) if isinstance(doc, str) else doc


@pytest.fixture(scope="module")
def pathway_run(service: Service) -> dict[str, Any]:
    """The pathway stored as an inventory, its scenarios, and a finished stochastic run."""
    inv = service.post("/v1/inventories", pathway_document())
    assert inv.status_code == 201, inv.text
    inventory = inv.json()
    ids = []
    for name in ("reuze-goes-ahead", "reuze-stops", "h2v-returns"):
        scenario, _ = load_scenario(HERE / f"{name}.yaml")
        body = scenario.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True, mode="json")
        body = {k: v for k, v in body.items() if k not in ("base", "probability", "sources", "description")}
        r = service.post("/v1/scenarios", body | {"inventory_id": inventory["id"]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    run = service.post(
        "/v1/runs",
        {"inventory_id": inventory["id"], "scenario_ids": ids, "probabilities": [0.4, 0.4, 0.2]},
    )
    assert run.status_code == 202, run.text
    service.wait(
        lambda: service.get(f"/v1/runs/{run.json()['id']}").json()["state"] == "finished",
        "the pathway run did not finish",
        timeout=240,
    )
    return {"inventory": inventory, "run": run.json()}


def show_pathway(page: Page, pathway_run: dict[str, Any]) -> None:
    page.page.select_option("#inventory", pathway_run["inventory"]["id"])
    page.page.wait_for_function(
        "(id) => document.body.dataset.run === id", arg=pathway_run["run"]["id"], timeout=60_000
    )
    page.wait_map_idle()


def links_drawn(page: Page) -> list[dict[str, Any]]:
    page.wait_map_idle()
    return page.rendered("links")


def test_the_timeline_shows_what_is_built_when_and_marks_the_no_regret_builds(
    page: Page, pathway_run: dict[str, Any]
) -> None:
    show_pathway(page, pathway_run)
    page.page.click("#tab-pathway")
    page.page.wait_for_selector("#timeline tbody tr")
    text = page.page.inner_text("#timeline").replace("\xa0", " ")
    assert "Grande-Synthe district heating network" in text
    # the hub chain waits for 2028: its row is empty in 2026 and built (●) in 2028
    hub = page.page.locator("#timeline tbody tr", has_text="North Sea CO2 storage").first
    assert hub.locator("td[data-year='2026']").inner_text().strip() == ""
    assert hub.locator("td[data-year='2028']").inner_text().startswith("●")
    assert hub.locator("td[data-year='2035']").inner_text().strip() == "━"
    marked = page.page.locator("#timeline tbody tr.noregret")
    assert marked.count() == 3  # the three builds of 2026
    scenarios = page.page.inner_text("#pathway-scenarios").replace("\xa0", " ")
    assert re.search(r"reuze-stops\s+0\.4\s+332.14 M€/yr\s+332.14 M€/yr\s+0 €/yr", scenarios), scenarios
    assert "value of the stochastic solution" in page.page.inner_text("#pathway-measures")


def test_the_map_draws_the_chosen_period_and_scenario(
    page: Page, pathway_run: dict[str, Any]
) -> None:
    show_pathway(page, pathway_run)
    assert not page.page.locator("#pathway-pick").is_hidden()
    assert page.page.input_value("#pathway-year") == "2026"
    early = links_drawn(page)
    assert early and not any(f["mode"] == HUB_SHIP for f in early)  # no hub before 2028
    assert any(f["no_regret"] for f in page.rendered("noregret"))
    page.page.select_option("#pathway-year", "2028")
    later = links_drawn(page)
    assert any(f["mode"] == HUB_SHIP for f in later)
    assert "reuze-goes-ahead, 2028" in page.page.inner_text("#map-title")
    # a click on a year of the timeline draws that period
    page.page.select_option("#pathway-scenario", "reuze-stops")
    page.page.click("#tab-pathway")
    page.page.click("#timeline th button[data-year='2030']")
    page.page.wait_for_function("() => document.getElementById('pathway-year').value === '2030'")
    assert page.page.get_attribute("#tab-map", "aria-selected") == "true"
    assert not any(f["to_id"] == "reuze" for f in links_drawn(page))  # Reuze stopped
    assert "reuze-stops, 2030" in page.page.inner_text("#map-title")


def test_the_pathway_tab_speaks_french(page: Page, pathway_run: dict[str, Any]) -> None:
    show_pathway(page, pathway_run)
    page.page.select_option("#lang", "fr")
    assert page.page.inner_text("#tab-pathway") == "Trajectoire"
    page.page.click("#tab-pathway")
    page.page.wait_for_selector("#timeline")
    text = page.page.inner_text("#panel-pathway")
    assert "Ce qui est construit, et quand" in text and "sans regret" in text
    assert "Valeur espérée de l’information parfaite" in text
    page.page.select_option("#lang", "en")
