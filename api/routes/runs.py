"""Optimisation runs: start (202), follow, cancel, read results; synchronous optimisation."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import domain, store, visibility
from api.config import Settings
from api.db import RunResultRow, RunRow
from api.deps import (
    ReaderDep,
    Services,
    ServicesDep,
    SessionDep,
    SettingsDep,
    WriterDep,
)
from api.examples import OPTIMISE_EXAMPLE, RUN_EXAMPLE
from api.keys import Principal
from api.pool import QueueFull, WorkerDied
from api.problems import ApiProblem, FieldError, responses
from api.schemas import (
    OptimiseCreate,
    PlannerAsk,
    RunCreate,
    RunPublic,
    RunResultPublic,
    RunState,
)

router = APIRouter(tags=["runs"])

TableName = Literal[
    "totals", "flows", "built_links", "site_gains", "schedule", "periods", "scenarios"
]

_JSON_OBJECT: dict[str, Any] = {"schema": {"type": "object", "additionalProperties": True}}


def _queue_full(settings: Settings, what: str) -> ApiProblem:
    return ApiProblem(
        503,
        f"the {what} queue is full; retry in {settings.retry_after} s",
        kind="queue-full",
        headers={"Retry-After": str(settings.retry_after)},
    )


def _check_quota(services: Services, territory: str) -> None:
    """429 when the territory holds its share of the run queue, 503 when the queue is full.

    Each territory may have ``per_territory_queue`` runs queued or running, so one territory
    filling the queue cannot turn another territory's first run away.
    """
    settings = services.settings
    held = services.dispatcher.territory_load(territory)
    if held >= settings.per_territory_queue:
        raise ApiProblem(
            429,
            f"your territory already has {held} runs queued or running (at most "
            f"{settings.per_territory_queue}); retry in {settings.retry_after} s",
            kind="territory-quota",
            headers={"Retry-After": str(settings.retry_after)},
        )
    if services.dispatcher.queued() >= settings.queue_size:
        raise _queue_full(settings, "run")


def _time_limit(asked: float | None, most: float, why: str) -> float:
    if asked is None:
        return most
    if asked > most:
        raise ApiProblem(
            422,
            f"time_limit {asked:g} s exceeds the {why} of {most:g} s",
            kind="limits",
            errors=[FieldError(path="time_limit", message=f"at most {most:g} s ({why})")],
        )
    return asked


def _target(
    session: Session,
    who: Principal,
    services: Services,
    inventory_id: str | None,
    version: int | None,
    scenario_id: str | None,
    inline: dict[str, Any] | None = None,
    planner: PlannerAsk | None = None,
) -> tuple[str, int, store.RunRefs]:
    """The inventory JSON a run optimises, its site count and the run's reference fields.

    The planner's questions, if any, are written into the inventory's territory.
    """
    content, sites, refs = _stored_target(
        session, who, services, inventory_id, version, scenario_id, inline
    )
    if planner is None:
        return content, sites, refs
    asked = planner.model_dump(by_alias=True, exclude_defaults=True, mode="json")
    data = json.dumps(domain.with_planner(content, asked)).encode()
    inv = store.read_inventory(services.parsers, data, "json", services.settings)
    return domain.canonical_json(inv), sites, refs


def _stored_target(
    session: Session,
    who: Principal,
    services: Services,
    inventory_id: str | None,
    version: int | None,
    scenario_id: str | None,
    inline: dict[str, Any] | None,
) -> tuple[str, int, store.RunRefs]:
    if inline is not None:  # read like any submitted document, in a parser process
        data = json.dumps(inline).encode()
        inv = store.read_inventory(services.parsers, data, "json", services.settings)
        return domain.canonical_json(inv), domain.counts(inv)[0], {}
    if scenario_id is not None:
        scenario = store.get_scenario(session, who, scenario_id)
        inv = store.scenario_inventory(session, services.parsers, services.settings, scenario)
        refs = store.RunRefs(
            scenario_id=scenario.id, inventory_id=scenario.inventory_id, version=scenario.version
        )
        return domain.canonical_json(inv), domain.counts(inv)[0], refs
    assert inventory_id is not None
    row = store.get_inventory(session, who, inventory_id)
    stored = store.get_version(session, row, version)
    refs = store.RunRefs(inventory_id=row.id, version=stored.version)
    return stored.content, stored.n_sites, refs


def _together(
    session: Session, who: Principal, services: Services, content: str, body: RunCreate
) -> str:
    """The input of a run that solves scenarios together: the base and each scenario's inventory.

    Each scenario must belong to the run's inventory; the pathway is checked here, so a
    mistake is a 422 naming its field, not a failed run.
    """
    base = domain.inventory_from_json(content)
    probabilities: list[float | None] = list(body.probabilities or [])
    probabilities = probabilities or [None] * len(body.scenario_ids or [])
    cases: list[tuple[str, float | None, domain.Inventory]] = []
    for ident, probability in zip(body.scenario_ids or [], probabilities, strict=True):
        row = store.get_scenario(session, who, ident)
        if row.inventory_id != body.inventory_id:
            raise ApiProblem(
                422,
                f"scenario {ident!r} is not a scenario of inventory {body.inventory_id!r}",
                errors=[FieldError(path="scenario_ids", message="a scenario of inventory_id")],
            )
        inv = store.scenario_inventory(session, services.parsers, services.settings, row)
        cases.append((row.name, probability, inv))
    try:
        domain.check_pathway_input(base, cases)
    except domain.InventoryError as exc:
        raise store.inventory_error(exc) from None
    return domain.pathway_input(base, cases)


@router.post(
    "/v1/runs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start an optimisation run",
    responses=responses(401, 403, 404, 413, 422, 429, 503),
    tags=["runs"],
)
def create_run(
    body: Annotated[
        RunCreate,
        Body(openapi_examples={"inventory": {"summary": "Latest version", "value": RUN_EXAMPLE}}),
    ],
    response: Response,
    who: WriterDep,
    session: SessionDep,
    services: ServicesDep,
) -> RunPublic:
    """Queue a run of an inventory version or a scenario; answers 202 with the run to follow.

    A territory holding its share of the queue answers 429, a full queue 503, both with
    Retry-After.
    """
    settings = services.settings
    time_limit = _time_limit(body.time_limit, settings.max_solve_seconds, "service maximum")
    content, _, refs = _target(
        session,
        who,
        services,
        body.inventory_id,
        body.version,
        body.scenario_id,
        planner=body.planner,
    )
    if body.scenario_ids:
        content = _together(session, who, services, content, body)
    _check_quota(services, who.territory)
    row = store.add_run(
        session,
        who.territory,
        content,
        kind="background",
        objective=body.objective,
        time_limit=time_limit,
        rel_gap=body.gap,
        refs=refs,
    )
    services.dispatcher.wake()
    response.headers["Location"] = f"/v1/runs/{row.id}"
    return store.run_public(row)


@router.get("/v1/runs", summary="List the territory's runs", responses=responses(401))
def list_runs(
    who: ReaderDep,
    session: SessionDep,
    state: Annotated[RunState | None, Query(description="Only runs in this state.")] = None,
    limit: Annotated[
        int, Query(ge=1, le=500, description="At most this many, newest first.")
    ] = 100,
) -> list[RunPublic]:
    """The caller's runs, newest first."""
    query = select(RunRow).where(RunRow.territory_id == who.territory)
    if state is not None:
        query = query.where(RunRow.state == state)
    rows = session.scalars(query.order_by(RunRow.created_at.desc()).limit(limit)).all()
    return [visibility.run_view(who, store.run_public(r)) for r in rows]


