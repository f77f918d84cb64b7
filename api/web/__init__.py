"""ToileMaker's face: the web page at ``/``, its assets under ``/ui/``, and the JSON views it needs.

The page is plain HTML, CSS and ES modules (``web/app/``) with no build step; its libraries
(MapLibre GL JS, Apache ECharts, topojson-client, world-atlas) are installed from the npm
registry by ``scripts/setup.sh`` (``npm ci`` in ``web/``, pinned by ``web/package-lock.json``)
and served straight from ``web/node_modules``.  Nothing is fetched from a CDN.  The page reads
everything through the same JSON API as any client, with the key the user signs in with, so it
shows exactly what the API returns to that key.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.config import Settings
from api.web import pages, pareto, views


def install(app: FastAPI, settings: Settings) -> None:
    """Add the page, its assets and its JSON views to ``app``."""
    app.include_router(views.router)
    app.include_router(pareto.router)
    pages.mount(app, settings)
