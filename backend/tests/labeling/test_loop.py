"""The labeling loop against the local teacher: votes, cache, resume, budget, provider errors."""

import asyncio
import json
import math
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.config import Settings
from app.db.models import LabelingRow, LabelingRun, LabelingStatus, LLMCall
from app.db.session import Database
from app.labeling.loop import run_labeling
from app.labeling.output import write_output
from app.labeling.schemas import LabelingRunCreate
from app.labeling.service import create_run
from tests.labeling.conftest import REVIEWS, Setup, dataset
from tests.llm_providers.teacher_server import TeacherServer, label_by_keyword

TASK = {
    "kind": "classify",
    "labels": [
        {"name": "正面", "description": "满意、称赞"},
        {"name": "负面", "description": "不满、抱怨"},
    ],
    "examples": [{"text": "很棒", "label": "正面"}],
}


def _expected(text: str) -> str:
    return "正面" if ("好" in text or "喜欢" in text) else "负面"


def _create(db: Database, settings: Settings, setup: Setup, **fields: Any) -> uuid.UUID:
    teachers = fields.pop("teachers", None) or [
        {"provider_id": str(setup.qwen_id), "model": "qwen-plus"},
        {"provider_id": str(setup.deepseek_id), "model": "deepseek-chat"},
    ]
    data = LabelingRunCreate.model_validate(
        {
            "name": "情感标注",
            "dataset_id": str(setup.dataset_id),
            "text_columns": ["评论"],
            "task": TASK,
            "teachers": teachers,
            "budget": "10",
            "currency": "CNY",
            **fields,
        }
    )
    with db.session_scope() as session:
        run = create_run(session, settings, dataset(db, setup.dataset_id), data=data, actor=None)
        return run.id


def _run(db: Database, settings: Settings, run_id: uuid.UUID, **kw: Any) -> LabelingStatus:
    return asyncio.run(run_labeling(db, settings, run_id, **kw))


def _rows(db: Database, run_id: uuid.UUID) -> list[LabelingRow]:
    with db.session_scope() as session:
        query = select(LabelingRow).where(LabelingRow.run_id == run_id)
        return list(session.scalars(query.order_by(LabelingRow.row_index)))


def _run_row(db: Database, run_id: uuid.UUID) -> LabelingRun:
    with db.session_scope() as session:
        return session.get_one(LabelingRun, run_id)


def _never_paid_twice(teacher: TeacherServer) -> None:
    assert teacher.answered(), "no call was made"
    assert max(teacher.answered().values()) == 1