@router.get("/v1/runs/{run_id}", summary="A run and its progress", responses=responses(401, 404))
def get_run(run_id: str, who: ReaderDep, session: SessionDep) -> RunPublic:
    """State, and while it runs the incumbent, bound, gap and elapsed time."""
    return visibility.run_view(who, store.run_public(store.get_run(session, who, run_id)))


@router.post(
    "/v1/runs/{run_id}/cancel",
    summary="Cancel a run",
    responses={
        202: {"model": RunPublic, "description": "Cancellation requested"},
        **responses(401, 403, 404, 409),
    },
)
def cancel_run(run_id: str, response: Response, who: WriterDep, session: SessionDep) -> RunPublic:
    """A queued run is cancelled at once (200); a running one stops at the solver's next check (202)."""
    run = store.get_run(session, who, run_id)
    if not store.cancel_run(session, run):
        response.status_code = status.HTTP_202_ACCEPTED
    return store.run_public(run)


@router.get(
    "/v1/runs/{run_id}/result",
    summary="The result of a finished run (JSON)",
    response_class=Response,
    responses={
        200: {"description": "Summary and tables", "content": {"application/json": _JSON_OBJECT}},
        **responses(401, 404, 409),
    },
)
def get_result(run_id: str, who: ReaderDep, session: SessionDep) -> Response:
    """Totals, flows, built links and per-site gains, as one JSON document.

    A member key reads the territory's totals and what concerns its site (:mod:`api.visibility`).
    """
    result = store.get_result(session, store.get_run(session, who, run_id))
    document = domain.read_result(result.document)
    if not who.is_member:
        return Response(document.public_json(), media_type="application/json")
    view = visibility.result_document(who, document.public())
    return Response(json.dumps(view), media_type="application/json")


