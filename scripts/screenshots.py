"""Screenshots of ToileMaker's page for Dunkirk: map, region, Sankey, comparison, Pareto, summary.

The Sankey is shot by site and by zone; the Pareto front is the one the service computes.

    python scripts/screenshots.py [--out out/screenshots]

Starts the service on a throw-away SQLite database seeded with Dunkirk, stores the shipped
``dk6-stops`` scenario and runs it, then drives Debian's Chromium (scripts/browser.sh) and
writes PNG files (not committed: out/ is ignored).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.browser import CHROMIUM_ARGS, Service, chromium_path, why_no_browser  # noqa: E402

SCENARIO = ROOT / "datasets" / "dunkerque" / "scenarios" / "dk6-stops.yaml"


def _scenario_run(svc: Service) -> None:
    """Store and run the dk6-stops scenario, so the page has two runs to compare."""
    headers = {"X-API-Key": svc.key}
    inventory = svc.get("/v1/inventories").json()[0]
    scenario = httpx.post(
        f"{svc.base}/v1/scenarios/file?inventory_id={inventory['id']}",
        content=SCENARIO.read_bytes(),
        headers=headers | {"Content-Type": "application/yaml"},
        timeout=30,
    ).json()
    run = httpx.post(f"{svc.base}/v1/runs", json={"scenario_id": scenario["id"]}, headers=headers, timeout=30).json()
    svc.wait(lambda: svc.get(f"/v1/runs/{run['id']}").json()["state"] == "finished", "scenario run", 180)


def _shoot(svc: Service, out: Path, language: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{svc.base}/#key={svc.key}")
        page.wait_for_selector("body[data-run]", timeout=60_000)
        page.select_option("#lang", language)
        page.click("#runs li:last-child button")  # the seeded base run
        idle = "() => window.toile.map.map.loaded() && !window.toile.map.map.isMoving()"
        page.wait_for_function(idle)
        page.wait_for_timeout(800)

        def shot(name: str) -> None:
            path = out / f"dunkerque-{name}-{language}.png"
            page.screenshot(path=str(path))
            written.append(path)

        shot("map")
        # the whole region: the outline of Hauts-de-France from the shipped boundary file
        page.evaluate("() => window.toile.map.map.jumpTo({ center: [2.8, 49.95], zoom: 6.6 })")
        page.wait_for_function(idle)
        page.wait_for_timeout(800)
        shot("region")
        page.click("#runs li:last-child button")
        page.wait_for_function(idle)
        page.wait_for_timeout(800)
        page.select_option("#site-jump", "am_dunkerque")
        page.wait_for_timeout(800)
        shot("site-panel")
        page.click("#tab-sankey")
        page.wait_for_function("() => window.toile.sankey")
        page.wait_for_timeout(800)
        shot("sankey")
        page.select_option("#sankey-group", "zone")
        page.wait_for_function("() => window.toile.sankey.grouping === 'zone'")
        page.wait_for_timeout(800)
        shot("sankey-zone")
        page.select_option("#sankey-group", "auto")
        page.wait_for_function("() => window.toile.sankey.grouping !== 'zone'")
        page.click("#tab-compare")
        for box in page.locator("#compare-runs input").all():
            box.check()
        page.click("#compare-go")
        page.wait_for_selector("#compare-result table")
        shot("comparison")
        page.click("#compare-result button")
        page.wait_for_function(idle)
        page.wait_for_timeout(800)
        shot("comparison-map")
        page.click("#tab-pareto")
        page.fill("#pareto-points", "4")
        page.click("#pareto-compute")
        page.wait_for_function(
            "() => window.toile.front && !window.toile.front.computing"
            " && window.toile.front.points.length >= 5"
            " && window.toile.front.points.every(p => p.state === 'finished')",
            timeout=300_000,
        )
        page.click("#tab-map")
        page.click("#tab-pareto")  # drawn again with every point finished
        page.wait_for_timeout(800)
        shot("pareto")
        page.click("#tab-summary")
        page.emulate_media(media="print")
        shot("summary-print")
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Start the service, take the screenshots, stop the service; prints the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "out" / "screenshots"), help="folder for the PNG files")
    parser.add_argument("--language", action="append", choices=["en", "fr"], help="en, fr (default both)")
    args = parser.parse_args(argv)
    reason = why_no_browser()
    if reason:
        print(f"screenshots: {reason}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        svc = Service(Path(folder))
        try:
            svc.start()
            _scenario_run(svc)
            for language in args.language or ["en", "fr"]:
                for path in _shoot(svc, out, language):
                    print(path)
        finally:
            svc.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
