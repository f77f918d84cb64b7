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
    MEMBER = "member"
    """A company of the territory, bound to one site: reads what concerns that site (its own
    haves and wants, the exchanges it takes part in, the territory's totals) and changes only
    its own haves and wants (see :mod:`api.visibility`)."""


SITE_RE = re.compile(r"^[^\x00-\x1f\x7f-\x9f]{1,100}$")
"""A site id as inventories write it: 1 to 100 characters on one line."""


@dataclass(frozen=True)
class Principal:
    """The caller, as its key establishes it."""

    key_id: str
    territory: str
    role: Role
    site: str | None = None
    """The site of a ``member`` key; None for the other roles."""

    @property
    def can_write(self) -> bool:
        """Whether the key may create or change objects (a member only its own site's items)."""
        return self.role is Role.COORDINATOR

    @property
    def is_member(self) -> bool:
        """Whether the key is a member's, which sees only what concerns its site."""
        return self.role is Role.MEMBER


@dataclass(frozen=True)
class NewKey:
    """A key just created: the secret is only ever available here."""

    id: str
    territory: str
    role: Role
    secret: str
    site: str | None = None


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    session: Session,
    territory: str,
    role: Role | str,
    label: str = "",
    site: str | None = None,
) -> NewKey:
    """Create a key (and the territory if it is new); commits.

    A ``member`` key is bound to ``site``, a site id of the territory's inventories (the site
    need not exist yet: an inventory may be submitted after its members' keys are handed out).

    Raises:
        ValueError: the territory name is not a lowercase slug, the role is unknown, a member
            key has no site or another role has one.
    """
    if not TERRITORY_RE.match(territory):
        raise ValueError(
            f"territory: {territory!r} must be a lowercase slug (letters, digits, '-', '_')"
        )
    try:
        role = Role(role)
    except ValueError:
        raise ValueError(f"role: {role!r} must be 'coordinator', 'viewer' or 'member'") from None
    _check_site(role, site)
    if session.get(Territory, territory) is None:
        session.add(Territory(id=territory))
        session.flush()
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        territory_id=territory,
        role=role.value,
        site_id=site,
        key_hash=hash_key(secret),
        prefix=secret[:10],
        label=label,
    )
    session.add(row)
    session.commit()
    return NewKey(row.id, territory, role, secret, site)


def _check_site(role: Role, site: str | None) -> None:
    """A member key names exactly one site; the other roles name none."""
    if role is Role.MEMBER:
        if site is None or not SITE_RE.match(site):
            raise ValueError(
                f"site: a member key is bound to one site id (1 to 100 characters on one line),"
                f" e.g. --site grinder; got {site!r}"
            )
    elif site is not None:
        raise ValueError(f"site: only a member key is bound to a site, not a {role.value}'s")


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal of ``secret``, or None if no live key matches."""
    if not secret.startswith(KEY_PREFIX):
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(row.id, row.territory_id, Role(row.role), row.site_id)


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
