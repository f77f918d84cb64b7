"""The interactive documentation (Swagger UI at ``/docs``, ReDoc at ``/redoc``), served offline.

FastAPI's defaults load the documentation's JavaScript and CSS from a CDN, which a plant intranet
cannot reach.  The same files come with the ``fastapi-offline`` package (a dependency of the
project, installed from PyPI with the rest) and are served from ``/docs/assets/``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"
"""Where the documentation's JavaScript, CSS and icon are served."""

router = APIRouter(include_in_schema=False)


def assets_folder() -> Path:
    """The folder of the Swagger UI and ReDoc files shipped by ``fastapi-offline``."""
    return Path(str(files("fastapi_offline") / "static"))


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    """Swagger UI, with every asset from this service."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Symbiose ToileMaker — API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
    )


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    """The page Swagger UI returns to after an OAuth2 login."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc() -> HTMLResponse:
    """ReDoc, with every asset from this service (and the browser's own fonts)."""
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="Symbiose ToileMaker — API",
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS}/favicon.png",
        with_google_fonts=False,
    )


def install(app: FastAPI) -> None:
    """Add the documentation pages and their assets to ``app`` (built with ``docs_url=None``)."""
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=assets_folder()), name="docs-assets")
