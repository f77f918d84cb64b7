"""The FastAPI application: routers, problem handlers, body limit, OpenAPI, start-up and shut-down.

``create_app(settings)`` builds the app; its lifespan migrates the database, starts the worker
pools and the dispatcher (which re-queues runs left over by an earlier process), and stops them
on shut-down.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import Settings
from api.db import make_engine, session_factory
from api.deps import Services
from api.migrate import upgrade
from api.pool import Dispatcher, WorkerPool
from api.problems import PROBLEM_JSON, install
from api.routes import comparisons, docs, inventories, meta, runs, scenarios, sweeps
from api.sandbox import Budget, ParserPool
from api.sweeps import SweepRunner
from api.web import install as install_web

log = logging.getLogger(__name__)

DESCRIPTION = """\
**ToileMaker** — the web service of Symbiose, the industrial-symbiosis optimiser.

A territory's coordinator submits flow inventories (JSON, YAML or the spreadsheet template),
defines what-if scenarios, starts optimisation runs and reads their results; viewers read;
a member key (a company, bound to one site) sees and edits only what concerns its site.
Every request carries an API key (`Authorization: Bearer sym_...` or `X-API-Key`), created with
`symbiose keys create --territory T --role coordinator|viewer|member [--site ID]`.  Objects of
other territories, and other members' data, answer 404.  Errors are RFC 9457 problem details
with field paths.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, configured by ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = start_services(settings)
        app.state.services = services
        try:
            yield
        finally:
            stop_services(services)

    app = FastAPI(
        title="Symbiose ToileMaker",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.docs, with local assets
        redoc_url=None,
    )
    install(app)
    docs.install(app)
    for module in (meta, inventories, scenarios, runs, comparisons, sweeps):
        app.include_router(module.router)
    install_web(app, settings)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def start_services(settings: Settings) -> Services:
    """Open the database (migrated), start the worker pools and the dispatcher."""
    settings.ensure_sqlite_folder()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    background = WorkerPool(
        "background",
        settings.workers,
        0,  # the background queue is the run table; the dispatcher fills idle workers only
        settings.database_url,
        settings.solver_threads,
        settings.worker_max_runs,
        settings.worker_memory_mb,
    )
    sync = WorkerPool(
        "sync",
        settings.sync_workers,
        settings.sync_queue_size,
        settings.database_url,
        settings.solver_threads,
        settings.worker_max_runs,
        settings.worker_memory_mb,
    )
    dispatcher = Dispatcher(sessions, background, settings.max_attempts)
    parsers = ParserPool(settings.parse_workers, parse_budget(settings))
    background.start()
    sync.start()
    parsers.start()
    dispatcher.start()
    sweep_runner = SweepRunner(sessions, settings)
    sweep_runner.start()
    return Services(
        settings, engine, sessions, background, sync, dispatcher, parsers, sweep_runner
    )


def parse_budget(settings: Settings) -> Budget:
    """What reading one submitted document may cost, from the settings."""
    return Budget(
        read_seconds=settings.parse_read_seconds,
        read_seconds_per_mb=settings.parse_read_seconds_per_mb,
        check_seconds=settings.parse_check_seconds,
        memory_bytes=settings.parse_memory_mb * 1024 * 1024,
        max_sites=min(settings.max_sites, settings.check_max_sites),
        max_links=settings.max_links,
    )


def stop_services(services: Services) -> None:
    """Stop dispatching, stop the workers, close the database."""
    services.dispatcher.stop()
    services.sweeps.stop(services.settings.shutdown_grace)
    services.background.stop(services.settings.shutdown_grace)
    services.sync.stop(services.settings.shutdown_grace)
    services.parsers.stop()
    services.engine.dispose()


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413, before any route reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body up to the limit, then hand it to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                await self._refuse(scope, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem = {
            "type": "https://symbiose.example/problems/content-too-large",
            "title": "Content too large",
            "status": 413,
            "detail": f"the request body exceeds {self.limit} bytes",
            "instance": scope.get("path", ""),
        }
        data = json.dumps(problem).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(data)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the domain's Inventory schema among the components."""
    if app.openapi_schema:
        return app.openapi_schema
    from api.domain import Inventory

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    inventory = Inventory.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in inventory.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["Inventory"] = inventory
    _declare_what_is_enforced(schema)
    app.openapi_schema = schema
    return schema


def _declare_what_is_enforced(schema: dict[str, Any]) -> None:
    """Make the document say what the routes enforce, so that a generated client works.

    ``If-Match`` is optional in the code only so that its absence answers 428 (not a generic
    422); to a client it is required on every PUT and PATCH.  Request validation errors are
    problem details, not FastAPI's default ``HTTPValidationError``.
    """
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method in ("put", "patch"):
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                        parameter["required"] = True
            invalid = operation.get("responses", {}).get("422")
            if invalid is not None:
                invalid["content"] = problem
                invalid["description"] = "Invalid content (the problems with their field paths)"
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
