"""Errors as RFC 9457 problem details (``application/problem+json``), never a stack trace.

Every error the service answers has ``type``, ``title``, ``status`` and ``detail``; validation
errors add ``errors``, one entry per problem with its field ``path`` (``supplies[3].quantity``)
and message, whether they come from FastAPI's request validation or from the inventory layer's
unit and dimension checks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://symbiose.example/problems/"

_TITLES = {
    400: "Bad request",
    401: "Unauthorised",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class FieldError(BaseModel):
    """One validation problem, located by its field path."""

    path: str = Field(
        description="Field path, e.g. `supplies[3].quantity`; `(document)` for the whole."
    )
    message: str = Field(description="What is wrong, naming the offending value.")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem detail (the numeric optimisation problem is `models.problem.Problem`)."""

    type: str = Field(description="URI identifying the kind of problem.")
    title: str = Field(description="Short human-readable summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong in this occurrence.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(
        default=None, description="Validation problems with their field paths."
    )


class ApiProblem(Exception):
    """Raise to answer a problem response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _slug(_TITLES.get(status, "error"))
        self.errors = list(errors) if errors is not None else None
        self.headers = headers or {}


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def problem_response(
    request: Request | None,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: Iterable[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A ``application/problem+json`` response."""
    title = _TITLES.get(status, "Error")
    body = ProblemDetails(
        type=TYPE_BASE + (kind or _slug(title)),
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
        errors=list(errors) if errors is not None else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def loc_path(loc: Sequence[Any]) -> str:
    """``("body", "sites", 3, "id")`` → ``sites[3].id`` (the request part is dropped)."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, parts = parts[0], parts[1:]
        if where != "body" and not parts:
            return where
    out = ""
    for part in parts:
        if part == "[key]":
            continue  # pydantic's mark of a refused mapping key: the path already names it
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem response."""

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.detail, kind=exc.kind, errors=exc.errors, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(path=loc_path(err.get("loc", ())), message=str(err.get("msg", "invalid")))
            for err in exc.errors()
        ]
        return problem_response(
            request,
            422,
            f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the request",
            kind="validation",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        return problem_response(
            request, exc.status_code, detail, headers=dict(exc.headers or {}) or None
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request, 500, "an unexpected error occurred; it has been logged", kind="internal"
        )


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem answers ``codes``."""
    return {
        code: {
            "model": ProblemDetails,
            "description": _TITLES.get(code, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        for code in codes
    }
