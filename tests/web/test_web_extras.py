"""The page's region outline, Sankey by zone, the service's Pareto front and pins / bans, in Chromium.

Same set-up as ``test_web_browser.py`` (a real service seeded with Dunkirk, Debian's Chromium):
the outline of Hauts-de-France is drawn from the shipped boundary file, the Sankey grouped by
zone shows the cantons, a point of the front computed by the service opens its toile, and a
scenario that forbids a link gives a run without it.
"""

from __future__ import annotations

import pytest
from support.browser import Page, Service, wait_finished_runs, why_no_browser

REASON = why_no_browser()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]

FORBIDDEN = "am_dunkerque|dh_grande_synthe|heat_pipe"
"""A new heat pipe the Dunkirk optimum builds (the steelworks' heat to Grande-Synthe)."""


def test_the_region_outline_is_drawn_from_the_shipped_boundary_file(page: Page) -> None:
    page.page.wait_for_function("() => window.toile.map.region")
    shipped = page.js("() => window.toile.map.region.features.map(f => f.properties.level)")
    assert shipped.count("region") == 1 and shipped.count("departement") == 5
    # at Dunkirk's zoom the cantons (the Sankey's zones) are drawn around the sites
    cantons = {f["name"] for f in page.rendered("region-cantons")}
    assert {"Grande-Synthe", "Dunkerque-1"} <= cantons, cantons
    page.js("() => window.toile.map.map.jumpTo({ center: [2.8, 49.9], zoom: 6.5 })")
    page.wait_map_idle()
    outline = page.rendered("region-outline")
    assert [f["name"] for f in outline][:1] == ["Hauts-de-France"]
    departements = {f["name"] for f in page.rendered("region-departements")}
    assert departements == {"Nord", "Pas-de-Calais", "Somme", "Oise", "Aisne"}
    assert "ADMIN EXPRESS" in page.page.inner_text(".maplibregl-ctrl-attrib")
    assert any(u.endswith("/ui/geo/hauts-de-france.geo.json") for u in page.requests)


def test_the_sankey_grouped_by_zone_shows_the_cantons(page: Page) -> None:
    page.page.click("#tab-sankey")
    page.page.wait_for_function("() => window.toile.sankey")
    page.page.select_option("#sankey-group", "zone")
    page.page.wait_for_function("() => window.toile.sankey.grouping === 'zone'")
    option = page.js("() => window.toile.chart('sankey').getOption().series[0]")
    labels = {n["title"] for n in option["data"] if n["kind"] == "zone"}
    assert {"Grande-Synthe", "Dunkerque-1", "outside Hauts-de-France"} <= labels, labels
    assert not any(n["name"].startswith(("site:", "out:site:", "in:site:")) for n in option["data"])
    assert "by zone (canton of Hauts-de-France)" in page.page.inner_text("#sankey-note")


def test_a_point_of_the_services_front_shows_its_toile_on_the_map(page: Page, service: Service) -> None:
    page.page.click("#tab-pareto")
    page.page.fill("#pareto-points", "3")
    page.page.click("#pareto-compute")
    page.page.wait_for_function(
        "() => { const s = window.toile.chart('pareto').getOption().series[2];"
        " return s && s.data.length >= 3 && window.toile.front && !window.toile.front.computing; }",
        timeout=180_000,
    )
    front = page.js("() => window.toile.front.points")
    epsilon = [p for p in front if p["role"] == "epsilon" and p["state"] == "finished"]
    assert len(epsilon) == 2, front
    target = epsilon[-1]
    label = page.page.inner_text(f"#runs li[data-run='{target['run_id']}'] strong").replace("\xa0", " ")
    assert label.startswith("Dunkerque v1 · CO2 avoided ≥ 3.55 Mt/yr"), label
    x, y = page.js(
        """(p) => { const c = window.toile.chart('pareto');
        const xy = c.convertToPixel({ seriesIndex: 2 }, [p.co2_avoided_t_per_yr, p.valorisation_eur_per_yr]);
        const r = document.querySelector('#pareto canvas').getBoundingClientRect();
        return [r.left + xy[0], r.top + xy[1]]; }""",
        target,
    )
    page.page.mouse.click(x, y)
    page.page.wait_for_function(f"() => document.body.dataset.run === '{target['run_id']}'")
    assert page.page.get_attribute("#tab-map", "aria-selected") == "true"
    page.wait_map_idle()
    built = service.get(f"/v1/runs/{target['run_id']}/result/built_links").json()
    drawn = {(f["from_id"], f["to_id"]) for f in page.rendered("links")}
    on_screen = {(b["from_id"], b["to_id"]) for b in built if b["to_id"] != "co2_storage"}
    assert on_screen and on_screen <= drawn, on_screen - drawn
    assert target["co2_avoided_t_per_yr"] >= target["epsilon"] * (1 - 1e-9)


