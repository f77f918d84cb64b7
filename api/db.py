"""Storage: the SQLAlchemy 2 tables and the engine.

The database is the source of truth of the service: inventories and their versions, scenarios,
runs (with their state, which the worker processes update) and results.  Every table here is
created by the Alembic migrations in ``api/migrations``; a test checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool


def now() -> dt.datetime:
    """The current time in UTC (every timestamp the service stores)."""
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A new opaque identifier (32 hex digits)."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    """Base of every table."""


class Territory(Base):
    """A territory: the unit of ownership; every other object belongs to exactly one."""

    __tablename__ = "territories"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class ApiKey(Base):
    """An API key of a territory, stored as the SHA-256 of the secret only."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The site a ``member`` key is bound to (null for the other roles)."""
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InventoryRow(Base):
    """A named inventory of a territory; its content lives in immutable versions."""

    __tablename__ = "inventories"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class InventoryVersionRow(Base):
    """One immutable version of an inventory, as canonical JSON."""

    __tablename__ = "inventory_versions"
    __table_args__ = (UniqueConstraint("inventory_id", "version"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    inventory_id: Mapped[str] = mapped_column(ForeignKey("inventories.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(80))
    source_format: Mapped[str] = mapped_column(String(16))
    change: Mapped[str] = mapped_column(String(16), default="create")
    n_sites: Mapped[int] = mapped_column(Integer)
    n_links: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ScenarioRow(Base):
    """A base inventory version plus overrides."""

    __tablename__ = "scenarios"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    inventory_id: Mapped[str] = mapped_column(ForeignKey("inventories.id"))
    version: Mapped[int] = mapped_column(Integer)
    overrides: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class RunRow(Base):
    """An optimisation run; its ``state`` is the truth the dispatcher and workers act on."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="background")
    inventory_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scenario_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    objective: Mapped[str] = mapped_column(String(16))
    time_limit: Mapped[float] = mapped_column(Float)
    rel_gap: Mapped[float] = mapped_column(Float)
    input: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    incumbent: Mapped[float | None] = mapped_column(Float, nullable=True)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    mip_gap: Mapped[float | None] = mapped_column(Float, nullable=True)
    elapsed: Mapped[float | None] = mapped_column(Float, nullable=True)
    nodes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SweepRow(Base):
    """A sweep: many solves of one inventory version; progress and result in the row."""

    __tablename__ = "sweeps"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    inventory_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    spec: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RunResultRow(Base):
    """The result of a finished run, as data: its result document and its GeoJSON.

    ``document`` is the stored form of a :class:`symbiose.document.ResultDocument` (summary,
    tables as columns, candidate links); every format the service serves is written from it.
    """

    __tablename__ = "run_results"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    geojson: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class ComparisonRow(Base):
    """Two or more finished runs side by side."""

    __tablename__ = "comparisons"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    territory_id: Mapped[str] = mapped_column(ForeignKey("territories.id"), index=True)
    labels: Mapped[Any] = mapped_column(JSON)
    run_ids: Mapped[Any] = mapped_column(JSON)
    totals: Mapped[Any] = mapped_column(JSON)
    exchanges: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (as hosting services give them) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pooled: bool = True) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode, foreign keys and a busy timeout.

    ``pooled=False`` (worker processes) opens a connection per use: a worker touches the
    database a few times per second at most and must not hold connections while it solves.
    """
    url = normalise_url(url)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    if pooled:
        # Up to the threadpool's 40 concurrent requests each hold a connection briefly.
        kwargs.update(pool_size=10, max_overflow=40, pool_timeout=60)
        if not url.startswith("sqlite"):
            kwargs["pool_pre_ping"] = True
    else:
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
