"""The service's verbs: ``keys create|list|revoke`` and ``serve``.

SQLAlchemy, FastAPI and uvicorn are imported inside the handlers: ``symbiose --help`` and the
other verbs never load them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.exits import ExitCode, fail
from models.constants import DEFAULT_GAP, DEFAULT_OBJECTIVE

if TYPE_CHECKING:
    from api.config import Settings


def register(subparsers: Any) -> None:
    """Add ``keys`` and ``serve`` to the ``symbiose`` command line."""
    keys = subparsers.add_parser("keys", help="manage the API keys of the web service")
    keys_sub = keys.add_subparsers(title="actions", metavar="ACTION")
    create = keys_sub.add_parser("create", help="create an API key (shown once, stored hashed)")
    create.add_argument("--territory", required=True, help="territory slug, e.g. dunkerque")
    create.add_argument(
        "--role",
        required=True,
        choices=["coordinator", "viewer", "member"],
        help="what the key may do (a member sees and edits only its own site's data)",
    )
    create.add_argument(
        "--site", help="the site id a member key is bound to (required with --role member)"
    )
    create.add_argument("--label", default="", help="a note to recognise the key by")
    create.add_argument(
        "--out",
        metavar="FILE",
        help="write the key to FILE (readable by its owner only, mode 600) instead of stdout",
    )
    create.add_argument(
        "--database-url", help="database (default: DATABASE_URL or the SQLite file)"
    )
    create.set_defaults(handler=run_keys_create)
    listing = keys_sub.add_parser("list", help="list the keys (ids, roles; never the secrets)")
    listing.add_argument("--territory", help="only this territory's keys")
    listing.add_argument(
        "--database-url", help="database (default: DATABASE_URL or the SQLite file)"
    )
    listing.set_defaults(handler=run_keys_list)
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", help="the key's id (from `keys list`)")
    revoke.add_argument(
        "--database-url", help="database (default: DATABASE_URL or the SQLite file)"
    )
    revoke.set_defaults(handler=run_keys_revoke)
    keys.set_defaults(handler=lambda _args: (keys.print_help(), ExitCode.INPUT)[1])

    serve = subparsers.add_parser("serve", help="run the web service (ToileMaker) with uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--database-url", help="database (default: DATABASE_URL or the SQLite file)")
    serve.add_argument("--workers", type=int, help="worker processes for background runs")
    serve.add_argument(
        "--seed",
        metavar="INVENTORY",
        help="load this inventory file into --territory (once) and queue one optimisation",
    )
    serve.add_argument("--territory", default="dunkerque", help="territory of --seed")
    serve.add_argument("--log-level", default="info", help="uvicorn log level")
    serve.set_defaults(handler=run_serve)


def _settings(args: argparse.Namespace) -> Settings:
    from api.config import Settings

    overrides: dict[str, Any] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "workers", None):
        overrides["workers"] = args.workers
    return Settings.from_env(**overrides)


def run_keys_create(args: argparse.Namespace) -> int:
    """Create a key and print it once."""
    from api.db import make_engine, session_factory
    from api.keys import create_key
    from api.migrate import upgrade

    settings = _settings(args)
    settings.ensure_sqlite_folder()
    engine = make_engine(settings.database_url, pooled=False)
    upgrade(engine)
    try:
        with session_factory(engine)() as session:
            key = create_key(
                session, args.territory, args.role, args.label, getattr(args, "site", None)
            )
    except ValueError as exc:
        print(f"symbiose: error: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if getattr(args, "out", None):
        write_secret(Path(args.out), key.secret)
    else:
        print(key.secret)
    bound = f" bound to site {key.site!r}" if key.site else ""
    print(
        f"# {key.role.value} key {key.id} of territory {key.territory!r}{bound}: shown once, "
        "stored hashed; send it as 'Authorization: Bearer <key>'",
        file=sys.stderr,
    )
    return ExitCode.OK


def write_secret(path: Path, secret: str) -> None:
    """Write a secret to ``path`` readable and writable by its owner only (mode 600).

    The file is created with that mode (never world-readable, not even for an instant) and an
    existing file is narrowed to it before the secret is written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (secret + "\n").encode())
    finally:
        os.close(fd)


