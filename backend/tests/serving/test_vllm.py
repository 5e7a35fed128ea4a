"""/v1 forwarded to a vLLM server: a local OpenAI-compatible stand-in plays vLLM."""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import orjson
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app.core.config import Settings
from app.db.models import User
from tests.serving.conftest import (
    _free_port,
    api_server,
    create_key,
    login_headers,
    personal_project,
)


class FakeVllm:
    """An OpenAI-compatible chat server that records requests and streams a fixed answer."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.busy = False
        self.app = FastAPI()
        self.app.post("/v1/chat/completions", response_model=None)(self.complete)

    async def complete(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        if self.busy:
            return JSONResponse({"error": {"message": "busy"}}, status_code=429)
        return StreamingResponse(self._events(body), media_type="text/event-stream")

    async def _events(self, body: dict[str, Any]) -> Any:
        base = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": body["model"]}
        for text, finish in (("你好", None), ("，世界", None), ("", "length")):
            choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
            yield b"data: " + orjson.dumps({**base, "choices": [choice]}) + b"\n\n"
        usage = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
        yield b"data: " + orjson.dumps({**base, "choices": [], "usage": usage}) + b"\n\n"
        yield b"data: [DONE]\n\n"


@pytest.fixture(scope="module")
def fake_vllm() -> Iterator[tuple[FakeVllm, str]]:
    """The stand-in on loopback, in a thread of the test process."""
    fake = FakeVllm()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fake.app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield fake, f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def vllm_api(
    database_url: str, settings: Settings, fake_vllm: tuple[FakeVllm, str]
) -> Iterator[str]:
    """The platform API forwarding generation to the stand-in."""
    with api_server(database_url, settings, SERVING_VLLM_BASE_URL=fake_vllm[1]) as url:
        yield url


def test_generation_is_forwarded_with_the_version_id_and_counted(
    vllm_api: str,
    fake_vllm: tuple[FakeVllm, str],
    make_user: Callable[..., User],
    register_chat_model: Callable[..., uuid.UUID],
) -> None:
    fake, _ = fake_vllm
    make_user("gpu_user")
    headers = login_headers(vllm_api, "gpu_user")
    project_id = personal_project(vllm_api, headers)
    model_id = register_chat_model(project_id, alias="线上")
    key = create_key(vllm_api, headers, project_id)
    client = openai.OpenAI(api_key=key, base_url=f"{vllm_api}/v1", max_retries=0)
    messages = [{"role": "user", "content": "你好"}]

    answer = client.chat.completions.create(
        model="线上", messages=messages, max_tokens=3, temperature=0.5, seed=4, stop=["。"]
    )
    assert answer.choices[0].message.content == "你好，世界"
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage is not None and answer.usage.total_tokens == 12
    sent = fake.requests[-1]
    assert sent["model"] == str(model_id) and sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert (sent["max_tokens"], sent["temperature"], sent["seed"], sent["stop"]) == (
        3,
        0.5,
        4,
        ["。"],
    )

    with client.chat.completions.create(model="线上", messages=messages, stream=True) as stream:
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "你好，世界"

    fake.busy = True
    try:
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(model="线上", messages=messages)
    finally:
        fake.busy = False
    assert caught.value.response.headers["retry-after"] == "1"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model=str(uuid.uuid4()), messages=messages)

    listed = openai.OpenAI(api_key=key, base_url=f"{vllm_api}/v1").models.list()
    assert {m.id for m in listed} == {"线上", str(model_id)}
    keys = httpx.get(f"{vllm_api}/api/v1/projects/{project_id}/api-keys", headers=headers).json()
    assert keys[0]["calls"] == 3 and keys[0]["completion_tokens"] == 6
