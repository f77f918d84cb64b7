"""Scenarios: a stored inventory version plus overrides, as ``symbiose compare`` takes them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from api import domain, store, visibility
from api.db import ScenarioRow
from api.deps import ParsersDep, ReaderDep, SessionDep, SettingsDep, WriterDep
from api.examples import SCENARIO_EXAMPLE, SCENARIO_FILE_EXAMPLE
from api.problems import ApiProblem, responses
from api.schemas import MAX_INT, ScenarioCreate, ScenarioPublic
from api.text import NO_CONTROL_PATTERN

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
    parsers: ParsersDep,
) -> ScenarioPublic:
    """Store a scenario on an inventory version (the latest when none is given: then pinned).

    The overrides are applied at once, so a scenario that does not fit its base is refused with
    the field paths of its problems, not discovered when it is optimised.
    """
    return _store(
        session, who, settings, parsers, body.inventory_id, body.version, body.overrides(), response
    )


def _store(
    session: SessionDep,
    who: WriterDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    inventory_id: str,
    version: int | None,
    overrides: dict,
    response: Response,
) -> ScenarioPublic:
    inv = store.get_inventory(session, who, inventory_id)
    base = store.get_version(session, inv, version)
    store.check_limits(store.apply_overrides(parsers, settings, base.content, overrides), settings)
    row = ScenarioRow(
        territory_id=who.territory,
        name=overrides["name"],
        inventory_id=inv.id,
        version=base.version,
        overrides=overrides,
    )
    session.add(row)
    session.commit()
    response.headers["Location"] = f"/v1/scenarios/{row.id}"
    return store.scenario_public(row)


@router.post(
    "/file",
    status_code=status.HTTP_201_CREATED,
    summary="Create a scenario from a scenario file (the CLI's YAML or JSON)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A scenario file as `symbiose compare` reads it (its `base` is ignored: the base is `inventory_id`).",
            "content": {
                "application/yaml": {
                    "schema": {"type": "string"},
                    "examples": {
                        "carbon-150": {
                            "summary": "Carbon at 150 EUR/t",
                            "value": SCENARIO_FILE_EXAMPLE,
                        }
                    },
                },
                "application/json": {
                    "schema": {"type": "object"},
                    "examples": {
                        "carbon-150": {
                            "summary": "Carbon at 150 EUR/t",
                            "value": {
                                "name": "carbon-150",
                                "territory": {"carbon_price": "150 EUR/t"},
                            },
                        }
                    },
                },
            },
        }
    },
    responses=responses(401, 403, 404, 413, 415, 422, 503),
)
async def create_scenario_from_file(
    request: Request,
    response: Response,
    who: WriterDep,
    session: SessionDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    inventory_id: Annotated[
        str, Query(min_length=1, max_length=64, description="The base inventory.")
    ],
    version: Annotated[
        int | None,
        Query(ge=1, le=MAX_INT, description="The base version (default: latest)."),
    ] = None,
) -> ScenarioPublic:
    """Store a scenario file (e.g. ``datasets/dunkerque/scenarios/carbon-150.yaml``) as is."""
    media = request.headers.get("content-type", "application/yaml").split(";")[0].strip().lower()
    if media in ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"):
        fmt = "yaml"
    elif media == "application/json":
        fmt = "json"
    else:
        raise ApiProblem(
            415, f"send the scenario as application/yaml or application/json, not {media!r}"
        )
    body = await request.body()
    overrides = await run_in_threadpool(store.read_scenario, parsers, body, fmt, settings)
    return await run_in_threadpool(
        _store, session, who, settings, parsers, inventory_id, version, overrides, response
    )


@router.get("", summary="List the territory's scenarios", responses=responses(401))
def list_scenarios(
    who: ReaderDep,
    session: SessionDep,
    inventory_id: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=NO_CONTROL_PATTERN,
            description="Only the scenarios of this inventory.",
        ),
    ] = None,
) -> list[ScenarioPublic]:
    """Every scenario of the caller's territory, newest first (none for a member key)."""
    if who.is_member:
        return []
    query = select(ScenarioRow).where(ScenarioRow.territory_id == who.territory)
    if inventory_id is not None:
        query = query.where(ScenarioRow.inventory_id == inventory_id)
    rows = session.scalars(query.order_by(ScenarioRow.created_at.desc())).all()
    return [store.scenario_public(r) for r in rows]


@router.get("/{scenario_id}", summary="A scenario", responses=responses(401, 404))
def get_scenario(scenario_id: str, who: ReaderDep, session: SessionDep) -> ScenarioPublic:
    """The scenario and the version it is pinned to (404 to a member key)."""
    visibility.hidden_from_member(who, "scenario", scenario_id)
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
    who: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    format: Annotated[str, Query(pattern="^(json|yaml)$", description="json or yaml.")] = "json",
) -> Response:
    """The inventory that a run of this scenario optimises (404 to a member key)."""
    visibility.hidden_from_member(who, "scenario", scenario_id)
    row = store.get_scenario(session, who, scenario_id)
    inv = store.scenario_inventory(session, parsers, settings, row)
    body, media = domain.render_inventory(domain.canonical_json(inv), format)
    return Response(body, media_type=media)
