"""Typed application errors and the handlers that render one JSON envelope."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.redact import scrub_server_paths, server_roots


class AppError(Exception):
    """A business error with an HTTP status, a stable code and a human message."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details
        self.headers = headers


class BadRequest(AppError):
    """The request is well-formed but cannot be acted on."""


class Unauthorized(AppError):
    """Missing or invalid credentials."""

    status_code = 401
    code = "not_authenticated"


class Forbidden(AppError):
    """Authenticated but not allowed."""

    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    """The object does not exist or is not visible to the caller."""

    status_code = 404
    code = "not_found"


class Conflict(AppError):
    """The object's state forbids the operation."""

    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    """The upload exceeds the configured limit."""

    status_code = 413
    code = "payload_too_large"


class UnprocessableInput(AppError):
    """The content (file, data) is invalid in a way the person can fix."""

    status_code = 422
    code = "invalid_input"


class TooManyRequests(AppError):
    """Throttled."""

    status_code = 429
    code = "too_many_requests"


class ServiceUnavailable(AppError):
    """A dependency is down."""

    status_code = 503
    code = "service_unavailable"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one JSON envelope for every error."""
    return {"error": {"code": code, "message": message, "details": details}}


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    """Render an AppError; a library's message quoted in it never shows a server path."""
    assert isinstance(exc, AppError)
    roots = server_roots(getattr(request.app.state, "settings", None))
    message = scrub_server_paths(exc.message, roots)
    details = scrub_server_paths(jsonable_encoder(exc.details), roots)
    return JSONResponse(
        error_body(exc.code, message, details),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return JSONResponse(
        error_body("validation_error", f"Invalid request: {summary}", fields), status_code=422
    )


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode: invalid input like any other (422).
        message = f"Invalid request body: {exc.detail}."
        return JSONResponse(error_body("invalid_body", message), status_code=422)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as the JSON envelope (unexpected ones: RequestContextMiddleware)."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
