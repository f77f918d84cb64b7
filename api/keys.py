"""API keys: created once (the secret is shown once), stored as a SHA-256 hash, checked per request.

A key is 32 random bytes (URL-safe base64) behind the ``sym_`` prefix: with that much entropy a
plain SHA-256 is the right hash (no salt or slow hash needed; those protect guessable passwords),
and it lets a request find its key by an indexed equality lookup.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import ApiKey, Territory, now

KEY_PREFIX = "sym_"
TERRITORY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Role(StrEnum):
    """What a key may do within its territory."""

    COORDINATOR = "coordinator"
    """Reads and writes."""
    VIEWER = "viewer"
    """Reads only."""


@dataclass(frozen=True)
class Principal:
    """The caller, as its key establishes it."""

    key_id: str
    territory: str
    role: Role

    @property
    def can_write(self) -> bool:
        """Whether the key may create or change objects."""
        return self.role is Role.COORDINATOR


@dataclass(frozen=True)
class NewKey:
    """A key just created: the secret is only ever available here."""

    id: str
    territory: str
    role: Role
    secret: str


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, territory: str, role: Role | str, label: str = "") -> NewKey:
    """Create a key (and the territory if it is new); commits.

    Raises:
        ValueError: the territory name is not a lowercase slug, or the role is unknown.
    """
    if not TERRITORY_RE.match(territory):
        raise ValueError(
            f"territory: {territory!r} must be a lowercase slug (letters, digits, '-', '_')"
        )
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(f"role: {role!r} must be 'coordinator' or 'viewer'") from None
    if session.get(Territory, territory) is None:
        session.add(Territory(id=territory))
        session.flush()
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        territory_id=territory,
        role=role.value,
        key_hash=hash_key(secret),
        prefix=secret[:10],
        label=label,
    )
    session.add(row)
    session.commit()
    return NewKey(row.id, territory, role, secret)


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal of ``secret``, or None if no live key matches."""
    if not secret.startswith(KEY_PREFIX):
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(row.id, row.territory_id, Role(row.role))


def list_keys(session: Session, territory: str | None = None) -> list[ApiKey]:
    """The keys (of one territory, or all), oldest first; never their secrets."""
    query = select(ApiKey).order_by(ApiKey.created_at)
    if territory is not None:
        query = query.where(ApiKey.territory_id == territory)
    return list(session.scalars(query))


def revoke_key(session: Session, key_id: str) -> bool:
    """Revoke a key by its id (not its secret); False if there is no such live key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now()
    session.commit()
    return True
