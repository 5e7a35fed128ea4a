"""A local OpenAI-compatible teacher: provider-shaped usage, scripted errors, paid-call count.

It speaks HTTP/1.1 on raw asyncio streams (in its own thread) so that it can also drop a
connection without answering, which a framework would turn into a 500.
"""

import asyncio
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Answerer = Callable[[str, str, dict[str, Any]], str]


def label_by_keyword(model: str, prompt: str, body: dict[str, Any]) -> str:
    """Default answer: 正面 when the text has 好 or 喜欢, else 负面, as the JSON a prompt asks."""
    text = prompt.rsplit("文本：", 1)[-1]
    label = "正面" if ("好" in text or "喜欢" in text) else "负面"
    return json.dumps({"label": label}, ensure_ascii=False)


@dataclass
class Paid:
    """One answered (billable) request."""

    model: str
    prompt: str
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    blank: bool


@dataclass
class TeacherServer:
    """Scripted behaviour: `script` actions apply to the next requests, one each.

    With `hold_after` set, requests beyond that many answers wait unanswered, and are dropped
    unpaid when the client goes away (a killed client).
    """

    answer: Answerer = label_by_keyword
    script: deque[str] = field(default_factory=deque)
    slow_seconds: float = 0.3
    paid: list[Paid] = field(default_factory=list)
    requests: int = 0
    auth_headers: list[str] = field(default_factory=list)
    host_headers: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=lambda: ["qwen-plus", "deepseek-chat", "doubao-pro"])
    list_models: bool = True
    hold_after: int | None = None
    held: int = 0
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _seen_prefixes: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (`…/v1`)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def answered(self) -> Counter[tuple[str, str]]:
        """How often each (model, prompt) got a non-blank answer."""
        return Counter((p.model, p.prompt) for p in self.paid if not p.blank)

    def start(self) -> "TeacherServer":
        """Serve on 127.0.0.1 at `port` (a free one when 0), in a daemon thread."""
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", self.port)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True, name="teacher-server").start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._loop and self._server:
            self._loop.call_soon_threadsafe(self._server.close)
            self._loop.call_soon_threadsafe(self._loop.stop)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                with self._lock:
                    self.requests += 1
                    self.auth_headers.append(headers.get("authorization", ""))
                    self.host_headers.append(headers.get("host", ""))
                    action = self.script.popleft() if self.script else "ok"
                if action == "drop":
                    writer.close()
                    return
                if action == "slow":
                    await asyncio.sleep(self.slow_seconds)
                if not await self._hold(reader):
                    writer.close()
                    return
                status, extra, payload = self._respond(method, path, body, action)
                data = json.dumps(payload, ensure_ascii=False).encode()
                head_out = f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                head_out += f"content-length: {len(data)}\r\n"
                head_out += "".join(f"{k}: {v}\r\n" for k, v in extra.items())
                writer.write(head_out.encode() + b"\r\n" + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def _hold(self, reader: asyncio.StreamReader) -> bool:
        """Wait while holding; False when the client went away meanwhile (nothing paid)."""
        if self.hold_after is None or len(self.paid) < self.hold_after:
            return True
        self.held += 1
        try:
            while self.hold_after is not None:
                if reader.at_eof() or reader.exception() is not None:
                    return False
                await asyncio.sleep(0.02)
            return True
        finally:
            self.held -= 1

    def _respond(
        self, method: str, path: str, body: bytes, action: str
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        errors: dict[str, tuple[int, dict[str, str], str, str]] = {
            "429": (429, {"retry-after": "0.2"}, "rate_limit_exceeded", "Too many requests"),
            "503": (503, {}, "overloaded", "Service busy"),
            "402": (402, {}, "insufficient_balance", "Insufficient Balance"),
            "403": (403, {}, "AccountOverdueError", "The account is overdue"),
            "filter": (
                400,
                {},
                "data_inspection_failed",
                "Input data may contain inappropriate content.",
            ),
            "filter_deepseek": (400, {}, "invalid_request_error", "Content Exists Risk"),
            "filter_doubao": (400, {}, "InputTextSensitiveContentDetected", "sensitive"),
        }
        if action in errors:
            status, extra, code, message = errors[action]
            return status, extra, {"error": {"code": code, "message": message, "type": "error"}}
        if method == "GET" and path.endswith("/models"):
            if not self.list_models:
                return 404, {}, {"error": {"message": "not found"}}
            return (
                200,
                {},
                {
                    "object": "list",
                    "data": [
                        {"id": m, "object": "model", "created": 0, "owned_by": "t"}
                        for m in self.models
                    ],
                },
            )
        request = json.loads(body)
        return 200, {}, self._completion(request, blank=action == "blank")

    def _completion(self, request: dict[str, Any], *, blank: bool) -> dict[str, Any]:
        model = request["model"]
        messages = request["messages"]
        prompt = messages[-1]["content"]
        prefix = "".join(m["content"] for m in messages[:-1])
        content = "" if blank else self.answer(model, prompt, request)
        input_tokens = sum(len(m["content"]) for m in messages)
        output_tokens = max(1, len(content))
        with self._lock:
            cached = len(prefix) if prefix in self._seen_prefixes else 0
            self._seen_prefixes.add(prefix)
            self.paid.append(Paid(model, prompt, input_tokens, cached, output_tokens, blank))
        choice: dict[str, Any] = {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": content},
        }
        if request.get("logprobs"):
            choice["logprobs"] = {
                "content": [
                    {"token": content[:1], "logprob": -0.1, "bytes": None, "top_logprobs": []}
                ]
            }
        return {
            "id": f"chatcmpl-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [choice],
            "usage": _usage(model, input_tokens, cached, output_tokens),
        }


def _usage(model: str, input_tokens: int, cached: int, output_tokens: int) -> dict[str, Any]:
    """Usage in the shape the model's provider uses."""
    usage: dict[str, Any] = {
        "prompt_tokens": input_tokens,
        "completion_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    if model.startswith("deepseek"):
        usage["prompt_cache_hit_tokens"] = cached
        usage["prompt_cache_miss_tokens"] = input_tokens - cached
    else:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return usage
