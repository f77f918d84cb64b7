"""JSON views the page needs beyond the resource API: a run's Sankey and its candidate links.

They read a finished run like ``GET /v1/runs/{id}/result`` does, with the caller's key, so the
page shows only what the API returns to that key.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api import domain, store
from api.deps import PrincipalDep, SessionDep
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
    who: PrincipalDep,
    session: SessionDep,
    group: Annotated[
        Grouping, Query(description="site, sector, or auto (sectors beyond max_nodes).")
    ] = "auto",
    max_nodes: Annotated[
        int, Query(ge=4, le=500, description="Most nodes before sites are grouped by sector.")
    ] = 60,
) -> dict[str, Any]:
    """Suppliers → commodities (→ converters, hubs) → takers; widths in EUR/yr."""
    result = store.get_result(session, store.get_run(session, who, run_id))
    document = domain.read_result(result.document)
    converters = document.tables.get("converters")
    sites = sites_from(json.loads(result.geojson), converters.records() if converters else [])
    flows = document.tables.get("flows")
    return build_sankey(flows.records() if flows else [], sites, group, max_nodes).as_json()


@router.get(
    "/v1/runs/{run_id}/candidates.geojson",
    summary="Every link the optimiser could use in a finished run (GeoJSON)",
    response_class=Response,
    responses={
        200: {"description": "A FeatureCollection", "content": {"application/geo+json": _JSON_OBJECT}},
        **responses(401, 404, 409),
    },
)
def get_candidates(run_id: str, who: PrincipalDep, session: SessionDep) -> Response:
    """Candidate and existing links, each with ``built`` true when the optimum uses it."""
    run = store.get_run(session, who, run_id)
    result = store.get_result(session, run)
    collection = domain.candidates(domain.read_result(result.document), run.input)
    return Response(json.dumps(collection), media_type="application/geo+json")
