"""The console's chat with a model version: the serving worker's replies as server-sent events.

Generation runs where `/v1` runs it (the API process's serving worker, or vLLM), admitted by the
same slots; nothing is generated in the event loop. The first reply is awaited before the
response starts, so an unknown model, a busy server or a prompt longer than the context answers
with its own status; a later failure is an `error` event.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import orjson

from app.core.config import Settings
from app.core.errors import AppError
from app.db.models import ModelVersion
from app.db.session import Database
from app.finetune.schemas import PlaygroundChatRequest
from app.serving.backends import Generator
from app.serving.chat_models import resolve_chat_model


def _event(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


async def _events(
    first: dict[str, Any], replies: AsyncGenerator[dict[str, Any]]
) -> AsyncIterator[bytes]:
    """`delta` events with text, then `done` with the finish reason and token counts."""
    try:
        async with aclosing(replies):
            reply = first
            while reply["type"] != "done":
                yield _event({"type": "delta", "text": reply["text"]})
                reply = await anext(replies)
            yield _event(
                {
                    "type": "done",
                    "finish_reason": reply["finish_reason"],
                    "prompt_tokens": reply["prompt_tokens"],
                    "completion_tokens": reply["completion_tokens"],
                }
            )
    except AppError as exc:
        yield _event({"type": "error", "code": exc.code, "message": exc.message})


async def start_chat(
    db: Database,
    settings: Settings,
    client: Generator,
    version: ModelVersion,
    request: PlaygroundChatRequest,
) -> AsyncIterator[bytes]:
    """Resolve the version's files, admit the request, wait for the first reply; the events."""
    model = await asyncio.to_thread(
        resolve_chat_model, db, settings, version.project_id, str(version.id)
    )
    params = {
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "stop": None,
        "seed": request.seed,
    }
    messages = [turn.model_dump() for turn in request.messages]
    replies = client.generate(model, messages, params)
    first = await anext(replies)
    return _events(first, replies)
