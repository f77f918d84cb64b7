"""The web page in a real headless Chromium, against a real service seeded with Dunkirk.

Each acceptance line of the page is a test: sign in, the optimum's links drawn on the map
(rendered features, not a div), a site's panel, the Sankey, a run started from the page
reaching ``finished``, a broken spreadsheet's field-level messages, two runs compared with the
differing exchange on the map, French labels and number formats, keyboard use, and no request
leaving the machine.  The regional-scale check measures frame times while panning 24,045 sites
and reports them (printed and written to out/web-frame-times.json), without asserting a bound.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path
from typing import Any

import pytest
from support.browser import (
    ROOT,
    Page,
    Service,
    broken_workbook,
    wait_finished_runs,
    why_no_browser,
)

REASON = why_no_browser()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]


def test_signing_in_shows_the_territory_role_and_the_dunkirk_inventory(page: Page) -> None:
    assert page.page.inner_text("#who") == "dunkerque · coordinator"
    assert page.page.input_value("#inventory") != ""
    assert "Dunkerque" in page.page.inner_text("#inventory")
    assert page.page.inner_text("#version") == "v1"
    assert "21 sites" in page.page.inner_text("#inventory-info")
    assert page.js("() => sessionStorage.getItem('symbiose.key')").startswith("sym_")


def test_a_wrong_key_is_refused_with_a_message(service: Service, browser: Any) -> None:
    context = browser.new_context()
    raw = context.new_page()
    raw.goto(service.base + "/")
    raw.fill("#key", "sym_not-a-key")
    raw.click("#signin-form button[type=submit]")
    raw.wait_for_function("() => document.getElementById('signin-error').textContent !== ''")
    assert raw.inner_text("#signin-error") == "This key is unknown or revoked."
    assert raw.is_hidden("#app")
    context.close()


def test_the_optimums_links_are_drawn_on_the_map_coloured_by_commodity(page: Page, service: Service) -> None:
    show_seeded_run(page)
    page.wait_map_idle()
    run = next(r for r in service.get("/v1/runs").json() if r["state"] == "finished")
    built = service.get(f"/v1/runs/{run['id']}/result/built_links").json()
    drawn = page.rendered("links")
    pairs = {(f["from_id"], f["to_id"]) for f in drawn}
    on_screen = {(b["from_id"], b["to_id"]) for b in built if b["to_id"] != "northern_lights"}
    assert on_screen <= pairs, on_screen - pairs
    gas = [f for f in drawn if f["from_id"] == "am_dunkerque" and f["to_id"] == "dk6"]
    assert gas and gas[0]["commodity"] == "steelworks_gas"
    widths = {f["to_id"]: f["w"] for f in drawn if f["from_id"] == "am_dunkerque"}
    assert widths["dk6"] > widths["dh_grande_synthe"]  # 5 TWh/yr against 26 GWh/yr of heat
    colour = page.js("() => window.toile.map.map.getPaintProperty('links', 'line-color')")
    assert colour[0] == "match" and "steelworks_gas" in colour
    assert len(page.rendered("sites")) >= 19


def test_candidate_links_appear_on_the_toggle(page: Page) -> None:
    assert page.rendered("candidates") == []
    page.page.check("#show-candidates")
    page.page.wait_for_function("() => window.toile.map.rendered('candidates').length > 0")
    drawn = page.rendered("candidates")
    assert any(not f["built"] for f in drawn) and any(f["built"] for f in drawn)


def test_clicking_a_site_opens_its_panel_with_haves_wants_exchanges_and_gain(page: Page) -> None:
    show_seeded_run(page)
    page.wait_map_idle()
    x, y = page.js(
        """() => { const m = window.toile.map.map; const r = m.getCanvas().getBoundingClientRect();
        const p = m.project([2.286, 51.045]); return [r.left + p.x, r.top + p.y]; }"""
    )
    page.page.mouse.click(x, y)
    page.page.wait_for_selector("#site-panel:not([hidden])")
    panel = page.page.inner_text("#site-panel").replace("\xa0", " ")
    assert "DK6 combined-cycle plant (Engie)" in panel
    assert "Wants (demands)" in panel and "steelworks_gas" in panel
    assert "Receives" in panel and "steelworks_gas ← ArcelorMittal Dunkerque: 5 TWh/yr" in panel
    assert "Gain: 175 M€/yr" in panel
    assert "CO2 avoided: 1.17 Mt/yr" in panel


def test_the_sankey_runs_from_suppliers_through_commodities_and_hubs_to_takers(page: Page) -> None:
    show_seeded_run(page)
    page.page.click("#tab-sankey")
    page.page.wait_for_function("() => window.toile.sankey && window.toile.chart('sankey')")
    option = page.js("() => window.toile.chart('sankey').getOption().series[0]")
    names = {n["name"] for n in option["data"]}
    assert {"site:am_dunkerque", "site:dk6", "site:dartagnan_hub"} <= names
    assert any(name.startswith("commodity:steelworks_gas") for name in names)
    hub_in = [x for x in option["links"] if x["target"] == "site:dartagnan_hub"]
    hub_out = [x for x in option["links"] if x["source"] == "site:dartagnan_hub"]
    assert hub_in and hub_out  # the CO2 hub sits between the steelworks and the storage
    assert "grouped by site" in page.page.inner_text("#sankey-note")
    assert page.js("() => document.querySelector('#sankey canvas').width") > 300


def test_a_run_started_from_the_page_shows_its_progress_until_finished(page: Page) -> None:
    before = page.js("() => document.querySelectorAll('#runs li').length")
    page.page.select_option("#run-objective", "co2")
    page.page.click("#run-start")
    page.page.wait_for_function(f"() => document.querySelectorAll('#runs li').length > {before}")
    states = set()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = page.js("() => document.querySelector('#runs li').dataset.state")
        states.add(state)
        if state == "finished":
            break
        page.page.wait_for_timeout(200)
    assert "finished" in states, states
    first = page.page.inner_text("#runs li")
    assert "CO2 avoided" in first and "finished" in first and "gap" in first
    page.page.wait_for_selector("body[data-run]")


def test_a_broken_spreadsheet_shows_every_problem_by_sheet_row_and_field(page: Page, tmp_path: Path) -> None:
    workbook = tmp_path / "broken.xlsx"
    workbook.write_bytes(broken_workbook())
    page.page.click("#tab-upload")
    page.page.set_input_files("#upload-file", str(workbook))
    page.page.click("#upload-form button[type=submit]")
    page.page.wait_for_selector("#upload-errors table")
    rows = page.js(
        "() => [...document.querySelectorAll('#upload-errors tbody tr')].map(r => [...r.cells].map(c => c.textContent))"
    )
    latitude = next(r for r in rows if r[:3] == ["sites", "3", "latitude"])
    assert "'north'" in latitude[3] and "number" in latitude[3]
    dispatch = next(r for r in rows if r[:3] == ["supplies", "2", "must_dispatch"])
    assert "'perhaps'" in dispatch[3]
    assert page.page.inner_text("#upload-status") == "2 problem(s) in the workbook; nothing was stored."
    template = page.page.get_attribute("a[href='/ui/template.xlsx']", "href")
    assert template == "/ui/template.xlsx"


def test_a_scenario_made_on_the_page_compared_with_the_base_shows_the_differing_exchange(page: Page) -> None:
    page.page.click("#tab-scenarios")
    page.page.fill("#sc-name", "dk6 stops (page)")
    page.page.select_option("#sc-remove", "dk6")
    page.page.click("#scenario-form button[type=submit]")
    page.page.wait_for_function("() => document.getElementById('scenario-error').textContent.includes('created')")
    finished = page.js("() => document.querySelectorAll('#runs li[data-state=finished]').length")
    page.page.click("#run-start")  # the new scenario is the selected target
    wait_finished_runs(page, finished + 1)
    page.page.click("#tab-compare")
    labels = page.page.locator("#compare-runs label")
    scenario = labels.filter(has_text="dk6 stops (page)").first
    base = labels.filter(has_text="Dunkerque v1").last
    base.locator("input").check()
    scenario.locator("input").check()
    page.page.click("#compare-go")
    page.page.wait_for_selector("#compare-result table")
    text = page.page.inner_text("#compare-result").replace("\xa0", " ")
    assert re.search(r"ArcelorMittal Dunkerque\s+DK6 combined-cycle plant \(Engie\)\s+steelworks_gas\s+5 TWh/yr\s+0 MWh/yr\s+disappears", text), text
    assert re.search(r"Valorisation \(EUR/yr\)\s+508.23 M€/yr\s+245.48 M€/yr", text), text
    page.page.click("#compare-result button")
    page.wait_map_idle()
    changed = page.rendered("diff")
    assert any(f["change"] == "disappears" and f["commodity"] == "steelworks_gas" for f in changed)


def test_a_sweep_started_from_the_page_draws_the_robust_toile_on_the_map(page: Page) -> None:
    page.page.click("#tab-sweeps")
    page.page.fill("#sweep-draws", "4")
    page.page.fill("#sweep-seed", "3")
    page.page.click("#sweep-start")
    done = page.page.locator("#sweeps li[data-state=finished]").first
    done.wait_for(timeout=240_000)
    assert "4 of 4 draws done (0 failed)" in done.inner_text().replace("\xa0", " ")
    done.get_by_role("button", name="Show").click()
    page.page.wait_for_selector("#sweep-table table")
    text = page.page.inner_text("#sweep-table").replace("\xa0", " ")
    # the slag to Ecocem is built whatever the CO2 figures
    assert re.search(r"ArcelorMittal Dunkerque\s+Ecocem Dunkerque \(slag grinding\)\s+bf_slag\s+100%", text), text
    page.page.click("#sweep-map")
    page.wait_map_idle()
    robust = page.rendered("robust")
    assert any(f["commodity"] == "bf_slag" and f["share"] == 1 for f in robust), robust
    assert not page.errors


def show_seeded_run(page: Page) -> None:
    """Show the run the service was seeded with (the oldest), whatever ran since."""
    page.page.click("#runs li:last-child button")
    page.page.wait_for_function("() => document.querySelector('#runs li:last-child').classList.contains('current')")


def test_switching_to_french_shows_french_labels_and_number_formats(page: Page) -> None:
    show_seeded_run(page)
    page.page.select_option("#lang", "fr")
    assert page.page.inner_text("#tab-map") == "Carte"
    assert page.page.inner_text("#tab-summary") == "Synthèse"
    assert page.page.inner_text("#who") == "dunkerque · coordinateur"
    title = page.page.inner_text("#map-title")
    assert "508,23\u00a0M€/an" in title and "3,55\u00a0Mt/an" in title, title
    page.page.click("#tab-summary")
    summary = page.page.inner_text("#summary")
    assert "Toile de Dunkerque" in summary and "Valeur carbone" in summary
    assert "265,93\u00a0M€/an" in summary
    assert page.js("() => document.documentElement.lang") == "fr"


def test_the_views_are_keyboard_usable_and_the_summary_prints_alone(page: Page) -> None:
    page.page.focus("#tab-map")
    page.page.keyboard.press("ArrowRight")
    assert page.js("() => document.activeElement.id") == "tab-sankey"
    assert page.page.get_attribute("#tab-sankey", "aria-selected") == "true"
    page.page.keyboard.press("Home")
    assert page.page.get_attribute("#tab-map", "aria-selected") == "true"
    page.page.select_option("#site-jump", "am_dunkerque")  # a site's panel without a mouse
    page.page.wait_for_selector("#site-panel:not([hidden])")
    assert page.js("() => document.activeElement.id") == "site-panel"
    page.page.keyboard.press("Escape")
    assert page.page.is_hidden("#site-panel")
    page.page.focus("#tab-map")
    page.page.keyboard.press("End")
    assert page.page.get_attribute("#tab-summary", "aria-selected") == "true"
    page.page.emulate_media(media="print")
    assert page.page.is_visible("#summary") and not page.page.is_visible("#runs")
    page.page.emulate_media(media="screen")


def test_the_page_asks_nothing_of_the_internet(page: Page) -> None:
    page.page.click("#tab-sankey")
    page.page.wait_for_function("() => window.toile.sankey")
    outside = [u for u in page.requests if not u.startswith((page.base, "data:", "blob:"))]
    assert outside == []
    assert any("/ui/vendor/maplibre-gl/" in u for u in page.requests)


def test_a_failed_run_names_the_requirement_that_cannot_be_met(page: Page, service: Service) -> None:
    inventory = service.get("/v1/inventories").json()[-1]
    impossible = {
        "name": "impossible demand",
        "inventory_id": inventory["id"],
        "update": {"demands": [{"site": "dk6", "commodity": "steelworks_gas", "quantity": "50 TWh/yr", "must_serve": True}]},
    }
    scenario = service.post("/v1/scenarios", impossible).json()
    page.page.reload()  # the key stays in the tab's session: signed in again at once
    page.page.wait_for_selector("body[data-run]", timeout=60_000)
    page.page.select_option("#run-target", f"s:{scenario['id']}")
    page.page.click("#run-start")
    failed = page.page.locator("#runs li[data-state=failed]", has_text="impossible demand")
    failed.wait_for(timeout=120_000)
    assert "must-serve demand of steelworks_gas at dk6" in failed.locator(".reason").inner_text()


def test_a_long_run_can_be_cancelled_from_the_page(page: Page, service: Service) -> None:
    from symbiose.synthetic import synthetic_inventory

    # 60 x 60 conveyors (3,600 binaries) keep HiGHS at a gap of several % for a minute: the run
    # is still running when Cancel is pressed (25 x 25 solves in seconds since the local flow
    # bounds and binary-free free arcs tightened the model)
    slow = service.post("/v1/inventories?name=Slow%20grid", synthetic_inventory(60, 60, seed=3)).json()
    page.page.reload()
    page.page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    page.page.select_option("#inventory", slow["id"])
    page.page.wait_for_function("() => document.getElementById('run-target').value.startsWith('v:')")
    page.page.click("#run-start")
    running = page.page.locator("#runs li[data-state=running]")
    running.wait_for(timeout=120_000)
    running.get_by_role("button", name="Cancel").click()
    page.page.locator("#runs li[data-state=cancelled]").wait_for(timeout=60_000)
    assert "cancelled" in page.page.inner_text("#runs li")


def synthetic_region(n_sites: int = 24_045, n_links: int = 30_000, seed: int = 7) -> dict:
    """Sites at random over the Hauts-de-France box, links between near neighbours."""
    rng = random.Random(seed)
    sectors = ["steel", "chemicals", "agri-food", "energy", "cement", "logistics", "waste", "paper"]
    sites = [
        (round(rng.uniform(1.4, 4.3), 5), round(rng.uniform(49.0, 51.1), 5), rng.choice(sectors))
        for _ in range(n_sites)
    ]
    features: list[dict] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [x, y]},
            "properties": {"kind": "site", "id": f"s{i}", "name": f"Site {i}", "sector": s, "hub": i % 500 == 0},
        }
        for i, (x, y, s) in enumerate(sites)
    ]
    order = sorted(range(n_sites), key=lambda i: (round(sites[i][1], 1), sites[i][0]))
    commodities = ["waste_heat", "co2", "steam", "bf_slag", "biomass"]
    for k in range(n_links):
        a = order[k % n_sites]
        b = order[(k + rng.randint(1, 40)) % n_sites]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(sites[a][:2]), list(sites[b][:2])]},
                "properties": {"kind": "truck", "from_id": f"s{a}", "to_id": f"s{b}",
                               "commodities": rng.choice(commodities), "flow": rng.uniform(1, 1e5)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def test_the_regional_inventory_map_pans_without_freezing(page: Page) -> None:
    region = synthetic_region()
    page.js("(fc) => window.toile.map.showToile(fc)", region)
    page.wait_map_idle()
    assert len(page.rendered("sites")) > 1000
    stats = page.js(
        """async () => {
          const m = window.toile.map.map;
          const gaps = []; let last = performance.now(); let running = true;
          const tick = (now) => { gaps.push(now - last); last = now; if (running) requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
          for (let i = 0; i < 8; i++) {
            m.panBy([i % 2 ? -300 : 300, i % 3 ? 120 : -120], { duration: 500 });
            await new Promise((r) => m.once('moveend', r));
          }
          running = false;
          gaps.shift();
          const sorted = [...gaps].sort((a, b) => a - b);
          const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
          return { frames: gaps.length, mean_ms: gaps.reduce((a, b) => a + b, 0) / gaps.length,
                   p50_ms: q(0.5), p95_ms: q(0.95), max_ms: sorted[sorted.length - 1] };
        }"""
    )
    stats |= {"sites": 24_045, "links": 30_000, "renderer": page.js(
        """() => { const g = document.createElement('canvas').getContext('webgl');
        const d = g && g.getExtension('WEBGL_debug_renderer_info');
        return d ? g.getParameter(d.UNMASKED_RENDERER_WEBGL) : 'unknown'; }""")}
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    (out / "web-frame-times.json").write_text(json.dumps(stats, indent=2))
    print(f"\nregional map (24,045 sites, 30,000 links) panning frame times: {stats}")
    assert stats["frames"] > 0  # measured and reported, not bounded (a shared CI machine)
