"""The console's chat with a version: SSE through the serving worker, same answer as /v1."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import openai

from app.db.models import User
from tests.serving.conftest import create_key, login_headers, personal_project

MESSAGES = [
    {"role": "system", "content": "你是客服助手。"},
    {"role": "user", "content": "这件衣服质量怎么样？"},
]


def _events(server: str, headers: dict[str, str], model_id: uuid.UUID, **body: Any) -> Any:
    url = f"{server}/api/v1/finetune/models/{model_id}/chat"
    with httpx.stream(
        "POST", url, json={"messages": MESSAGES, **body}, headers=headers, timeout=300
    ) as reply:
        if reply.status_code != 200:
            reply.read()
            return reply
        assert reply.headers["content-type"].startswith("text/event-stream")
        return [
            json.loads(line.removeprefix("data: "))
            for line in reply.iter_lines()
            if line.startswith("data: ")
        ]


def test_chat_streams_the_same_answer_as_v1(
    server: str, make_user: Callable[..., User], register_chat_model: Callable[..., uuid.UUID]
) -> None:
    make_user("chatter")
    headers = login_headers(server, "chatter")
    project_id = personal_project(server, headers)
    model_id = register_chat_model(project_id)
    events = _events(server, headers, model_id, max_tokens=9, temperature=0.8, seed=5)
    assert [e["type"] for e in events[:-1]] == ["delta"] * (len(events) - 1)
    done = events[-1]
    assert done["type"] == "done" and done["finish_reason"] == "length"
    assert done["completion_tokens"] == 9 and done["prompt_tokens"] > 10
    text = "".join(e["text"] for e in events[:-1])
    key = create_key(server, headers, project_id)
    with openai.OpenAI(api_key=key, base_url=f"{server}/v1", max_retries=0) as client:
        answer = client.chat.completions.create(
            model=str(model_id), messages=MESSAGES, max_tokens=9, temperature=0.8, seed=5
        )  # type: ignore[call-overload]
    assert text == answer.choices[0].message.content


def test_chat_is_refused_outside_the_project_and_for_other_task_types(
    server: str, make_user: Callable[..., User], register_chat_model: Callable[..., uuid.UUID]
) -> None:
    make_user("owner1")
    make_user("stranger")
    owner = login_headers(server, "owner1")
    project_id = personal_project(server, owner)
    model_id = register_chat_model(project_id)
    stranger = _events(server, login_headers(server, "stranger"), model_id)
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "model_not_found"
    tabular = register_chat_model(project_id, task_type="classification")
    refused = _events(server, owner, tabular)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "model_not_chat"
    empty = _events(server, owner, model_id, messages=[])
    assert empty.status_code == 422
