"""The register-anchored Hauts-de-France inventory, served and drawn by the page (Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import ROOT, Page, Service, why_no_browser

REASON = why_no_browser()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]

HDF = ROOT / "datasets" / "hauts-de-france" / "hauts-de-france.yaml"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service of the module's own, seeded with the register-anchored region."""
    svc = Service(Path(tmp_path_factory.mktemp("region")))
    svc.start(seed=HDF)
    try:
        yield svc
    finally:
        svc.stop()


def test_the_page_draws_the_toile_of_the_register_anchored_region(page: Page, service: Service) -> None:
    run = next(r for r in service.get("/v1/runs").json() if r["state"] == "finished")
    built = service.get(f"/v1/runs/{run['id']}/result/built_links").json()
    assert len(built) == 10  # docs/region.md: 10 heat links at 75 EUR/t
    page.wait_map_idle()
    drawn = {(f["from_id"], f["to_id"]) for f in page.rendered("links")}
    assert {(b["from_id"], b["to_id"]) for b in built} <= drawn
    assert len(page.rendered("sites")) >= 80


def test_a_site_placed_at_a_postcode_centroid_says_its_position_is_approximate(page: Page) -> None:
    page.wait_map_idle()
    page.page.select_option("#site-jump", "eutl_215900")  # Wizpaper: EUTL only, a postcode centroid
    page.page.wait_for_selector("#site-panel:not([hidden])")
    panel = page.page.inner_text("#site-panel").replace("\xa0", " ")
    assert "WIZPAPER" in panel
    assert "Position approximate: the plant may be up to 5 km away" in panel