def _sessions(args: argparse.Namespace) -> Any:
    from api.db import make_engine, session_factory
    from api.migrate import upgrade

    settings = _settings(args)
    settings.ensure_sqlite_folder()
    engine = make_engine(settings.database_url, pooled=False)
    upgrade(engine)
    return session_factory(engine)


def run_keys_list(args: argparse.Namespace) -> int:
    """Print one line per key: id, territory, role, site, prefix, created, revoked."""
    from api.keys import list_keys

    with _sessions(args)() as session:
        for key in list_keys(session, args.territory):
            revoked = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
            print(
                f"{key.id}  {key.territory_id:<20} {key.role:<12} {key.site_id or '-':<16} "
                f"{key.prefix}...  "
                f"{key.created_at:%Y-%m-%d}  {revoked}  {key.label}"
            )
    return ExitCode.OK


def run_keys_revoke(args: argparse.Namespace) -> int:
    """Revoke a key: it answers 401 from now on."""
    from api.keys import revoke_key

    with _sessions(args)() as session:
        if not revoke_key(session, args.key_id):
            return fail(f"no live key {args.key_id!r}")
    print(f"revoked key {args.key_id}", file=sys.stderr)
    return ExitCode.OK


def run_serve(args: argparse.Namespace) -> int:
    """Start the service on ``--host:--port`` (optionally seeding an inventory first)."""
    import uvicorn

    from api.app import create_app

    settings = _settings(args)
    if args.seed:
        seed(settings, Path(args.seed), args.territory)
    print(f"ToileMaker on http://{args.host}:{args.port} (docs at /docs)", file=sys.stderr)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return ExitCode.OK


def seed(settings: Settings, path: Path, territory: str) -> str:
    """Store ``path`` as an inventory of ``territory`` unless it is there, and queue a run.

    Returns the run id (the existing finished one when the inventory was already seeded).
    """
    from sqlalchemy import select

    from api import domain, store
    from api.db import InventoryRow, RunRow, Territory, make_engine, session_factory
    from api.keys import Principal, Role
    from api.migrate import upgrade
    from api.states import RunState

    settings.ensure_sqlite_folder()
    engine = make_engine(settings.database_url, pooled=False)
    upgrade(engine)
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"yml": "yaml"}.get(suffix, suffix)
    inv = domain.read_inventory(path.read_bytes(), fmt)
    who = Principal("seed", territory, Role.COORDINATOR)
    with session_factory(engine)() as session:
        if session.get(Territory, territory) is None:
            session.add(Territory(id=territory))
            session.commit()
        name = inv.territory.name
        row = session.scalars(
            select(InventoryRow).where(
                (InventoryRow.territory_id == territory) & (InventoryRow.name == name)
            )
        ).first()
        if row is None:
            row = store.create_inventory(session, who, name, inv, fmt, settings)
        existing = session.scalars(
            select(RunRow).where(
                (RunRow.inventory_id == row.id)
                & (RunRow.state.in_((RunState.QUEUED, RunState.RUNNING, RunState.FINISHED)))
            )
        ).first()
        if existing is not None:
            engine.dispose()
            return existing.id
        version = store.get_version(session, row, None)
        run = store.add_run(
            session,
            territory,
            version.content,
            kind="background",
            objective=DEFAULT_OBJECTIVE,
            time_limit=settings.max_solve_seconds,
            rel_gap=DEFAULT_GAP,
            refs={"inventory_id": row.id, "version": version.version},
        )
        run_id = run.id
    engine.dispose()
    print(f"seeded {path} into territory {territory!r}; run {run_id} queued", file=sys.stderr)
    return run_id
