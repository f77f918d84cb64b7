"""Shared fixtures of the API tests: a live service on SQLite and on PostgreSQL, and keys.

Imported by the ``test_api_*`` modules (``from support.service import ...``).  The service is
started once per database backend for the whole session (its worker processes take a few
seconds to start); every test gets fresh territories, so tests never see each other's data.
"""

from __future__ import annotations

import copy
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.config import Settings
from api.deps import Services
from api.examples import INVENTORY_EXAMPLE
from api.keys import create_key

POSTGRES_URL = os.environ.get("SYMBIOSE_TEST_POSTGRES_URL", "")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not POSTGRES_URL,
                reason="SYMBIOSE_TEST_POSTGRES_URL not set (source scripts/postgres.sh)",
            ),
        ],
    ),
]

TEST_LIMITS = {
    "workers": 1,
    "sync_workers": 1,
    "queue_size": 20,
    "max_body_bytes": 300_000,
    "max_sites": 40,
    "max_links": 50,
    "max_solve_seconds": 120.0,
    "sync_max_sites": 25,
    "sync_time_budget": 30.0,
}


def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one session, dropped afterwards."""
    name = "symbiose_t_" + uuid.uuid4().hex[:12]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@dataclass
class Live:
    """A running service in the test process (TestClient) and its database."""

    backend: str
    client: TestClient
    services: Services
    settings: Settings


@dataclass
class Keys:
    """A fresh territory with a coordinator's and a viewer's key."""

    territory: str
    coordinator: dict[str, str]
    viewer: dict[str, str]


@pytest.fixture(scope="session", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    backend = request.param
    folder = tmp_path_factory.mktemp(f"api-{backend}")
    gen = postgres_database() if backend == "postgres" else None
    url = next(gen) if gen is not None else f"sqlite:///{folder / 'symbiose.sqlite'}"
    settings = Settings(database_url=url, **TEST_LIMITS)  # type: ignore[arg-type]
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            yield Live(backend, client, app.state.services, settings)
    finally:
        if gen is not None:
            with suppress(StopIteration):
                next(gen)


def make_keys(services: Services, prefix: str = "t") -> Keys:
    territory = f"{prefix}-{uuid.uuid4().hex[:10]}"
    with services.sessions() as session:
        coordinator = create_key(session, territory, "coordinator")
        viewer = create_key(session, territory, "viewer")
    return Keys(
        territory,
        {"Authorization": f"Bearer {coordinator.secret}"},
        {"X-API-Key": viewer.secret},
    )


@pytest.fixture
def keys(live: Live) -> Keys:
    return make_keys(live.services)


@pytest.fixture
def other(live: Live) -> Keys:
    """A second territory, to prove that territories never see each other."""
    return make_keys(live.services, "other")


def small_inventory(name: str = "Exampleville", carbon_price: str = "80 EUR/t") -> dict:
    inv = copy.deepcopy(INVENTORY_EXAMPLE)
    inv["territory"] = {"name": name, "carbon_price": carbon_price}
    return inv


def wait_for(
    client: TestClient, run_id: str, headers: dict, timeout: float = 90.0, kind: str = "runs"
) -> dict:
    """Poll a run (or a sweep: ``kind="sweeps"``) until it is over; returns its last state."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/v1/{kind}/{run_id}", headers=headers).json()
        if body["state"] in ("finished", "failed", "cancelled"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{kind} {run_id} still {body['state']} after {timeout} s: {body}")
        time.sleep(0.2)


def create_inventory(client: TestClient, keys: Keys, inv: dict | None = None) -> dict:
    r = client.post("/v1/inventories", json=inv or small_inventory(), headers=keys.coordinator)
    assert r.status_code == 201, r.text
    return r.json()