@router.get(
    "/v1/runs/{run_id}/result.geojson",
    summary="Sites and built links of a finished run (GeoJSON)",
    response_class=Response,
    responses={
        200: {
            "description": "A FeatureCollection",
            "content": {"application/geo+json": _JSON_OBJECT},
        },
        **responses(401, 404, 409),
    },
)
def get_result_geojson(run_id: str, who: ReaderDep, session: SessionDep) -> Response:
    """A GeoJSON FeatureCollection for any map tool (a member's: its site and its exchanges)."""
    result = store.get_result(session, store.get_run(session, who, run_id))
    if not who.is_member:
        return Response(result.geojson, media_type="application/geo+json")
    document = domain.read_result(result.document).public()
    view = visibility.result_geojson(who, json.loads(result.geojson), document)
    return Response(json.dumps(view), media_type="application/geo+json")


XLSX = domain.XLSX


@router.get(
    "/v1/runs/{run_id}/result.xlsx",
    summary="The result tables of a finished run (Excel)",
    response_class=Response,
    responses={
        200: {
            "description": "One sheet per table",
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        },
        **responses(401, 404, 409),
    },
)
def get_result_xlsx(run_id: str, who: ReaderDep, session: SessionDep) -> Response:
    """Totals, flows, built links and site gains as sheets of one workbook."""
    result = store.get_result(session, store.get_run(session, who, run_id))
    document = domain.read_result(result.document)
    names = domain.tables_of(document)
    if who.is_member:
        public = document.public()
        frames = {name: visibility.table_frame(who, public, name) for name in names}
        data = domain.frames_xlsx(frames)
    else:
        data = document.xlsx(names)
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="run-{run_id}.xlsx"'},
    )


