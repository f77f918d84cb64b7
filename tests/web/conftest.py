"""The web page's tests: a real service process seeded with Dunkirk, and Debian's Chromium.

Each test module gets a service of its own (a fresh database, so one module's runs and
versions never show in another's page); the browser is started once per module too, with the
project's Chromium (``scripts/browser.sh``) and its sandbox-free arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.browser import CHROMIUM_ARGS, Page, Service, chromium_path


@pytest.fixture(scope="module")
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """A service process of the module's own, seeded with Dunkirk."""
    svc = Service(tmp_path_factory.mktemp(request.module.__name__))
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(service: Service, browser: Any) -> Iterator[Page]:
    """The page of the module's service, signed in with its coordinator key, its map idle."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    raw = context.new_page()
    wrapped = Page(raw, service.base)
    raw.goto(service.base + "/")
    raw.fill("#key", service.key)
    raw.click("#signin-form button[type=submit]")
    raw.wait_for_selector("body[data-run]", timeout=60_000)
    wrapped.wait_map_idle()
    try:
        yield wrapped
    finally:
        assert wrapped.errors == [], wrapped.errors
        context.close()
