"""JSON logs to stdout and a rotating file, with request and user ids from context."""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)

_EXTRA_FIELDS = ("route", "method", "status", "duration_ms", "job_id", "client")
# Query parameters whose values are secrets; uvicorn's own lines carry the full request URL.
_SECRET_PARAM = re.compile(
    r"([?&](?:token|access_token|refresh_token|password|api_key|apikey|key|secret)=)[^&\s\"]*",
    re.IGNORECASE,
)
_URL_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact_url_secrets(text: str) -> str:
    """The text with the values of secret query parameters replaced."""
    return _SECRET_PARAM.sub(r"\1[redacted]", text)


class RedactUrlSecrets(logging.Filter):
    """Removes secret query-parameter values from a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops the record."""
        if isinstance(record.msg, str):
            record.msg = redact_url_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url_secrets(a) if isinstance(a, str) else a for a in record.args
            )
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record with its context."""
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
            "user_id": user_id_var.get(),
        }
        for key in _EXTRA_FIELDS:
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(level: str, log_dir: Path | None) -> None:
    """Send the app's logs as JSON to stdout and, when given, a rotating file."""
    root = logging.getLogger("app")
    root.setLevel(level)
    root.propagate = True
    for handler in list(root.handlers):
        if getattr(handler, "_platform", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(
            RotatingFileHandler(
                log_dir / "app.log", maxBytes=20 * 1024 * 1024, backupCount=5, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        handler._platform = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for name in _URL_LOGGERS:
        url_logger = logging.getLogger(name)
        if not any(isinstance(f, RedactUrlSecrets) for f in url_logger.filters):
            url_logger.addFilter(RedactUrlSecrets())
