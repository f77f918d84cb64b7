"""JSON views the page needs beyond the resource API: a run's Sankey and its candidate links.

They read a finished run like ``GET /v1/runs/{id}/result`` does, with the caller's key, so the
page shows only what the API returns to that key.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api import domain, store, visibility
from api.deps import ReaderDep, SessionDep
from api.problems import responses
from api.web.sankey import Grouping, build_sankey, sites_from

router = APIRouter(tags=["runs"])

_JSON_OBJECT: dict[str, Any] = {"schema": {"type": "object", "additionalProperties": True}}


@router.get(
    "/v1/runs/{run_id}/sankey",
    summary="The Sankey diagram of a finished run",
    responses=responses(401, 404, 409, 422),
)
def get_sankey(
    run_id: str,
    who: ReaderDep,
    session: SessionDep,
    group: Annotated[
        Grouping,
        Query(
            description="site, sector, zone (the canton of Hauts-de-France holding each site, or"
            " the site's own zone), or auto (sites, by sector beyond max_nodes)."
        ),
    ] = "auto",
    max_nodes: Annotated[
        int, Query(ge=4, le=500, description="Most nodes before sites are grouped by sector.")
    ] = 60,
    scenario: Annotated[
        str | None, Query(max_length=200, description="A pathway's scenario: its flows only.")
    ] = None,
    year: Annotated[
        int | None, Query(ge=1900, le=2200, description="A pathway's period: its flows only.")
    ] = None,
) -> dict[str, Any]:
    """Suppliers → commodities (→ converters, hubs) → takers; widths in EUR/yr.

    Of a pathway's run, the flows of one ``scenario`` and ``year`` when they are given.
    """
    result = store.get_result(session, store.get_run(session, who, run_id))
    whole = domain.read_result(result.document).public()
    document = visibility.result_document(who, whole)  # a member's: its own exchanges
    geojson = visibility.result_geojson(who, json.loads(result.geojson), whole)
    tables = document.get("tables", {})

    def chosen(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            r
            for r in rows
            if (scenario is None or r.get("scenario") == scenario)
            and (year is None or r.get("year") == year)
        ]

    sites = sites_from(geojson, chosen(tables.get("converters", [])))
    return build_sankey(chosen(tables.get("flows", [])), sites, group, max_nodes).as_json()


@router.get(
    "/v1/runs/{run_id}/candidates.geojson",
    summary="Every link the optimiser could use in a finished run (GeoJSON)",
    response_class=Response,
    responses={
        200: {"description": "A FeatureCollection", "content": {"application/geo+json": _JSON_OBJECT}},
        **responses(401, 404, 409),
    },
)
def get_candidates(run_id: str, who: ReaderDep, session: SessionDep) -> Response:
    """Candidate and existing links, each with ``built`` true when the optimum uses it.

    A member key reads those between its site and the sites it exchanges with.
    """
    run = store.get_run(session, who, run_id)
    result = store.get_result(session, run)
    document = domain.read_result(result.document)
    collection = domain.candidates(document, run.input)
    collection = visibility.candidate_geojson(who, collection, document.public())
    return Response(json.dumps(collection), media_type="application/geo+json")
