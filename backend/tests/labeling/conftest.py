"""Labeling fixtures: a Chinese review dataset, two teacher providers on the local server."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.db.models import Dataset
from app.db.session import Database
from tests.llm_providers.conftest import allow_loopback, teacher  # noqa: F401 (fixtures)
from tests.llm_providers.teacher_server import TeacherServer

REVIEWS = [
    "这家店的菜很好吃",
    "服务太差了，再也不来",
    "我喜欢这里的环境",
    "等了一个小时才上菜",
    "价格实惠，味道好",
    "服务员态度恶劣",
    "我喜欢这里的环境",
    "包装破损，东西洒了",
    "非常好，下次还来",
    "难吃",
]


@dataclass
class Setup:
    """The dataset and the two providers (qwen and deepseek kinds) on the teacher server."""

    dataset_id: uuid.UUID
    qwen_id: uuid.UUID
    deepseek_id: uuid.UUID


def _provider(
    client: TestClient, headers: dict[str, str], base_url: str, **fields: object
) -> uuid.UUID:
    body = {"base_url": base_url, "api_key": "sk-labeling-0123456789abcdef", **fields}
    response = client.post("/api/v1/llm-providers", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def _price(model: str, currency: str = "CNY") -> dict[str, object]:
    return {
        "model": model,
        "input_per_m": "2",
        "cached_input_per_m": "0.5",
        "output_per_m": "8",
        "currency": currency,
        "effective_from": "2026-01-01",
    }


@pytest.fixture
def setup(
    client: TestClient,
    admin_headers: dict[str, str],
    teacher: TeacherServer,  # noqa: F811
    allow_loopback: Settings,  # noqa: F811
) -> Iterator[Setup]:
    """Upload the reviews (评论 column) and register the teachers."""
    project = client.get("/api/v1/projects", headers=admin_headers).json()["items"][0]["id"]
    csv = ("评论\n" + "\n".join(REVIEWS) + "\n").encode()
    uploaded = client.post(
        f"/api/v1/data/upload?project_id={project}",
        files={"file": ("评论.csv", csv)},
        headers=admin_headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    qwen = _provider(
        client,
        admin_headers,
        teacher.base_url,
        name="千问",
        kind="qwen",
        models=["qwen-plus", "qwen-max"],
        prices=[_price("qwen-plus"), _price("qwen-max")],
        concurrency=4,
    )
    deepseek = _provider(
        client,
        admin_headers,
        teacher.base_url,
        name="深度求索",
        kind="deepseek",
        models=["deepseek-chat"],
        prices=[_price("deepseek-chat")],
        concurrency=2,
        rpm_limit=6000,
    )
    yield Setup(uuid.UUID(uploaded.json()["id"]), qwen, deepseek)


def dataset(db: Database, dataset_id: uuid.UUID) -> Dataset:
    """The dataset row."""
    with db.session_scope() as session:
        return session.get_one(Dataset, dataset_id)
