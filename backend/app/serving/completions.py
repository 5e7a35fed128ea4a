"""Chat completions in OpenAI's response shapes, from the serving worker's replies."""

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import orjson

from app.core.config import Settings
from app.core.errors import AppError
from app.db.session import Database
from app.serving.backends import Generator
from app.serving.chat_models import resolve_chat_model
from app.serving.keys import KeyOwner, count_usage
from app.serving.openai_errors import error_payload
from app.serving.openai_schemas import ChatCompletionRequest


def _usage(done: dict[str, Any]) -> dict[str, int]:
    prompt, completion = done["prompt_tokens"], done["completion_tokens"]
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class Completion:
    """One admitted chat completion: the worker's reply stream and what it is counted against."""

    def __init__(
        self, db: Database, owner: KeyOwner, request: ChatCompletionRequest, replies: Any
    ) -> None:
        self.db = db
        self.owner = owner
        self.request = request
        self.replies: AsyncGenerator[dict[str, Any]] = replies
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.first: dict[str, Any] = {}

    async def count(self, done: dict[str, Any] | None) -> None:
        """Add the call and its tokens to the key's counters."""
        prompt = done["prompt_tokens"] if done else 0
        completion = done["completion_tokens"] if done else 0
        await asyncio.to_thread(
            count_usage, self.db, self.owner.key_id, prompt=prompt, completion=completion
        )

    async def whole(self) -> dict[str, Any]:
        """The non-streamed answer, with usage."""
        parts: list[str] = []
        done: dict[str, Any] | None = None
        async with aclosing(self.replies):
            reply = self.first
            while True:
                if reply["type"] == "delta":
                    parts.append(reply["text"])
                elif reply["type"] == "done":
                    done = reply
                    break
                reply = await anext(self.replies)
        await self.count(done)
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.request.model,
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(parts)},
                    "logprobs": None,
                    "finish_reason": done["finish_reason"] if done else "stop",
                }
            ],
            "usage": _usage(done) if done else None,
        }

    def _chunk(self, delta: dict[str, Any], finish: str | None, usage: bool) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        chunk: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.request.model,
            "system_fingerprint": None,
            "choices": [choice],
        }
        if usage:
            chunk["usage"] = None
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    async def events(self) -> AsyncIterator[bytes]:
        """Server-sent events: a role chunk, content chunks, the finish chunk, usage, [DONE]."""
        options = self.request.stream_options
        include_usage = bool(options and options.include_usage)
        done: dict[str, Any] | None = None
        try:
            async with aclosing(self.replies):
                yield self._chunk({"role": "assistant", "content": ""}, None, include_usage)
                reply = self.first
                while reply["type"] != "done":
                    yield self._chunk({"content": reply["text"]}, None, include_usage)
                    reply = await anext(self.replies)
                done = reply
                yield self._chunk({}, done["finish_reason"], include_usage)
                if include_usage:
                    last = {
                        "id": self.id,
                        "object": "chat.completion.chunk",
                        "created": self.created,
                        "model": self.request.model,
                        "system_fingerprint": None,
                        "choices": [],
                        "usage": _usage(done),
                    }
                    yield b"data: " + orjson.dumps(last) + b"\n\n"
                yield b"data: [DONE]\n\n"
        except AppError as exc:
            yield b"data: " + orjson.dumps(error_payload(exc.status_code, exc.message, exc.code))
            yield b"\n\n"
        finally:
            await asyncio.shield(self.count(done))


async def start_completion(
    db: Database,
    settings: Settings,
    client: Generator,
    owner: KeyOwner,
    request: ChatCompletionRequest,
) -> Completion:
    """Resolve the model, admit the request and wait for its first reply.

    Everything that can fail before generation (unknown model, busy server, a prompt longer
    than the context, broken files) fails here, so it answers with a proper status rather
    than inside a stream that already started.
    """
    model = await asyncio.to_thread(
        resolve_chat_model, db, settings, owner.project_id, request.model
    )
    params = {
        "max_tokens": request.token_limit,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "stop": request.stop,
        "seed": request.seed,
    }
    messages = [message.model_dump(exclude_none=True) for message in request.messages]
    completion = Completion(db, owner, request, client.generate(model, messages, params))
    completion.first = await anext(completion.replies)
    return completion
