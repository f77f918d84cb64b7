"""The page and its static assets: ``/`` (index), ``/ui/app/`` (our code), ``/ui/vendor/`` (npm).

Vendored libraries are served from ``web/node_modules`` by an explicit table (library → folder),
so only their distribution folders are reachable, never the rest of ``node_modules``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from api.config import Settings
from api.web.zones import BOUNDARIES

CHECKOUT_WEB = Path(__file__).resolve().parents[2] / "web"
"""The ``web/`` folder of a checkout: ``app/`` (ours) and ``node_modules/`` (installed)."""

VENDOR: dict[str, str] = {
    "maplibre-gl": "maplibre-gl/dist",
    "echarts": "echarts/dist",
    "topojson-client": "topojson-client/dist",
    "world-atlas": "world-atlas",
}
"""Library name in ``/ui/vendor/<name>/`` → its folder under ``web/node_modules``."""

TEMPLATE = "inventory-template.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MISSING = """<!doctype html><html lang="en"><meta charset="utf-8"><title>ToileMaker</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>ToileMaker</h1><p>The page's libraries are not installed ({missing}).
Run <code>bash scripts/setup.sh</code> (it runs <code>npm ci</code> in <code>web/</code>), then
reload. The JSON API works meanwhile: <a href="/docs">/docs</a>.</p></body></html>"""


def web_root(settings: Settings) -> Path:
    """The page's folder: the setting, else the checkout's ``web/``, else ``./web``."""
    if settings.web_dir:
        return Path(settings.web_dir)
    if (CHECKOUT_WEB / "app").is_dir():
        return CHECKOUT_WEB
    return Path.cwd() / "web"


def missing_vendor(root: Path) -> list[str]:
    """The vendored libraries whose folder is absent under ``root`` (empty when the page can run)."""
    return [name for name, sub in VENDOR.items() if not (root / "node_modules" / sub).is_dir()]


def mount(app: FastAPI, settings: Settings) -> None:
    """Serve the page at ``/`` and its assets; the page's own settings at ``/ui/config.json``."""
    root = web_root(settings)

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        missing = missing_vendor(root)
        if missing:
            return HTMLResponse(MISSING.format(missing=", ".join(missing)), status_code=503)
        return FileResponse(root / "app" / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/ui/config.json", include_in_schema=False)
    def config() -> JSONResponse:
        return JSONResponse(page_config(settings))

    @app.get("/ui/template.xlsx", include_in_schema=False)
    def template() -> Response:
        data = (resources.files("symbiose.templates") / TEMPLATE).read_bytes()
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{TEMPLATE}"'},
        )

    # check_dir=False: a service without the page's files still starts (the index says why).
    app.mount("/ui/app", StaticFiles(directory=root / "app", check_dir=False), name="ui-app")
    # The region's outline (IGN ADMIN EXPRESS, Licence Ouverte), shipped with the service.
    app.mount("/ui/geo", StaticFiles(directory=BOUNDARIES.parent), name="ui-geo")
    for name, sub in VENDOR.items():
        folder = root / "node_modules" / sub
        app.mount(f"/ui/vendor/{name}", StaticFiles(directory=folder, check_dir=False), name=name)


def page_config(settings: Settings) -> dict[str, Any]:
    """What the page needs to know before sign-in: the optional background tiles."""
    return {
        "tiles": settings.map_tiles or None,
        "tiles_attribution": settings.map_attribution or None,
    }
