"""Pure ASGI middleware: request id, access log and request metrics (streaming-safe)."""

import logging
import re
import time
import uuid

from fastapi.routing import iter_route_contexts
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id_var, user_id_var
from app.core.metrics import REQUEST_LATENCY, REQUESTS

logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.errors")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_INTERNAL_ERROR = {
    "error": {
        "code": "internal_error",
        "message": "Internal server error; quote the X-Request-ID header when reporting it.",
        "details": None,
    }
}


def _route_templates(app: object) -> dict[int, tuple[object, str]]:
    """Every route of the app with its full path template (prefixes included), by object id."""
    routes = getattr(app, "routes", [])
    return {
        id(context.original_route): (context.original_route, str(context.path_format))
        for context in iter_route_contexts(routes)
    }


class RequestContextMiddleware:
    """Accepts or generates X-Request-ID, echoes it, logs and measures each request."""

    def __init__(self, app: ASGIApp, *, metrics_enabled: bool = True) -> None:
        self.app = app
        self.metrics_enabled = metrics_enabled
        self._templates: dict[int, tuple[object, str]] | None = None

    def _route_template(self, scope: Scope) -> str:
        """The matched route's full path template, so metrics and logs do not explode per id."""
        route = scope.get("route")
        if route is None:
            return "unmatched"
        if self._templates is None:
            self._templates = _route_templates(scope.get("app"))
        known = self._templates.get(id(route))
        if known is not None and known[0] is route:
            return known[1]
        return str(getattr(route, "path", "unmatched"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap one HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        rid_token = request_id_var.set(request_id)
        uid_token = user_id_var.set(None)
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_wrapper(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            error_logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            await JSONResponse(_INTERNAL_ERROR, status_code=500)(scope, receive, send_wrapper)
        finally:
            duration = time.perf_counter() - start
            route = self._route_template(scope)
            if self.metrics_enabled:
                REQUESTS.labels(scope["method"], route, str(status)).inc()
                REQUEST_LATENCY.labels(scope["method"], route).observe(duration)
            user_id_var.set(scope.get("state", {}).get("user_id"))
            logger.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "route": route,
                    "method": scope["method"],
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                },
            )
            request_id_var.reset(rid_token)
            user_id_var.reset(uid_token)
