"""The caller's territory, and the health of the service."""

from __future__ import annotations

from fastapi import APIRouter

from api import store
from api.db import InventoryRow, RunRow, ScenarioRow
from api.deps import ReaderDep, ServicesDep, SessionDep
from api.problems import responses
from api.schemas import Health, TerritoryPublic

router = APIRouter()


@router.get("/health", summary="Liveness and worker pools", tags=["meta"])
async def health(services: ServicesDep) -> Health:
    """Answers at once, without touching the database, even while every worker is busy."""
    return Health(
        status="ok",
        workers={
            "background": services.background.stats(),
            "sync": services.sync.stats(),
            "parsers": services.parsers.stats(),
        },
    )


@router.get(
    "/v1/territory", summary="The caller's territory", tags=["meta"], responses=responses(401)
)
def territory(who: ReaderDep, session: SessionDep) -> TerritoryPublic:
    """Which territory the key opens, with what role (and a member's site), what is stored there.

    A member sees no scenario (:mod:`api.visibility`), so none is counted for it.
    """
    return TerritoryPublic(
        territory=who.territory,
        role=who.role.value,  # type: ignore[arg-type]
        site=who.site,
        inventories=store.count(session, InventoryRow, who.territory),
        scenarios=0 if who.is_member else store.count(session, ScenarioRow, who.territory),
        runs=store.count(session, RunRow, who.territory),
    )
