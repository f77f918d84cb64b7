"""Comparisons: two or more finished runs side by side, as ``symbiose compare`` prints them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import domain, store, visibility
from api.db import ComparisonRow, InventoryRow, RunRow, ScenarioRow
from api.deps import ReaderDep, SessionDep, WriterDep
from api.examples import COMPARISON_EXAMPLE
from api.problems import ApiProblem, FieldError, responses
from api.schemas import ComparisonCreate, ComparisonPublic

router = APIRouter(prefix="/v1/comparisons", tags=["comparisons"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Compare finished runs",
    responses=responses(401, 403, 404, 409, 413, 422),
)
def create_comparison(
    body: Annotated[
        ComparisonCreate,
        Body(
            openapi_examples={
                "two": {"summary": "Base and a scenario", "value": COMPARISON_EXAMPLE}
            }
        ),
    ],
    response: Response,
    who: WriterDep,
    session: SessionDep,
) -> ComparisonPublic:
    """Totals and the exchanges that appear, disappear or change between the runs."""
    runs = [store.get_run(session, who, run_id) for run_id in body.run_ids]
    results = [store.get_result(session, run) for run in runs]
    labels = body.labels or _default_labels(session, runs)
    documents = {
        label: domain.read_result(result.document)
        for label, result in zip(labels, results, strict=True)
    }
    try:
        totals, exchanges = domain.compare_reports(documents)
    except (ValueError, KeyError) as exc:
        raise ApiProblem(
            422,
            f"these runs cannot be compared: {exc}",
            errors=[FieldError(path="run_ids", message=str(exc))],
        ) from None
    row = ComparisonRow(
        territory_id=who.territory,
        labels=labels,
        run_ids=body.run_ids,
        totals=totals,
        exchanges=exchanges,
    )
    session.add(row)
    session.commit()
    response.headers["Location"] = f"/v1/comparisons/{row.id}"
    return store.comparison_public(row)


def _default_labels(session: Session, runs: list[RunRow]) -> list[str]:
    """Scenario name, or inventory name and version; made unique with a suffix."""
    labels: list[str] = []
    for run in runs:
        label = run.id[:8]
        if run.scenario_id is not None:
            scenario = session.get(ScenarioRow, run.scenario_id)
            label = scenario.name if scenario is not None else label
        elif run.inventory_id is not None:
            inv = session.get(InventoryRow, run.inventory_id)
            label = f"{inv.name} v{run.version}" if inv is not None else label
        base, n = label, 2
        while label in labels:
            label, n = f"{base} ({n})", n + 1
        labels.append(label)
    return labels


@router.get("", summary="List the territory's comparisons", responses=responses(401))
def list_comparisons(who: ReaderDep, session: SessionDep) -> list[ComparisonPublic]:
    """Every comparison of the caller's territory, newest first (a member's: its exchanges)."""
    rows = session.scalars(
        select(ComparisonRow)
        .where(ComparisonRow.territory_id == who.territory)
        .order_by(ComparisonRow.created_at.desc())
    ).all()
    return [visibility.comparison_view(who, store.comparison_public(r)) for r in rows]


@router.get("/{comparison_id}", summary="A comparison", responses=responses(401, 404))
def get_comparison(comparison_id: str, who: ReaderDep, session: SessionDep) -> ComparisonPublic:
    """The totals and exchanges side by side (a member key: the exchanges of its site)."""
    row = store.get_comparison(session, who, comparison_id)
    return visibility.comparison_view(who, store.comparison_public(row))


@router.get(
    "/{comparison_id}/{table}.csv",
    summary="A comparison table as CSV",
    response_class=Response,
    responses={
        200: {"description": "The table", "content": {"text/csv": {"schema": {"type": "string"}}}},
        **responses(401, 404, 422),
    },
)
def get_comparison_csv(
    comparison_id: str,
    table: Literal["totals", "exchanges"],
    who: ReaderDep,
    session: SessionDep,
    sep: Annotated[
        Literal[",", ";"],
        Query(
            description="',' (English: decimal point, UTF-8) or ';' (French Excel: decimal"
            " comma, UTF-8 with a byte-order mark)."
        ),
    ] = ",",
) -> Response:
    """``totals`` or ``exchanges`` as CSV (the CLI's export)."""
    public = visibility.comparison_view(
        who, store.comparison_public(store.get_comparison(session, who, comparison_id))
    )
    records = public.totals if table == "totals" else public.exchanges
    return Response(
        domain.records_csv(records, "fr" if sep == ";" else "en"),
        media_type=domain.CSV,
        headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
    )
