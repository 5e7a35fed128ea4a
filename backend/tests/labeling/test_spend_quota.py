"""The monthly teacher-spend quota: a run whose estimate exceeds what is left is refused."""

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.base import utcnow
from app.db.models import LabelingRun, LLMCall
from app.db.session import Database
from app.projects.quotas import month_start
from tests.labeling.conftest import Setup, dataset
from tests.labeling.test_loop import TASK
from tests.llm_providers.teacher_server import TeacherServer

URL = "/api/v1/labeling-runs"


def _body(setup: Setup) -> dict[str, object]:
    return {
        "name": "情感",
        "dataset_id": str(setup.dataset_id),
        "text_columns": ["评论"],
        "task": TASK,
        "teachers": [{"provider_id": str(setup.qwen_id), "model": "qwen-plus"}],
        "budget": "5",
        "currency": "CNY",
    }


def test_a_run_past_what_is_left_of_the_month_is_refused(
    client: TestClient,
    admin_headers: dict[str, str],
    setup: Setup,
    teacher: TeacherServer,
    db: Database,
) -> None:
    project = dataset(db, setup.dataset_id).project_id
    preview = client.post(f"{URL}/preview", json=_body(setup), headers=admin_headers)
    assert preview.status_code == 200, preview.text
    estimate = Decimal(preview.json()["estimate"]["cost"])
    assert estimate > 0
    quotas_url = f"/api/v1/projects/{project}/quotas"
    limit = estimate * 3
    changed = client.patch(
        quotas_url, json={"monthly_teacher_spend": str(limit)}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text

    first = client.post(URL, json=_body(setup), headers=admin_headers)
    assert first.status_code == 201, first.text
    with db.session_scope() as session:
        run_id = session.scalar(select(LabelingRun.id))
        session.add(
            LLMCall(
                run_id=run_id,
                model="qwen-plus",
                cache_key="o" * 64,
                cost=limit * 10,
                outcome="ok",
                created_at=month_start(utcnow()) - timedelta(seconds=1),
            )
        )
    last_month_only = client.post(URL, json=_body(setup), headers=admin_headers)
    assert last_month_only.status_code == 201, last_month_only.text
    with db.session_scope() as session:
        # this month's calls now leave half an estimate
        session.add(
            LLMCall(
                run_id=run_id,
                model="qwen-plus",
                cache_key="k" * 64,
                cost=limit - estimate / 2,
                outcome="ok",
            )
        )

    refused = client.post(URL, json=_body(setup), headers=admin_headers)
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded" and "teacher-spend quota" in error["message"]
    assert "admin" in error["message"] and error["details"]["quota"] == "monthly_teacher_spend"
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(LabelingRun)) == 2
    assert teacher.requests == 0
