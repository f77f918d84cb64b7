"""The page signed in with a member key, in a real headless Chromium against Dunkirk.

The member is bound to one Dunkirk site that takes part in few exchanges.  The page must show
its role and site, draw only its site, its counterparts and its own exchanges on the map, name
no other member anywhere in its text, and let it change its own wants into a new version.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.browser import Service, why_no_browser

REASON = why_no_browser()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(REASON is not None, reason=REASON or ""),
]


class Member:
    """A member key of the seeded Dunkirk territory and what it may and may not see."""

    def __init__(self, service: Service) -> None:
        run = next(r for r in service.get("/v1/runs").json() if r["state"] == "finished")
        flows = service.get(f"/v1/runs/{run['id']}/result/flows").json()
        self.inventory = service.get("/v1/inventories").json()[0]
        content = service.get(f"/v1/inventories/{self.inventory['id']}/versions/1").json()
        # The site with the fewest counterparts among those with a want: the most to hide.
        partners: dict[str, set[str]] = {}
        for f in flows:
            partners.setdefault(f["from_id"], set()).add(f["to_id"])
            partners.setdefault(f["to_id"], set()).add(f["from_id"])
        wanting = {d["site"] for d in content["demands"]}
        self.site = min(
            (s for s in partners if s in wanting), key=lambda s: (len(partners[s]), s)
        )
        self.visible = {self.site} | partners[self.site]
        self.names = {s["id"]: s["name"] for s in content["sites"]}
        self.hidden = set(self.names) - self.visible
        items = [item for section in ("supplies", "demands") for item in content[section]]
        self.hidden_quantities = {i["quantity"] for i in items if i["site"] in self.hidden} - {
            i["quantity"] for i in items if i["site"] in self.visible
        }
        self.want = next(d for d in content["demands"] if d["site"] == self.site)
        out = subprocess.run(
            [sys.executable, "-m", "cli", "keys", "create", "--territory", "dunkerque",
             "--role", "member", "--site", self.site],
            env=service.env, cwd=service.folder, capture_output=True, text=True, check=True,
        )  # fmt: skip
        self.key = out.stdout.strip()
        self.base = service.base

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.base + path, headers={"X-API-Key": self.key}, timeout=30)


@pytest.fixture(scope="module")
def member(service: Service) -> Member:
    return Member(service)


@pytest.fixture
def page(service: Service, member: Member, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    raw = context.new_page()
    errors: list[str] = []
    raw.on("pageerror", lambda e: errors.append(str(e)))
    raw.goto(service.base + "/")
    raw.fill("#key", member.key)
    raw.click("#signin-form button[type=submit]")
    raw.wait_for_selector("body[data-run]", timeout=60_000)
    raw.wait_for_function(
        "() => window.toile.map.map.loaded() && !window.toile.map.map.isMoving()", timeout=30_000
    )
    raw.wait_for_timeout(300)
    try:
        yield raw
    finally:
        assert errors == [], errors
        context.close()


def rendered(page: Any, layer: str) -> list[dict[str, Any]]:
    return page.evaluate(  # type: ignore[no-any-return]
        f"() => window.toile.map.rendered('{layer}').map(f => f.properties)"
    )


def assert_no_other_member(page: Any, member: Member, where: str) -> None:
    text = page.inner_text("body")
    for site in member.hidden:
        assert member.names[site] not in text, f"{where} names {member.names[site]!r}"
    for quantity in member.hidden_quantities:
        assert quantity not in text, f"{where} shows another member's {quantity!r}"
    data = page.evaluate(
        "() => JSON.stringify([window.toile.content, [...window.toile.results.values()]])"
    )
    for site in member.hidden:
        assert f'"{site}"' not in data, f"the page holds data of {site!r} ({where})"


def test_a_member_sees_its_role_and_site_and_no_other_members_data(
    page: Any, member: Member
) -> None:
    assert page.inner_text("#who") == f"dunkerque · member · site {member.site}"
    sites = {f["id"] for f in rendered(page, "sites")}
    assert member.site in sites and sites <= member.visible, sites - member.visible
    links = rendered(page, "links")
    assert links, "the member's own exchanges are drawn"
    assert all(member.site in (f["from_id"], f["to_id"]) for f in links), links
    assert_no_other_member(page, member, "the map page")
    # Its own site's panel: its wants, what it receives or sends.
    page.select_option("#site-jump", member.site)
    panel = page.inner_text("#site-panel")
    assert member.names[member.site] in panel and member.want["quantity"] in panel
    # Every other view of the run, and the candidate links on the map.
    page.check("#show-candidates")
    page.wait_for_timeout(500)
    for tab in ("sankey", "summary", "compare", "upload", "scenarios", "sweeps", "pareto"):
        page.click(f"#tab-{tab}")
        page.wait_for_timeout(400)
        assert_no_other_member(page, member, f"the {tab} tab")
    sankey = json.dumps(page.evaluate("() => window.toile.sankey"))
    assert not any(member.names[s] in sankey for s in member.hidden)


def test_a_member_changes_its_own_want_into_a_new_version(
    page: Any, member: Member, service: Service
) -> None:
    assert page.is_visible("#member-form")
    assert page.is_hidden("#run-form") and page.is_hidden("#upload-form")
    row = f"#member-form tr[data-section=demands][data-commodity={member.want['commodity']}]"
    number, unit = member.want["quantity"].split(" ", 1)
    wanted = f"{float(number) * 0.5:g} {unit}"
    page.fill(f"{row} input[data-field=quantity]", wanted)
    page.click("#member-save")
    page.wait_for_function(
        "() => document.getElementById('member-status')?.textContent.includes('version 2')"
    )
    assert page.input_value("#version") == "2"
    stored = service.get(f"/v1/inventories/{member.inventory['id']}/versions/2").json()
    mine = next(
        d
        for d in stored["demands"]
        if d["site"] == member.site and d["commodity"] == member.want["commodity"]
    )
    assert mine["quantity"] == wanted
    assert_no_other_member(page, member, "the page after the change")
