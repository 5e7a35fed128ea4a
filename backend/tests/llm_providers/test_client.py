"""The teacher client against the local server: usage shapes, retries, stops, skips."""

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import pytest

from app.db.models import LLMPrice, ProviderKind
from app.llm_providers.adapters import Usage
from app.llm_providers.client import (
    Completion,
    ProviderConfig,
    ProviderStopped,
    ProviderUnavailable,
    RetryPolicy,
    RowSkipped,
    TeacherClient,
    retry_after_seconds,
)
from app.llm_providers.netguard import Allowlist
from app.llm_providers.pricing import cost_of, price_in_force
from tests.llm_providers.teacher_server import TeacherServer

MESSAGES = [
    {"role": "system", "content": "你是标注员。只用 JSON 回答。"},
    {"role": "user", "content": "文本：很好"},
]


def _client(teacher: TeacherServer, kind: ProviderKind) -> TeacherClient:
    config = ProviderConfig(
        id=uuid.uuid4(), name="测试", kind=kind, base_url=teacher.base_url, api_key="sk-x"
    )
    client = TeacherClient(config, Allowlist.parse("127.0.0.1"))
    client.retry = RetryPolicy(attempts=5, base_delay=0.01)
    return client


def _ask(
    teacher: TeacherServer, kind: ProviderKind, model: str, *, timeout: float = 5.0
) -> Completion:
    async def go() -> Completion:
        client = _client(teacher, kind)
        if timeout != 5.0:
            client.sdk = client.sdk.with_options(timeout=timeout)
        try:
            return await client.complete(
                model=model, messages=MESSAGES, params={}, estimated_tokens=10
            )
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        (ProviderKind.deepseek, "deepseek-chat"),
        (ProviderKind.qwen, "qwen-plus"),
        (ProviderKind.doubao, "doubao-pro"),
    ],
)
def test_usage_normalised_per_provider(
    teacher: TeacherServer, kind: ProviderKind, model: str
) -> None:
    first = _ask(teacher, kind, model)
    second = _ask(teacher, kind, model)
    assert first.content == '{"label": "正面"}'
    assert first.usage.cached_input_tokens == 0
    assert second.usage.cached_input_tokens == len(MESSAGES[0]["content"])
    assert second.usage.input_tokens == teacher.paid[1].input_tokens
    assert second.usage.output_tokens == teacher.paid[1].output_tokens


def test_transient_failures_are_retried(teacher: TeacherServer) -> None:
    teacher.script.extend(["429", "503", "drop", "blank"])
    answer = _ask(teacher, ProviderKind.qwen, "qwen-plus")
    assert answer.content == '{"label": "正面"}'
    assert teacher.requests == 5
    blank, good = teacher.paid
    assert blank.blank and answer.usage.input_tokens == blank.input_tokens + good.input_tokens


def test_slow_answer_times_out_then_retries(teacher: TeacherServer) -> None:
    teacher.slow_seconds = 1.0
    teacher.script.extend(["slow"])
    answer = _ask(teacher, ProviderKind.qwen, "qwen-plus", timeout=0.2)
    assert answer.content and teacher.requests == 2


def test_retries_run_out(teacher: TeacherServer) -> None:
    teacher.script.extend(["503"] * 5)
    with pytest.raises(ProviderUnavailable, match="5 attempts"):
        _ask(teacher, ProviderKind.qwen, "qwen-plus")


@pytest.mark.parametrize(("action", "fragment"), [("402", "balance"), ("403", "overdue")])
def test_billing_errors_stop(teacher: TeacherServer, action: str, fragment: str) -> None:
    teacher.script.append(action)
    with pytest.raises(ProviderStopped, match=fragment) as caught:
        _ask(teacher, ProviderKind.deepseek, "deepseek-chat")
    assert caught.value.code == f"provider_http_{action}"
    assert teacher.requests == 1


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (ProviderKind.qwen, "filter"),
        (ProviderKind.deepseek, "filter_deepseek"),
        (ProviderKind.doubao, "filter_doubao"),
    ],
)
def test_content_filter_skips_the_row(
    teacher: TeacherServer, kind: ProviderKind, action: str
) -> None:
    teacher.script.append(action)
    with pytest.raises(RowSkipped) as caught:
        _ask(teacher, kind, "m")
    assert caught.value.code == "content_filter"


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after": "2.5"}) == 2.5
    assert retry_after_seconds({"retry-after": "Thu, 01 Jan 1970 00:00:00 GMT"}) == 0.0
    assert retry_after_seconds({}) is None
    assert RetryPolicy().delay(3, 500.0) == 120.0


def test_price_in_force_and_cost() -> None:
    old = LLMPrice(
        model="m",
        input_per_m=Decimal(4),
        cached_input_per_m=Decimal(1),
        output_per_m=Decimal(16),
        currency="CNY",
        effective_from=date(2026, 1, 1),
    )
    new = LLMPrice(
        model="m",
        input_per_m=Decimal(2),
        cached_input_per_m=Decimal("0.5"),
        output_per_m=Decimal(8),
        currency="CNY",
        effective_from=date(2026, 7, 1),
    )
    assert price_in_force([old, new], "m", date(2025, 12, 31)) is None
    assert price_in_force([old, new], "m", date(2026, 6, 30)) is old
    assert price_in_force([new, old], "m", date(2026, 7, 1)) is new
    usage = Usage(input_tokens=1_000_000, cached_input_tokens=400_000, output_tokens=500_000)
    assert cost_of(new, usage) == Decimal("1.2") + Decimal("0.2") + Decimal(4)
