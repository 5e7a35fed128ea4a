"""The floor of a streamed chat completion on this machine: a bare SSE relay, no platform parts.

`python bench/serving_bare.py server SPEC_JSON PORT`: a FastAPI app under uvicorn with one
`POST /v1/chat/completions` that writes the request to a child process through a pipe and
relays the child's reply lines as OpenAI-shaped server-sent events; no API key, no database,
no model lookup, no admission control, no middleware. The child (`... child SPEC_JSON`) loads
the model with the serving worker's loader and runs the worker's generation function in its
main thread, one request at a time. `bench_serving.py` times it beside the platform's path.
"""

import asyncio
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson

BACKEND = Path(__file__).resolve().parents[1] / "backend"


def child(spec: dict[str, Any]) -> None:
    """Generate for each request line on stdin; write deltas and `done` as JSON lines."""
    sys.path.insert(0, str(BACKEND))
    import torch
    from app.serving.worker.__main__ import torch_threads
    from app.serving.worker.generate import run_generation
    from app.serving.worker.models import load_model

    torch.set_num_threads(torch_threads(0))
    loaded = load_model(spec)
    out = sys.stdout.buffer

    def emit(reply: dict[str, Any]) -> None:
        out.write(orjson.dumps(reply) + b"\n")
        out.flush()

    for line in sys.stdin.buffer:
        request = orjson.loads(line)
        done = run_generation(
            loaded, request["messages"], request["params"], threading.Event(), emit
        )
        emit({"type": "done", **done})


def server(spec_json: str, port: int) -> None:
    """The bare relay app on 127.0.0.1:`port`."""
    import uvicorn
    from fastapi import FastAPI, Request
    from fastapi.responses import StreamingResponse

    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state["child"] = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "child",
            spec_json,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        yield
        state["child"].stdin.close()
        await state["child"].wait()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> StreamingResponse:
        body = orjson.loads(await request.body())
        params = {"max_tokens": body.get("max_tokens"), "temperature": body.get("temperature")}
        process = state["child"]
        process.stdin.write(orjson.dumps({"messages": body["messages"], "params": params}) + b"\n")
        await process.stdin.drain()

        def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            payload = {"id": "bare", "object": "chat.completion.chunk", "created": 0}
            payload.update(model=body["model"], choices=[choice])
            return b"data: " + orjson.dumps(payload) + b"\n\n"

        async def events() -> AsyncIterator[bytes]:
            yield chunk({"role": "assistant", "content": ""}, None)
            while True:
                reply = orjson.loads(await process.stdout.readline())
                if reply["type"] == "done":
                    break
                yield chunk({"content": reply["text"]}, None)
            yield chunk({}, reply["finish_reason"])
            usage = {"prompt_tokens": reply["prompt_tokens"], "total_tokens": 0}
            usage["completion_tokens"] = reply["completion_tokens"]
            last = {"id": "bare", "object": "chat.completion.chunk", "created": 0}
            last.update(model=body["model"], choices=[], usage=usage)
            yield b"data: " + orjson.dumps(last) + b"\n\n"
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    if sys.argv[1] == "child":
        child(orjson.loads(sys.argv[2]))
    else:
        server(sys.argv[2], int(sys.argv[3]))
