"""/v1 through the official `openai` client against a real uvicorn server and serving worker."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import openai
import pytest

from app.db.models import User
from tests.serving.conftest import create_key, login_headers, personal_project

CHINESE = [
    {"role": "system", "content": "你是客服助手。"},
    {"role": "user", "content": "这件衣服质量怎么样？"},
]


@dataclass
class Tenant:
    """A user's project, its chat model and a client holding one of its keys."""

    headers: dict[str, str]
    project_id: uuid.UUID
    model_id: uuid.UUID
    key: str
    client: openai.OpenAI


@pytest.fixture
def tenant(
    server: str, make_user: Callable[..., User], register_chat_model: Callable[..., uuid.UUID]
) -> Iterator[Tenant]:
    """A user with a chat model and an API key; the client never retries on its own."""
    username = f"u{uuid.uuid4().hex[:8]}"
    make_user(username)
    headers = login_headers(server, username)
    project_id = personal_project(server, headers)
    model_id = register_chat_model(project_id)
    key = create_key(server, headers, project_id)
    with openai.OpenAI(api_key=key, base_url=f"{server}/v1", max_retries=0) as client:
        yield Tenant(headers, project_id, model_id, key, client)


def _chat(tenant: Tenant, **kwargs: object) -> openai.types.chat.ChatCompletion:
    params: dict = {"model": str(tenant.model_id), "messages": CHINESE, **kwargs}
    return tenant.client.chat.completions.create(**params)


def _stream(tenant: Tenant, **kwargs: object) -> list[openai.types.chat.ChatCompletionChunk]:
    params: dict = {"model": str(tenant.model_id), "messages": CHINESE, "stream": True, **kwargs}
    with tenant.client.chat.completions.create(**params) as stream:
        return list(stream)


def test_non_streamed_answer_has_usage_and_respects_max_tokens(tenant: Tenant) -> None:
    answer = _chat(tenant, max_tokens=7, temperature=0)
    assert answer.object == "chat.completion" and answer.model == str(tenant.model_id)
    choice = answer.choices[0]
    assert choice.message.role == "assistant" and isinstance(choice.message.content, str)
    assert choice.finish_reason == "length"
    assert answer.usage is not None
    assert answer.usage.completion_tokens == 7 and answer.usage.prompt_tokens > 10
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + 7


