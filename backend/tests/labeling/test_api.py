"""Labeling run routes: preview, create (estimate vs budget), read; project access."""

from collections.abc import Callable
from decimal import Decimal

from fastapi.testclient import TestClient

from app.db.models import User
from app.labeling.prompts import message_tokens_bound
from tests.conftest import login
from tests.labeling.conftest import REVIEWS, Setup
from tests.labeling.test_loop import TASK
from tests.llm_providers.teacher_server import TeacherServer

URL = "/api/v1/labeling-runs"


def _body(setup: Setup, **fields: object) -> dict[str, object]:
    return {
        "name": "情感",
        "dataset_id": str(setup.dataset_id),
        "text_columns": ["评论"],
        "task": TASK,
        "teachers": [{"provider_id": str(setup.qwen_id), "model": "qwen-plus"}],
        "budget": "5",
        "currency": "CNY",
        **fields,
    }


def test_preview_create_and_read(
    client: TestClient,
    admin_headers: dict[str, str],
    setup: Setup,
    teacher: TeacherServer,
    make_user: Callable[..., User],
) -> None:
    preview = client.post(f"{URL}/preview", json=_body(setup), headers=admin_headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert len(body["prompts"]) == 5 and body["estimate"]["rows"] == len(REVIEWS)
    assert teacher.requests == 0
    asked_in = sum(message_tokens_bound(p["messages"]) for p in body["prompts"])
    asked_out = 256 * 5  # max_tokens for each previewed prompt
    # qwen-plus costs 2 per 1M input tokens and 8 per 1M output tokens
    expected = (asked_in * 2 + asked_out * 8) / Decimal(1_000_000)
    assert Decimal(body["ask_cost"]) == expected > 0

    over = client.post(URL, json=_body(setup, budget="0.000001"), headers=admin_headers)
    assert over.status_code == 422 and over.json()["error"]["code"] == "over_budget"
    bad = client.post(URL, json=_body(setup, template="{{ 缺 }}"), headers=admin_headers)
    assert bad.status_code == 422 and "row 1" in bad.json()["error"]["message"]

    created = client.post(URL, json=_body(setup), headers=admin_headers)
    assert created.status_code == 201, created.text
    run = created.json()
    assert run["status"] == "pending" and run["rows_total"] == len(REVIEWS)
    assert client.get(f"{URL}/{run['id']}", headers=admin_headers).json()["id"] == run["id"]

    make_user("stranger")
    stranger = login(client, "stranger")
    assert client.get(f"{URL}/{run['id']}", headers=stranger).status_code == 404
    hidden = client.post(f"{URL}/preview", json=_body(setup), headers=stranger)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "dataset_not_found"
