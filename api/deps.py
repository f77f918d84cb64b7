"""Dependencies of the routes, as ``Annotated`` aliases: the services, a session, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.keys import Principal, authenticate
from api.pool import Dispatcher, WorkerPool
from api.problems import ApiProblem
from api.sandbox import ParserPool
from api.sweeps import SweepRunner


@dataclass
class Services:
    """What the running service holds: settings, database, worker pools, dispatcher, parsers."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker
    background: WorkerPool
    sync: WorkerPool
    dispatcher: Dispatcher
    parsers: ParserPool
    """The processes that read untrusted documents."""
    sweeps: SweepRunner


def get_services(request: Request) -> Services:
    """The services of the running app."""
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    """The service settings."""
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_parsers(services: ServicesDep) -> ParserPool:
    """The processes that read submitted documents."""
    return services.parsers


ParsersDep = Annotated[ParserPool, Depends(get_parsers)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """A database session for one request."""
    with services.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer sym_...`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="Or `X-API-Key: sym_...`")


def get_caller(
    services: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> Principal:
    """The caller's key, whatever its role: 401 if it is missing or unknown.

    The lookup uses a session of its own, closed at once: a synchronous optimisation waits for
    its worker for seconds, and must not hold a database connection meanwhile.
    """
    secret = bearer.credentials if bearer is not None else api_key
    if not secret:
        raise ApiProblem(
            401,
            "an API key is required (Authorization: Bearer <key>, or X-API-Key)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with services.sessions() as session:
        principal = authenticate(session, secret)
    if principal is None:
        raise ApiProblem(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return principal


CallerDep = Annotated[Principal, Depends(get_caller)]


def get_principal(request: Request, caller: CallerDep) -> Principal:
    """The caller's key, for a route that shows the territory's data whole: 404 to a member.

    A member sees only what :mod:`api.visibility` cuts to its site, so only the routes that
    apply it take a member (:data:`ReaderDep`); every other route, including one added later,
    answers a member 404 as if it did not exist, the answer of another territory's object.
    """
    if caller.is_member:
        raise ApiProblem(404, f"{request.url.path!r} not found")
    return caller


PrincipalDep = Annotated[Principal, Depends(get_principal)]

ReaderDep = CallerDep
"""Any key, a member's included: for the routes that cut what they answer to a member's site
(:mod:`api.visibility`)."""


def get_writer(caller: CallerDep) -> Principal:
    """The caller's key, which must be a coordinator's: 403 for a viewer or a member."""
    if caller.is_member:
        raise ApiProblem(
            403,
            "this key is a member's: it may read what concerns its site and change only its"
            " own haves and wants (PATCH /v1/inventories/{id}), not do this",
            kind="member-forbidden",
        )
    if not caller.can_write:
        raise ApiProblem(403, "this key is a viewer's: it can read but not write")
    return caller


WriterDep = Annotated[Principal, Depends(get_writer)]


def get_editor(caller: CallerDep) -> Principal:
    """A coordinator's key, or a member's (which may change only its own site's items)."""
    if not (caller.can_write or caller.is_member):
        raise ApiProblem(403, "this key is a viewer's: it can read but not write")
    return caller


EditorDep = Annotated[Principal, Depends(get_editor)]