def test_stream_matches_the_whole_answer_and_ends_with_usage(tenant: Tenant) -> None:
    whole = _chat(tenant, max_tokens=12, temperature=0.9, seed=11)
    chunks = _stream(
        tenant, max_tokens=12, temperature=0.9, seed=11, stream_options={"include_usage": True}
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["length"]
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.model_dump() == whole.usage.model_dump()  # type: ignore[union-attr]

    plain = _stream(tenant, max_tokens=3, temperature=0)
    assert all(c.usage is None for c in plain) and plain[-1].choices[0].finish_reason == "length"


def test_seed_makes_sampling_reproducible(tenant: Tenant) -> None:
    first = _chat(tenant, max_tokens=16, temperature=1.0, top_p=0.95, seed=7)
    again = _chat(tenant, max_tokens=16, temperature=1.0, top_p=0.95, seed=7)
    other = _chat(tenant, max_tokens=16, temperature=1.0, top_p=0.95, seed=8)
    assert first.choices[0].message.content == again.choices[0].message.content
    assert first.choices[0].message.content != other.choices[0].message.content


def test_stop_string_ends_the_answer_before_it(tenant: Tenant) -> None:
    full = _chat(tenant, max_tokens=40, temperature=1.0, seed=5).choices[0].message.content or ""
    start = next(
        i
        for i in range(3, len(full) - 2)
        if "\ufffd" not in full[i : i + 2] and full[i : i + 2].strip()
    )
    stop = full[start : start + 2]
    cut = full[: full.index(stop)]
    stopped = _chat(tenant, max_tokens=40, temperature=1.0, seed=5, stop=[stop, "不会出现的停止词"])
    assert stopped.choices[0].message.content == cut
    assert stopped.choices[0].finish_reason == "stop"
    streamed = _stream(tenant, max_tokens=40, temperature=1.0, seed=5, stop=stop)
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == cut


def test_eos_ends_generation_and_aliases_name_models(
    tenant: Tenant, register_chat_model: Callable[..., uuid.UUID]
) -> None:
    register_chat_model(tenant.project_id, kind="eos", alias="结束-bot")
    answer = tenant.client.chat.completions.create(
        model="结束-bot", messages=CHINESE, max_tokens=50, temperature=0
    )
    assert answer.choices[0].message.content == ""
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None and answer.usage.completion_tokens == 1


def test_models_lists_the_projects_chat_models_only(
    tenant: Tenant, register_chat_model: Callable[..., uuid.UUID]
) -> None:
    aliased = register_chat_model(tenant.project_id, alias="prod")
    register_chat_model(tenant.project_id, task_type="text_classification")
    listed = {(m.id, m.model_extra["root"]) for m in tenant.client.models.list()}  # type: ignore[index]
    assert listed == {
        (str(tenant.model_id), str(tenant.model_id)),
        (str(aliased), str(aliased)),
        ("prod", str(aliased)),
    }


def test_other_projects_model_is_not_found(
    tenant: Tenant,
    server: str,
    make_user: Callable[..., User],
    register_chat_model: Callable[..., uuid.UUID],
) -> None:
    make_user("other_team")
    other_project = personal_project(server, login_headers(server, "other_team"))
    foreign = register_chat_model(other_project, alias="shared-name")
    for name in (str(foreign), "shared-name", "没有这个模型"):
        with pytest.raises(openai.NotFoundError) as caught:
            _chat(tenant, model=name, max_tokens=2)
        assert caught.value.code == "model_not_found"
    tabular = register_chat_model(tenant.project_id, task_type="tabular_classification")
    with pytest.raises(openai.BadRequestError) as refused:
        _chat(tenant, model=str(tabular), max_tokens=2)
    assert refused.value.code == "model_not_chat"


def test_unknown_and_revoked_keys_are_refused(tenant: Tenant, server: str) -> None:
    for key in ("tp-" + "x" * 43, "sk-not-ours", tenant.key + "x"):
        stranger = openai.OpenAI(api_key=key, base_url=f"{server}/v1", max_retries=0)
        with stranger, pytest.raises(openai.AuthenticationError) as caught:
            stranger.models.list()
        assert caught.value.code == "invalid_api_key"
    keys = httpx.get(
        f"{server}/api/v1/projects/{tenant.project_id}/api-keys", headers=tenant.headers
    ).json()
    revoked = httpx.delete(
        f"{server}/api/v1/projects/{tenant.project_id}/api-keys/{keys[0]['id']}",
        headers=tenant.headers,
    )
    assert revoked.status_code == 204
    with pytest.raises(openai.AuthenticationError):
        _chat(tenant, max_tokens=2)


def test_bad_parameters_answer_400_in_openais_shape(tenant: Tenant, server: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _chat(tenant, temperature=5)
    assert caught.value.param == "temperature"
    with pytest.raises(openai.BadRequestError) as unsupported:
        _chat(tenant, logprobs=True)
    assert "logprobs" in str(unsupported.value.message)
    raw = httpx.post(
        f"{server}/v1/chat/completions",
        headers={"Authorization": f"Bearer {tenant.key}"},
        json={"model": str(tenant.model_id), "messages": []},
    )
    assert raw.status_code == 400
    assert set(raw.json()["error"]) == {"message", "type", "param", "code"}


def test_calls_and_tokens_are_counted_per_key(tenant: Tenant, server: str) -> None:
    first = _chat(tenant, max_tokens=4, temperature=0)
    streamed = _stream(tenant, max_tokens=3, temperature=0, stream_options={"include_usage": True})
    usage = [first.usage, streamed[-1].usage]
    keys = httpx.get(
        f"{server}/api/v1/projects/{tenant.project_id}/api-keys", headers=tenant.headers
    ).json()
    assert keys[0]["calls"] == 2 and keys[0]["last_used_at"] is not None
    assert keys[0]["completion_tokens"] == 7
    assert keys[0]["prompt_tokens"] == sum(u.prompt_tokens for u in usage if u)


def test_full_server_answers_429_with_retry_after(tenant: Tenant) -> None:
    params: dict = {"model": str(tenant.model_id), "messages": CHINESE, "max_tokens": 1900}
    with tenant.client.chat.completions.create(stream=True, temperature=0, **params) as running:
        next(iter(running))
        with pytest.raises(openai.RateLimitError) as caught:
            _chat(tenant, max_tokens=2)
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.code == "server_busy"
    with tenant.client.with_options(max_retries=5) as patient:
        answer = patient.chat.completions.create(
            model=str(tenant.model_id), messages=CHINESE, max_tokens=2
        )
    assert answer.usage is not None and answer.usage.completion_tokens == 2
