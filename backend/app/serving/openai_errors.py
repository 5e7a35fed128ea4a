"""Errors on /v1 in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.

OpenAI clients read this shape (the SDK raises its typed errors from it), so the /v1 routes
use a route class that renders every error of theirs this way instead of the platform's
envelope. Request validation errors answer 400, as OpenAI's API does.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from app.core.errors import AppError

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_error",
}


ERROR_DESCRIPTIONS = {
    400: "Invalid request: a parameter is missing, malformed or not supported",
    401: "Missing, unknown or revoked API key",
    404: "No such model in the key's project",
    429: "The serving worker is full; see Retry-After",
    503: "The serving worker is unavailable; retry",
}


class OpenAIErrorDetail(BaseModel):
    """The error itself, as OpenAI's API describes it."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorResponse(BaseModel):
    """An error on /v1."""

    error: OpenAIErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting these error statuses in OpenAI's shape."""
    return {
        status: {"model": OpenAIErrorResponse, "description": ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


def openai_error(
    status: int,
    message: str,
    code: str | None,
    *,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error response in OpenAI's shape."""
    body = {
        "error": {
            "message": message,
            "type": ERROR_TYPES.get(status, "server_error"),
            "param": param,
            "code": code,
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def error_payload(status: int, message: str, code: str) -> dict[str, Any]:
    """The error object sent inside a stream that already started."""
    error = {"message": message, "type": ERROR_TYPES.get(status, "server_error"), "code": code}
    return {"error": {**error, "param": None}}


def _validation(exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0]
    location = [str(part) for part in first["loc"] if part != "body"]
    param = ".".join(location) or None
    message = f"Invalid request: {param + ': ' if param else ''}{first['msg']}"
    if first["type"] == "extra_forbidden":
        message = f"Unsupported parameter: '{param}' is not supported by this server."
    return openai_error(400, message, first["type"], param=param)


class OpenAIRoute(APIRoute):
    """A route whose errors (its dependencies' too) are rendered in OpenAI's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the default handler."""
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except AppError as exc:
                return openai_error(exc.status_code, exc.message, exc.code, headers=exc.headers)
            except RequestValidationError as exc:
                return _validation(exc)
            except HTTPException as exc:
                headers = dict(exc.headers) if exc.headers else None
                return openai_error(exc.status_code, str(exc.detail), None, headers=headers)

        return route
