"""Inventories: submit (JSON, YAML, spreadsheet), read any version, replace or patch with If-Match."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Body,
    File,
    Form,
    Header,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import domain, store, visibility
from api.compression import decode_content, inflate, is_gzip
from api.config import Settings
from api.db import InventoryRow, InventoryVersionRow
from api.deps import EditorDep, ParsersDep, ReaderDep, SessionDep, SettingsDep, WriterDep
from api.examples import INVENTORY_EXAMPLE, INVENTORY_YAML_EXAMPLE, PATCH_EXAMPLE
from api.keys import Principal
from api.problems import ApiProblem, responses
from api.schemas import MAX_INT, InventoryPatch, InventoryPublic
from api.text import NO_CONTROL_PATTERN

router = APIRouter(prefix="/v1/inventories", tags=["inventories"])

_JSON_TYPES = ("application/json",)
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")

INVENTORY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A flow inventory, as JSON or YAML (the CLI's format).",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Inventory"},
                "examples": {
                    "small": {"summary": "Two sites, waste heat", "value": INVENTORY_EXAMPLE}
                },
            },
            "application/yaml": {
                "schema": {"type": "string"},
                "examples": {
                    "small": {"summary": "The same in YAML", "value": INVENTORY_YAML_EXAMPLE}
                },
            },
        },
    }
}

_UPLOAD_EXAMPLE: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "examples": {
                    "template": {
                        "summary": "The workbook written by `symbiose template`, filled in",
                        "value": {"name": "Exampleville", "file": "inventory.xlsx (binary)"},
                    }
                }
            }
        }
    }
}

IF_MATCH = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the version this change starts from (412 if it is not the latest).",
    ),
]


async def _read_body(request: Request, settings: Settings) -> tuple[bytes, str]:
    """The inventory and its format, from the Content-Type (JSON when none is given).

    A body sent with ``Content-Encoding: gzip`` is inflated, within ``max_inflated_bytes``.
    """
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media in _YAML_TYPES:
        fmt = "yaml"
    elif media in _JSON_TYPES or media.endswith("+json") or media == "":
        fmt = "json"
    else:
        raise ApiProblem(
            415, f"send the inventory as application/json or application/yaml, not {media!r}"
        )
    data = await request.body()
    encoding = request.headers.get("content-encoding")
    if encoding:
        data = await run_in_threadpool(decode_content, data, encoding, settings.max_inflated_bytes)
    return data, fmt


def _uploaded(data: bytes, filename: str | None, settings: Settings) -> tuple[bytes, str]:
    """An uploaded file and its format: a ``.gz`` file is inflated and named by what it holds.

    ``region.json.gz`` holds JSON, ``region.yaml.gz`` YAML, anything else the workbook.
    """
    name = (filename or "").lower()
    if not (name.endswith(".gz") or is_gzip(data)):
        return data, "xlsx"
    inner = name.removesuffix(".gz")
    fmt = (
        "json"
        if inner.endswith(".json")
        else "yaml"
        if inner.endswith((".yaml", ".yml"))
        else "xlsx"
    )
    return inflate(data, settings.max_inflated_bytes), fmt


def _created(
    response: Response, row: InventoryRow, public: InventoryPublic, inv: Any
) -> InventoryPublic:
    response.headers["Location"] = f"/v1/inventories/{row.id}"
    response.headers["ETag"] = public.etag
    return store.with_warnings(public, inv)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a new inventory (JSON or YAML)",
    openapi_extra=INVENTORY_BODY,
    responses=responses(400, 401, 403, 413, 415, 422, 503),
)
async def create_inventory(
    request: Request,
    response: Response,
    who: WriterDep,
    session: SessionDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    name: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=NO_CONTROL_PATTERN,
            description="Name (default: the territory's name).",
        ),
    ] = None,
) -> InventoryPublic:
    """Store an inventory as version 1 of a new inventory; answers its id and ETag."""
    data, fmt = await _read_body(request, settings)
    inv = await run_in_threadpool(store.read_inventory, parsers, data, fmt, settings)
    row = store.create_inventory(session, who, name or inv.territory.name, inv, fmt, settings)
    return _created(response, row, store.inventory_public(session, row), inv)


@router.post(
    "/upload",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a new inventory as a filled-in spreadsheet template",
    openapi_extra=_UPLOAD_EXAMPLE,
    responses=responses(401, 403, 413, 422, 503),
)
def upload_inventory(
    response: Response,
    who: WriterDep,
    session: SessionDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    file: Annotated[UploadFile, File(description="The workbook (.xlsx) of `symbiose template`.")],
    name: Annotated[
        str | None,
        Form(max_length=200, pattern=NO_CONTROL_PATTERN, description="Name of the inventory."),
    ] = None,
) -> InventoryPublic:
    """Store a spreadsheet (the project's template) as version 1 of a new inventory."""
    data, fmt = _uploaded(file.file.read(), file.filename, settings)
    inv = store.read_inventory(parsers, data, fmt, settings)
    row = store.create_inventory(session, who, name or inv.territory.name, inv, fmt, settings)
    return _created(response, row, store.inventory_public(session, row), inv)


@router.get("", summary="List the territory's inventories", responses=responses(401))
def list_inventories(who: ReaderDep, session: SessionDep) -> list[InventoryPublic]:
    """Every inventory of the caller's territory, newest first."""
    rows = session.scalars(
        select(InventoryRow)
        .where(InventoryRow.territory_id == who.territory)
        .order_by(InventoryRow.created_at.desc())
    ).all()
    return [store.inventory_public(session, r) for r in rows]


@router.get(
    "/{inventory_id}", summary="An inventory and its versions", responses=responses(401, 404)
)
def get_inventory(
    inventory_id: str, response: Response, who: ReaderDep, session: SessionDep
) -> InventoryPublic:
    """The inventory's versions; the ETag header is the latest version's."""
    public = store.inventory_public(session, store.get_inventory(session, who, inventory_id))
    response.headers["ETag"] = public.etag
    return public


@router.get(
    "/{inventory_id}/versions/{version}",
    summary="The content of one version",
    response_class=Response,
    responses={
        200: {
            "description": "The inventory as submitted (canonical JSON, YAML, or the spreadsheet"
            " template filled in, ready to edit and upload again).",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Inventory"}},
                "application/yaml": {"schema": {"type": "string"}},
                domain.XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **responses(401, 404),
    },
)
def get_version(
    inventory_id: str,
    version: Annotated[int, Path(ge=1, le=MAX_INT, description="Version number, from 1.")],
    who: ReaderDep,
    session: SessionDep,
    format: Annotated[
        str,
        Query(
            pattern="^(json|yaml|xlsx)$",
            description="json (default), yaml, or xlsx: the spreadsheet template filled with"
            " this version, to edit and upload again (PUT /v1/inventories/{id}/upload).",
        ),
    ] = "json",
) -> Response:
    """One immutable version; earlier versions stay readable for ever.

    A member key reads it cut to its own site (:mod:`api.visibility`), in every format.
    """
    inv = store.get_inventory(session, who, inventory_id)
    row = store.get_version(session, inv, version)
    body, media = domain.render_inventory(visibility.inventory_json(who, row.content), format)
    headers = {"ETag": row.etag}
    if format == "xlsx":
        headers["Content-Disposition"] = (
            f'attachment; filename="inventory-{inventory_id}-v{row.version}.xlsx"'
        )
    return Response(body, media_type=media, headers=headers)


@router.put(
    "/{inventory_id}",
    summary="Replace an inventory (a new version)",
    openapi_extra=INVENTORY_BODY,
    responses=responses(401, 403, 404, 412, 413, 415, 422, 428, 503),
)
async def replace_inventory(
    inventory_id: str,
    request: Request,
    response: Response,
    who: WriterDep,
    session: SessionDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    if_match: IF_MATCH = None,
) -> InventoryPublic:
    """Store a whole new content as the next version; If-Match must be the latest ETag."""
    row, current = _latest_if_match(session, who, inventory_id, if_match)
    data, fmt = await _read_body(request, settings)
    inv = await run_in_threadpool(store.read_inventory, parsers, data, fmt, settings)
    return _store_next(session, who, row, current, inv, fmt, "replace", settings, response)


@router.put(
    "/{inventory_id}/upload",
    summary="Replace an inventory by a spreadsheet (a new version)",
    openapi_extra=_UPLOAD_EXAMPLE,
    responses=responses(401, 403, 404, 412, 413, 422, 428, 503),
)
def replace_inventory_upload(
    inventory_id: str,
    response: Response,
    who: WriterDep,
    session: SessionDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    file: Annotated[UploadFile, File(description="The workbook (.xlsx) of `symbiose template`.")],
    if_match: IF_MATCH = None,
) -> InventoryPublic:
    """Store a filled-in template as the next version; If-Match must be the latest ETag."""
    row, current = _latest_if_match(session, who, inventory_id, if_match)
    data, fmt = _uploaded(file.file.read(), file.filename, settings)
    inv = store.read_inventory(parsers, data, fmt, settings)
    return _store_next(session, who, row, current, inv, fmt, "replace", settings, response)


@router.patch(
    "/{inventory_id}",
    summary="Change part of an inventory (a new version)",
    responses=responses(401, 403, 404, 412, 413, 422, 428),
)
def patch_inventory(
    inventory_id: str,
    patch: Annotated[
        InventoryPatch,
        Body(
            openapi_examples={
                "one-site": {"summary": "One site's haves and wants", "value": PATCH_EXAMPLE}
            }
        ),
    ],
    response: Response,
    who: EditorDep,
    session: SessionDep,
    settings: SettingsDep,
    parsers: ParsersDep,
    if_match: IF_MATCH = None,
) -> InventoryPublic:
    """Apply overrides (scenario format: territory, update, add, remove) as the next version.

    A member key may patch only the supplies and demands of its own site: another site's item
    answers 404 (as a site that does not exist), any other change 403.
    """
    store.get_inventory(session, who, inventory_id)  # another territory's: 404 before all else
    visibility.check_patch(who, patch)
    row, current = _latest_if_match(session, who, inventory_id, if_match)
    overrides = {"name": "patch", **patch.model_dump(exclude_defaults=True)}
    try:
        inv = store.apply_overrides(parsers, settings, current.content, overrides)
    except ApiProblem as exc:  # a member reads paths of its own view, not of the whole
        raise visibility.problem_view(who, exc, json.loads(current.content)) from None
    return _store_next(session, who, row, current, inv, "patch", "patch", settings, response)


def _latest_if_match(
    session: Session, who: Principal, inventory_id: str, if_match: str | None
) -> tuple[InventoryRow, InventoryVersionRow]:
    """The inventory and its latest version, once ``if_match`` names it (else 412 or 428)."""
    row = store.get_inventory(session, who, inventory_id)
    current = store.get_version(session, row, None)
    store.check_if_match(if_match, current)
    return row, current


def _store_next(
    session: Session,
    who: Principal,
    row: InventoryRow,
    current: InventoryVersionRow,
    inv: Any,
    fmt: str,
    change: str,
    settings: Settings,
    response: Response,
) -> InventoryPublic:
    """Store ``inv`` as the version after ``current``; the answer carries the new ETag."""
    store.add_version(session, who, row, current, inv, fmt, change, settings)
    public = store.with_warnings(store.inventory_public(session, row), inv)
    response.headers["ETag"] = public.etag
    if who.is_member:  # the warnings of the whole inventory name other sites' items
        document = domain.inventory_document(inv)
        found = visibility.warnings_view(who, public.warnings or [], document)
        public = public.model_copy(update={"warnings": found})
    return public