def test_a_scenario_forbidding_a_link_gives_a_run_without_it(page: Page, service: Service) -> None:
    page.page.click("#tab-scenarios")
    page.page.wait_for_function(f"() => [...document.querySelectorAll('#sc-link option')].some(o => o.value === '{FORBIDDEN}')")
    page.page.fill("#sc-name", "no heat pipe to Grande-Synthe")
    page.page.select_option("#sc-link", FORBIDDEN)
    page.page.click("#sc-forbid")
    assert page.page.get_attribute("#sc-choices li", "data-action") == "forbid"
    page.page.click("#scenario-form button[type=submit]")
    page.page.wait_for_function("() => document.getElementById('scenario-error').textContent.includes('created')")
    scenario = next(s for s in service.get("/v1/scenarios").json() if s["name"] == "no heat pipe to Grande-Synthe")
    assert scenario["overrides"]["forbid"] == [{"from": "am_dunkerque", "to": "dh_grande_synthe", "mode": "heat_pipe"}]
    finished = page.js("() => document.querySelectorAll('#runs li[data-state=finished]').length")
    page.page.click("#run-start")  # the new scenario is the selected target
    wait_finished_runs(page, finished + 1)
    run = next(r for r in service.get("/v1/runs").json() if r["scenario_id"] == scenario["id"])
    built = {(b["from_id"], b["to_id"], b["mode"]) for b in service.get(f"/v1/runs/{run['id']}/result/built_links").json()}
    assert ("am_dunkerque", "dh_grande_synthe", "heat_pipe") not in built
    assert ("am_dunkerque", "dk6", "gas_pipe") in built  # the rest of the toile stands


def test_a_candidate_link_clicked_on_the_map_is_chosen_in_the_scenario_form(page: Page) -> None:
    page.page.check("#show-candidates")
    page.page.wait_for_function("() => window.toile.map.rendered('candidates').length > 0 && window.toile.links")
    page.wait_map_idle()
    x, y = page.js(
        """() => { const m = window.toile.map.map; const r = m.getCanvas().getBoundingClientRect();
        const a = m.project([2.262, 51.036]), b = m.project([2.302, 51.014]);
        return [r.left + (a.x + b.x) / 2, r.top + (a.y + b.y) / 2]; }"""
    )  # the middle of the heat pipe from the steelworks to Grande-Synthe's heating network
    page.page.mouse.click(x, y)
    page.page.wait_for_function("() => window.toile.picked")
    picked = page.js("() => window.toile.picked")
    assert page.js("(key) => window.toile.links.has(key)", picked), picked
    clicked = page.js(
        """() => { const m = window.toile.map.map;
        const a = m.project([2.262, 51.036]), b = m.project([2.302, 51.014]);
        const p = [(a.x + b.x) / 2, (a.y + b.y) / 2];
        return m.queryRenderedFeatures([[p[0] - 3, p[1] - 3], [p[0] + 3, p[1] + 3]], { layers: ['candidates'] })
          .map(f => `${f.properties.from_id}|${f.properties.to_id}|${f.properties.mode}`); }"""
    )
    assert picked in clicked, (picked, clicked)
    assert page.page.input_value("#sc-link") == picked
    assert "Link chosen on the map" in page.page.inner_text("#map-title")
