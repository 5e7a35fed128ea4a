"""Messages between the API process and its serving worker: one JSON object per line.

API → worker: {"op": "generate", "id", "model": {"id", "root", "base_root", "artifacts"},
"messages", "params": {"max_tokens", "temperature", "top_p", "stop", "seed"}} and
{"op": "cancel", "id"}. Worker → API: {"id", "type": "delta", "text"}, then
{"id", "type": "done", "finish_reason", "prompt_tokens", "completion_tokens"} or
{"id", "type": "error", "status", "code", "message"}.
"""

from typing import Any

import orjson


def encode(message: dict[str, Any]) -> bytes:
    """One message as a JSON line."""
    return orjson.dumps(message) + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    """One JSON line as a message."""
    message: dict[str, Any] = orjson.loads(line)
    return message


class ServingError(Exception):
    """A failure to report to the caller with an HTTP status and a stable code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
