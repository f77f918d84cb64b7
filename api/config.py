"""The service's settings: one frozen object, read from the environment once.

Every limit the service enforces lives here with its environment variable, so an operator can
change it without touching code (see docs/api.md for the table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///var/symbiose.sqlite"


@dataclass(frozen=True)
class Settings:
    """What the service needs to know; ``from_env`` reads ``SYMBIOSE_*`` and ``DATABASE_URL``."""

    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL; a SQLite file (WAL mode) by default, PostgreSQL via ``DATABASE_URL``."""
    workers: int = 2
    """Worker processes for background runs."""
    sync_workers: int = 2
    """Worker processes for synchronous optimisations (kept apart so long runs never starve them)."""
    queue_size: int = 50
    """Background runs that may wait in the queue; beyond that, POST /runs answers 503."""
    sync_queue_size: int = 64
    """Synchronous optimisations that may wait for a worker; beyond that, 503."""
    max_body_bytes: int = 5 * 1024 * 1024
    """Largest accepted request body (413 beyond)."""
    max_inflated_bytes: int = 256 * 1024 * 1024
    """Most bytes a gzip upload (``Content-Encoding: gzip`` or a ``.gz`` file) may inflate to
    (413 beyond, refused as soon as inflation passes it: a gzip bomb costs no more)."""
    max_sites: int = 25_000
    """Most sites a stored inventory may have, so a background run may have (422 beyond); a
    region of 25,000 establishments fits.  Synchronous runs have their own ``sync_max_sites``."""
    max_links: int = 50_000
    """Most explicit links an inventory may have (422 beyond)."""
    check_max_sites: int = 5_000
    """Largest inventory (in sites) whose meaning (units, candidates, the network) is checked
    when it is submitted; a larger one is stored once its schema is read, and its run reports
    any problem of meaning with its field path."""
    max_solve_seconds: float = 600.0
    """Longest time limit a run may ask for (422 beyond); also the default."""
    sync_max_sites: int = 40
    """Largest inventory (in sites) that may be optimised synchronously."""
    sync_time_budget: float = 20.0
    """Longest time limit of a synchronous optimisation, in seconds."""
    max_attempts: int = 3
    """How many times a run is started before a crashing worker marks it failed."""
    worker_max_runs: int = 500
    """Runs a worker process serves before it is replaced by a fresh one."""
    solver_threads: int = 1
    """HiGHS threads per worker process."""
    worker_memory_mb: int = 4096
    """Memory (address space) a run's worker process may grow by beyond its imports; a run
    that needs more fails with that reason (0: no limit)."""
    per_territory_queue: int = 10
    """Background runs one territory may have queued or running; beyond, its POST /runs answers 429."""
    parse_workers: int = 2
    """Processes that read submitted documents (inventories, workbooks, scenario files)."""
    parse_read_seconds: float = 2.0
    """Wall time to decode a document and check its schema (plus ``parse_read_seconds_per_mb``)."""
    parse_read_seconds_per_mb: float = 1.0
    """Extra reading time per megabyte of document."""
    parse_check_seconds: float = 120.0
    """Wall time to check the meaning of an inventory within the site and link limits."""
    parse_memory_mb: int = 1024
    """Memory a parser process may grow by while reading one document (413 beyond)."""
    retry_after: int = 30
    """Seconds suggested in Retry-After when a queue is full."""
    shutdown_grace: float = 5.0
    """Seconds a stopping service lets running solves finish; the rest resume at the next start."""
    max_sweep_draws: int = 500
    """Most draws (solves) one sweep may ask for (422 beyond)."""
    sweep_workers: int = 0
    """Local Dask worker processes of a sweep (0: its draws are solved one by one in the sweep's
    own process, apart from the service's)."""
    dask_scheduler: str = ""
    """Address of a Dask scheduler (``tcp://HOST:PORT``) that sweeps run on; empty: local."""
    map_tiles: str = ""
    """Background raster tiles of the web page's map (``https://.../{z}/{x}/{y}.png``); none by
    default, so the page needs no internet (it draws the coastline and borders it ships)."""
    map_attribution: str = ""
    """Attribution shown under the background tiles (e.g. '© OpenStreetMap contributors')."""
    web_dir: str = ""
    """The ``web/`` folder of the page (``app/`` and the npm ``node_modules/``); by default the
    checkout's, else ``./web`` (an installed package, as in the Docker image)."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from the environment (``SYMBIOSE_<FIELD>``; ``DATABASE_URL`` for the URL)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = "DATABASE_URL" if f.name == "database_url" else f"SYMBIOSE_{f.name.upper()}"
            if key in env and env[key] != "":
                kind = type(getattr(cls, f.name))
                try:
                    values[f.name] = kind(env[key])
                except ValueError as exc:
                    raise ValueError(f"{key}: {env[key]!r} is not a valid {kind.__name__}") from exc
        settings = cls(**values)
        return replace(settings, **overrides) if overrides else settings

    def ensure_sqlite_folder(self) -> None:
        """Create the folder of a SQLite database file, so the default needs no setup."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            path = self.database_url[len(prefix) :].split("?")[0]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
