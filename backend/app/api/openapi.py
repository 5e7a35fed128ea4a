"""Error statuses in the OpenAPI document, derived from each route's dependencies.

Every error a route can answer is documented with the one JSON envelope, so the schema matches
behaviour (and generated clients and contract tests know every status). The rules:

- 401: the route reads a bearer token, or signs in;
- 403: it needs an admin, or it writes (a viewer writing is refused);
- 404: it names an object (a path parameter or a `project_id`), or writes (bodies name objects);
- 409: it writes (state conflicts), plus the reads listed in `EXTRA_STATUSES`;
- 422: it takes any input;
- `EXTRA_STATUSES`: what only one route can answer (sign-in throttling, upload size, ...).
"""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from app.api.deps import get_admin, oauth2_scheme

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXTRA_STATUSES: dict[str, set[int]] = {
    "login": {401, 429},
    "refresh_token": {401},
    "upload_dataset": {413},
    "create_job": {429},
    "retry_job": {429},
    "create_labeling_run": {429},
    "preview_dataset": {409},
    "get_dataset_profile": {409},
    "download_dataset": {409},
    "validate_dataset": {409},
    "get_review_queue": {403},
    "download_distillation_report_md": {409},
    "download_distillation_report_csv": {409},
    "download_model": {409},
}
DESCRIPTIONS = {
    401: "Not authenticated: missing, invalid or expired token, or wrong credentials",
    403: "Authenticated but not allowed (role too weak, admin required)",
    404: "Not found, or not visible to the caller",
    409: "Conflicts with the object's current state",
    413: "Payload too large",
    422: "Invalid input; `details` names each field",
    429: "Too many requests (see Retry-After), or a project quota reached (`quota_exceeded`)",
}


class ErrorDetail(BaseModel):
    """The error itself."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The one JSON envelope of every error."""

    error: ErrorDetail


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def error_statuses(route: APIRoute) -> set[int]:
    """The error statuses a route can answer, by the rules above."""
    tree = list(_dependants(route.dependant))
    calls = {d.call for d in tree}
    params = [p for d in tree for p in (*d.path_params, *d.query_params, *d.body_params)]
    path_params = [p for d in tree for p in d.path_params]
    writes = bool((route.methods or set()) & WRITE_METHODS)
    statuses = set(EXTRA_STATUSES.get(route.operation_id or "", set()))
    if params or route.openapi_extra:
        statuses.add(422)
    if oauth2_scheme in calls:
        statuses.add(401)
        if get_admin in calls or writes:
            statuses.add(403)
        if path_params or writes or any(p.name == "project_id" for p in params):
            statuses.add(404)
        if writes:
            statuses.add(409)
    return statuses


def document_error_responses(app: FastAPI, prefix: str) -> None:
    """Add the error responses of every API route under `prefix` (before the schema is built)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not str(context.path_format).startswith(prefix):
            continue
        for status in sorted(error_statuses(route)):
            route.responses.setdefault(
                status, {"model": ErrorResponse, "description": DESCRIPTIONS[status]}
            )
