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


def get_principal(
    services: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> Principal:
    """The caller's key: 401 if it is missing or unknown.

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


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_writer(principal: PrincipalDep) -> Principal:
    """The caller's key, which must be a coordinator's: 403 for a viewer."""
    if not principal.can_write:
        raise ApiProblem(403, "this key is a viewer's: it can read but not write")
    return principal


WriterDep = Annotated[Principal, Depends(get_writer)]