def test_two_teachers_label_every_row_and_usage_adds_up(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    run_id = _create(db, settings, setup)
    progress: list[dict[str, Any]] = []
    assert _run(db, settings, run_id, on_progress=progress.append) == LabelingStatus.succeeded
    rows = _rows(db, run_id)
    assert [r.row_index for r in rows] == list(range(len(REVIEWS)))
    for row in rows:
        assert row.output == _expected(REVIEWS[row.row_index])
        assert row.agreement == 1.0 and row.confidence == 1.0 and row.error is None
        assert [v["teacher"] for v in row.votes] == ["千问/qwen-plus", "深度求索/deepseek-chat"]
    assert progress[-1]["rows_done"] == len(REVIEWS)
    distinct = len(set(REVIEWS))
    assert len(teacher.paid) == 2 * distinct
    _never_paid_twice(teacher)
    run = _run_row(db, run_id)
    with db.session_scope() as session:
        calls = list(session.scalars(select(LLMCall).where(LLMCall.run_id == run_id)))
    assert sum(c.input_tokens for c in calls) == sum(p.input_tokens for p in teacher.paid)
    assert sum(c.cached_input_tokens for c in calls) == sum(p.cached_tokens for p in teacher.paid)
    assert sum(c.output_tokens for c in calls) == sum(p.output_tokens for p in teacher.paid)
    assert sum(c.cached_input_tokens for c in calls) > 0
    assert run.cost == sum(c.cost for c in calls) and run.cost > 0
    assert run.input_tokens == sum(c.input_tokens for c in calls)
    assert progress[-1]["input_tokens"] == run.input_tokens
    assert progress[-1]["output_tokens"] == run.output_tokens
    assert Decimal(progress[-1]["cost"]) == run.cost
    assert "sk-labeling" not in json.dumps([run.teachers, run.params, run.estimate, run.task])


def test_output_dataset_holds_answers_and_votes(
    db: Database,
    settings: Settings,
    setup: Setup,
    client: TestClient,
    admin_headers: dict[str, str],
) -> None:
    run_id = _create(db, settings, setup)
    _run(db, settings, run_id)
    output_id = write_output(db, settings, run_id)
    assert _run_row(db, run_id).output_dataset_id == output_id
    body = client.get(f"/api/v1/datasets/{output_id}", headers=admin_headers).json()
    assert body["parent_id"] == str(setup.dataset_id) and body["row_count"] == len(REVIEWS)
    preview = client.get(
        f"/api/v1/datasets/{output_id}/preview?limit=20", headers=admin_headers
    ).json()
    assert preview["columns"] == ["评论", "label", "votes", "agreement", "confidence", "error"]
    first = preview["rows"][0]
    assert first["label"] == _expected(REVIEWS[0])
    assert json.loads(first["votes"])[0]["value"] == _expected(REVIEWS[0])


def test_rerun_takes_cached_answers(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    _run(db, settings, _create(db, settings, setup))
    paid = len(teacher.paid)
    again = _create(db, settings, setup)
    assert _run(db, settings, again) == LabelingStatus.succeeded
    assert len(teacher.paid) == paid
    assert len(_rows(db, again)) == len(REVIEWS)
    assert _run_row(db, again).cost == 0


def test_stopped_run_resumes_without_paying_twice(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    run_id = _create(db, settings, setup)
    seen: list[int] = []
    # A worker starts its next row without waiting for its last one's commit (progress reports
    # commits), so the stop is raised by the answers paid, as a stop request lands mid-run.
    status = _run(
        db,
        settings,
        run_id,
        on_progress=lambda p: seen.append(p["rows_done"]),
        should_stop=lambda: len(teacher.paid) >= 3,
    )
    assert status == LabelingStatus.cancelled
    stored = len(_rows(db, run_id))
    assert 1 <= stored < len(REVIEWS)
    assert seen == list(range(1, stored + 1))
    assert _run_row(db, run_id).rows_done == stored
    assert _run(db, settings, run_id) == LabelingStatus.succeeded
    assert len(_rows(db, run_id)) == len(REVIEWS)
    _never_paid_twice(teacher)
    assert _run_row(db, run_id).rows_done == len(REVIEWS)


def test_cancelled_task_is_marked_interrupted_and_resumes(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    run_id = _create(db, settings, setup)

    async def interrupted() -> None:
        task = asyncio.current_task()
        assert task is not None

        def cancel_after_two(progress: dict[str, Any]) -> None:
            if progress["rows_done"] == 2:
                task.cancel()

        await run_labeling(db, settings, run_id, on_progress=cancel_after_two)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(interrupted())
    stopped = _run_row(db, run_id)
    assert stopped.status == LabelingStatus.failed and stopped.error["code"] == "interrupted"
    assert _run(db, settings, run_id) == LabelingStatus.succeeded
    rows = _rows(db, run_id)
    assert [r.output for r in rows] == [_expected(text) for text in REVIEWS]


def test_budget_stop_then_resume_with_more(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    run_id = _create(db, settings, setup, params={"max_tokens": 20})
    with db.session_scope() as session:
        session.get_one(LabelingRun, run_id).budget = Decimal("0.002")
    assert _run(db, settings, run_id) == LabelingStatus.stopped_budget
    stopped = _run_row(db, run_id)
    assert stopped.error["code"] == "budget_exhausted"
    assert 0 < stopped.cost <= Decimal("0.002")
    assert len(_rows(db, run_id)) < len(REVIEWS)
    with db.session_scope() as session:
        session.get_one(LabelingRun, run_id).budget = Decimal(10)
    assert _run(db, settings, run_id) == LabelingStatus.succeeded
    assert len(_rows(db, run_id)) == len(REVIEWS)
    _never_paid_twice(teacher)


def test_estimate_over_budget_is_refused(db: Database, settings: Settings, setup: Setup) -> None:
    from app.labeling.service import OverBudget

    with pytest.raises(OverBudget, match="exceeds the budget") as caught:
        _create(db, settings, setup, budget="0.00000001")
    assert caught.value.details["estimate"]["rows"] == len(REVIEWS)
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(LabelingRun)) == 0


def test_payment_required_stops_the_run(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    run_id = _create(
        db, settings, setup, teachers=[{"provider_id": str(setup.qwen_id), "model": "qwen-plus"}]
    )
    teacher.script.extend(["ok", "ok", "402"])
    assert _run(db, settings, run_id) == LabelingStatus.failed
    run = _run_row(db, run_id)
    assert run.error["code"] == "provider_http_402" and "balance" in run.error["message"]
    assert len(_rows(db, run_id)) < len(REVIEWS)
    assert _run(db, settings, run_id) == LabelingStatus.succeeded
    _never_paid_twice(teacher)


def test_content_filter_skips_one_row(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    run_id = _create(
        db,
        settings,
        setup,
        teachers=[{"provider_id": str(setup.deepseek_id), "model": "deepseek-chat"}],
    )
    teacher.script.append("filter_deepseek")
    assert _run(db, settings, run_id) == LabelingStatus.succeeded
    rows = _rows(db, run_id)
    skipped = [r for r in rows if r.error]
    assert len(rows) == len(REVIEWS) and len(skipped) == 1
    assert skipped[0].error["code"] == "content_filter" and skipped[0].output is None


def test_majority_vote_with_a_dissenting_teacher_and_logprobs(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    def contrarian(model: str, prompt: str, body: dict[str, Any]) -> str:
        if model == "qwen-max":
            return json.dumps({"label": "负面"}, ensure_ascii=False)
        return label_by_keyword(model, prompt, body)

    teacher.answer = contrarian
    run_id = _create(
        db,
        settings,
        setup,
        params={"logprobs": True},
        teachers=[
            {"provider_id": str(setup.qwen_id), "model": "qwen-plus"},
            {"provider_id": str(setup.qwen_id), "model": "qwen-max"},
            {"provider_id": str(setup.deepseek_id), "model": "deepseek-chat"},
        ],
    )
    _run(db, settings, run_id)
    for row in _rows(db, run_id):
        expected = _expected(REVIEWS[row.row_index])
        assert row.output == expected
        share = 1.0 if expected == "负面" else 2 / 3
        assert row.agreement == pytest.approx(share)
        assert row.confidence == pytest.approx(share * math.exp(-0.1))


def test_invalid_answers_are_row_errors(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    teacher.answer = lambda model, prompt, body: '{"label": "中性"}'
    run_id = _create(
        db, settings, setup, teachers=[{"provider_id": str(setup.qwen_id), "model": "qwen-plus"}]
    )
    _run(db, settings, run_id)
    errors = {r.error["code"] for r in _rows(db, run_id) if r.error}
    assert errors == {"invalid_answer"}
