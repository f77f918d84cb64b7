"""Scenarios: a stored inventory version plus overrides, as ``symbiose compare`` takes them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status
from sqlalchemy import select

from api import store
from api.db import ScenarioRow
from api.deps import PrincipalDep, SessionDep, SettingsDep, WriterDep
from api.examples import SCENARIO_EXAMPLE
from api.problems import responses
from api.schemas import ScenarioCreate, ScenarioPublic

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a scenario",
    responses=responses(401, 403, 404, 413, 422),
)
def create_scenario(
    body: Annotated[
        ScenarioCreate,
        Body(
            openapi_examples={
                "carbon-150": {"summary": "Carbon at 150 EUR/t", "value": SCENARIO_EXAMPLE}
            }
        ),
    ],
    response: Response,
    who: WriterDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ScenarioPublic:
    """Store a scenario on an inventory version (the latest when none is given: then pinned).

    The overrides are applied at once, so a scenario that does not fit its base is refused with
    the field paths of its problems, not discovered when it is optimised.
    """
    inv = store.get_inventory(session, who, body.inventory_id)
    base = store.get_version(session, inv, body.version)
    overrides = body.overrides()
    store.check_limits(store.apply_overrides(base.content, overrides, "scenario"), settings)
    row = ScenarioRow(
        territory_id=who.territory,
        name=body.name,
        inventory_id=inv.id,
        version=base.version,
        overrides=overrides,
    )
    session.add(row)
    session.commit()
    response.headers["Location"] = f"/v1/scenarios/{row.id}"
    return store.scenario_public(row)


@router.get("", summary="List the territory's scenarios", responses=responses(401))
def list_scenarios(
    who: PrincipalDep,
    session: SessionDep,
    inventory_id: Annotated[
        str | None, Query(description="Only the scenarios of this inventory.")
    ] = None,
) -> list[ScenarioPublic]:
    """Every scenario of the caller's territory, newest first."""
    query = select(ScenarioRow).where(ScenarioRow.territory_id == who.territory)
    if inventory_id is not None:
        query = query.where(ScenarioRow.inventory_id == inventory_id)
    rows = session.scalars(query.order_by(ScenarioRow.created_at.desc())).all()
    return [store.scenario_public(r) for r in rows]


@router.get("/{scenario_id}", summary="A scenario", responses=responses(401, 404))
def get_scenario(scenario_id: str, who: PrincipalDep, session: SessionDep) -> ScenarioPublic:
    """The scenario and the version it is pinned to."""
    return store.scenario_public(store.get_scenario(session, who, scenario_id))


@router.get(
    "/{scenario_id}/inventory",
    summary="The inventory a scenario describes",
    response_class=Response,
    responses={
        200: {
            "description": "The base version with the overrides applied.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Inventory"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        },
        **responses(401, 404, 422),
    },
)
def get_scenario_inventory(
    scenario_id: str,
    who: PrincipalDep,
    session: SessionDep,
    format: Annotated[str, Query(pattern="^(json|yaml)$", description="json or yaml.")] = "json",
) -> Response:
    """The inventory that a run of this scenario optimises."""
    row = store.get_scenario(session, who, scenario_id)
    inv = store.scenario_inventory(session, row)
    body, media = store.domain.render_inventory(store.domain.canonical_json(inv), format)
    return Response(body, media_type=media)