@router.get(
    "/v1/runs/{run_id}/result/{table}",
    summary="One result table of a finished run (JSON or CSV)",
    response_class=Response,
    responses={
        200: {
            "description": "The table's rows",
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **responses(401, 404, 409, 422),
    },
)
def get_result_table(
    run_id: str,
    table: TableName,
    who: ReaderDep,
    session: SessionDep,
    format: Annotated[Literal["json", "csv"], Query(description="json (records) or csv.")] = "json",
) -> Response:
    """``totals``, ``flows``, ``built_links`` or ``site_gains`` (a pathway: see below).

    A pathway's run has ``schedule``, ``periods``, ``scenarios``, ``flows`` and
    ``built_links`` (these two with their scenario and year).

    CSV follows the territory's ``number_format``: ``fr`` gives ``;`` separators, decimal
    commas and UTF-8 with a byte-order mark (what a French Excel opens by double-click).
    """
    run = store.get_run(session, who, run_id)
    result = store.get_result(session, run)
    document = domain.read_result(result.document)
    if table not in domain.tables_of(document):
        raise ApiProblem(
            404,
            f"run {run_id!r} has no table {table!r}",
            errors=[FieldError(path="table", message=", ".join(domain.tables_of(document)))],
        )
    if who.is_member:
        return _member_table(who, run, result, table, format)
    if format == "csv":
        return Response(
            document.csv(table),
            media_type=domain.CSV,
            headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
        )
    records = document.table(table).records()
    return Response(json.dumps(records, allow_nan=False), media_type="application/json")


def _member_table(
    who: Principal, run: RunRow, result: RunResultRow, table: str, format: str
) -> Response:
    """A result table cut to a member's site, from the stored document (never the report)."""
    frame = visibility.table_frame(who, domain.read_result(result.document).public(), table)
    if format == "csv":
        return Response(
            domain.frame_csv(frame, visibility.number_format(run.input)),
            media_type=domain.CSV,
            headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
        )
    return Response(frame.to_json(orient="records"), media_type="application/json")


# -- synchronous ---------------------------------------------------------------------------


def _start_sync(services: Services, who: Principal, body: OptimiseCreate) -> RunRow:
    settings = services.settings
    time_limit = _time_limit(body.time_limit, settings.sync_time_budget, "synchronous budget")
    with services.sessions() as session:
        content, sites, refs = _target(
            session,
            who,
            services,
            body.inventory_id,
            body.version,
            body.scenario_id,
            body.inventory,
            body.planner,
        )
        if sites > settings.sync_max_sites:
            raise ApiProblem(
                422,
                f"{sites} sites is too large to optimise synchronously (at most "
                f"{settings.sync_max_sites}); start a run with POST /v1/runs",
                kind="limits",
                errors=[
                    FieldError(path="sites", message=f"at most {settings.sync_max_sites} sites")
                ],
            )
        if services.sync.busy >= services.sync.size + services.sync.queue_size:
            raise _queue_full(settings, "synchronous")
        return store.add_run(
            session,
            who.territory,
            content,
            kind="sync",
            objective=body.objective,
            time_limit=time_limit,
            rel_gap=body.gap,
            refs=refs,
        )


def _sync_outcome(services: Services, run_id: str) -> tuple[RunPublic, dict[str, Any] | None]:
    with services.sessions() as session:
        run = session.get(RunRow, run_id)
        assert run is not None
        public = store.run_public(run)
        if run.state != RunState.FINISHED:
            return public, None
        return public, domain.read_result(store.get_result(session, run).document).public()


def _drop(services: Services, run_id: str) -> None:
    with services.sessions() as session:
        store.fail_unstarted(session, run_id, "not started: the queue was full")


@router.post(
    "/v1/optimise",
    summary="Optimise a small inventory synchronously",
    responses={
        202: {
            "model": RunResultPublic,
            "description": "Still running after the budget: follow the run",
        },
        **responses(401, 403, 404, 413, 422, 503),
    },
)
async def optimise(
    body: Annotated[
        OptimiseCreate,
        Body(
            openapi_examples={
                "inline": {"summary": "An inline inventory", "value": OPTIMISE_EXAMPLE}
            }
        ),
    ],
    response: Response,
    who: WriterDep,
    services: ServicesDep,
    settings: SettingsDep,
) -> RunResultPublic:
    """Solve within the synchronous time budget and answer the result in the same call.

    The solve runs in a worker process (never in the event loop); it is stored as a run like
    any other.  If its worker dies the run carries on in the background and the answer is 202.
    """
    row = await run_in_threadpool(_start_sync, services, who, body)
    try:
        future = services.sync.submit(row.id, row.attempt)
    except QueueFull:
        await run_in_threadpool(_drop, services, row.id)
        raise _queue_full(settings, "synchronous") from None
    # Model building and reporting come on top of the solver's own time limit.
    grace = 30.0 + row.time_limit
    try:
        await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout=grace)
    except WorkerDied as exc:
        await run_in_threadpool(services.dispatcher.finished, row.id, row.attempt, exc)
    except TimeoutError:
        pass
    public, result = await run_in_threadpool(_sync_outcome, services, row.id)
    response.headers["Location"] = f"/v1/runs/{row.id}"
    if public.state.active:
        response.status_code = status.HTTP_202_ACCEPTED
    return RunResultPublic(run=public, result=result)
