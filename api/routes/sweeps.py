"""Sweeps: many solves of one inventory version (a grid and/or Monte Carlo draws).

A sweep is planned and checked when it is created (every grid parameter must name a figure,
Monte Carlo draws need declared uncertainties), answers 202, and runs in a process of its own
(:mod:`api.sweeps`); its progress (draws done and failed) and, once finished, its robust toile
(draws, exchanges by robustness, sensitivity) are read here.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response, status
from sqlalchemy import select

from api import domain, store, visibility
from api.db import SweepRow
from api.deps import ReaderDep, ServicesDep, SessionDep, WriterDep
from api.examples import SWEEP_EXAMPLE
from api.problems import ApiProblem, FieldError, responses
from api.schemas import RunState, SweepCreate, SweepPublic

router = APIRouter(prefix="/v1/sweeps", tags=["sweeps"])

SweepTable = Literal["draws", "exchanges", "sensitivity"]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a sweep",
    responses=responses(401, 403, 404, 422),
)
def create_sweep(
    body: Annotated[
        SweepCreate,
        Body(openapi_examples={"grid": {"summary": "Prices × draws", "value": SWEEP_EXAMPLE}}),
    ],
    response: Response,
    who: WriterDep,
    session: SessionDep,
    services: ServicesDep,
) -> SweepPublic:
    """Plan a sweep of an inventory version and queue it; answers 202 with the sweep to follow."""
    from symbiose.sweep import SweepError

    row = store.get_inventory(session, who, body.inventory_id)
    stored = store.get_version(session, row, body.version)
    try:
        spec, total = domain.plan_sweep(stored.content, body.grid, body.draws, body.seed)
    except SweepError as exc:
        field = "draws" if "uncertainty" in str(exc) else "grid"
        raise ApiProblem(
            422, str(exc), kind="invalid-sweep", errors=[FieldError(path=field, message=str(exc))]
        ) from None
    most = services.settings.max_sweep_draws
    if total > most:
        raise ApiProblem(
            422,
            f"the sweep has {total} draws, more than the service's limit of {most}",
            kind="limits",
            errors=[FieldError(path="draws", message=f"at most {most} draws in all")],
        )
    spec["settings"] = {"objective": body.objective, "time_limit": body.time_limit, "gap": body.gap}
    sweep = store.add_sweep(session, who, stored, json.dumps(spec), total)
    services.sweeps.wake()
    response.headers["Location"] = f"/v1/sweeps/{sweep.id}"
    return store.sweep_public(sweep)


@router.get("", summary="List the territory's sweeps", responses=responses(401))
def list_sweeps(
    who: ReaderDep,
    session: SessionDep,
    limit: Annotated[
        int, Query(ge=1, le=500, description="At most this many, newest first.")
    ] = 100,
) -> list[SweepPublic]:
    """The caller's sweeps, newest first (none for a member key: draws name others' figures)."""
    if who.is_member:
        return []
    rows = session.scalars(
        select(SweepRow)
        .where(SweepRow.territory_id == who.territory)
        .order_by(SweepRow.created_at.desc())
        .limit(limit)
    ).all()
    return [store.sweep_public(r) for r in rows]


@router.get("/{sweep_id}", summary="A sweep and its progress", responses=responses(401, 404))
def get_sweep(sweep_id: str, who: ReaderDep, session: SessionDep) -> SweepPublic:
    """The sweep: state, draws done and failed, and its summary once finished."""
    visibility.hidden_from_member(who, "sweep", sweep_id)
    return store.sweep_public(store.get_sweep(session, who, sweep_id))


@router.post(
    "/{sweep_id}/cancel", summary="Cancel a sweep", responses=responses(401, 403, 404, 409)
)
def cancel_sweep(sweep_id: str, who: WriterDep, session: SessionDep) -> SweepPublic:
    """Ask a queued or running sweep to stop (a queued one stops at once)."""
    row = store.get_sweep(session, who, sweep_id)
    store.cancel_sweep(session, row)
    return store.sweep_public(row)


@router.get(
    "/{sweep_id}/tables/{name}",
    summary="A table of a finished sweep",
    responses={
        **responses(401, 404, 409),
        200: {"content": {"application/json": {}, "text/csv": {}}},
    },
)
def sweep_table(
    sweep_id: str,
    name: SweepTable,
    who: ReaderDep,
    session: SessionDep,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
) -> Any:
    """One table of the robust toile, as JSON records or CSV.

    ``draws`` (each draw's values and totals), ``exchanges`` (share of draws built, P10/P50/P90
    of the flow, what drives it) or ``sensitivity`` (rank correlations with the totals).
    """
    visibility.hidden_from_member(who, "sweep", sweep_id)
    row = store.get_sweep(session, who, sweep_id)
    if row.state != RunState.FINISHED or not row.result:
        raise ApiProblem(409, f"sweep {row.id} is {row.state}: no tables yet", kind="no-result")
    records = json.loads(row.result)["tables"][name]
    if format == "csv":
        return Response(domain.records_csv(records), media_type="text/csv")
    return records
