"""Prompt templates, previews, the extract and generate tasks, and the vote."""

import asyncio
import json
import math
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.core.errors import UnprocessableInput
from app.db.models import LabelingStatus
from app.db.session import Database
from app.labeling.loop import run_labeling
from app.labeling.prompts import TemplateInvalid
from app.labeling.schemas import LabelingRunCreate
from app.labeling.service import create_run, preview_and_estimate
from app.labeling.vote import Vote, decide
from tests.labeling.conftest import REVIEWS, Setup, dataset
from tests.labeling.test_loop import TASK, _rows
from tests.llm_providers.teacher_server import TeacherServer


def _data(setup: Setup, **fields: Any) -> LabelingRunCreate:
    return LabelingRunCreate.model_validate(
        {
            "name": "任务",
            "dataset_id": str(setup.dataset_id),
            "text_columns": ["评论"],
            "task": TASK,
            "teachers": [{"provider_id": str(setup.qwen_id), "model": "qwen-plus"}],
            "budget": "10",
            "currency": "CNY",
            **fields,
        }
    )


def _preview(db: Database, settings: Settings, setup: Setup, **fields: Any) -> Any:
    with db.session_scope() as session:
        return preview_and_estimate(
            session, settings, dataset(db, setup.dataset_id), _data(setup, **fields)
        )


def test_preview_renders_five_prompts_with_json_and_the_text(
    db: Database, settings: Settings, setup: Setup
) -> None:
    previews, estimate = _preview(db, settings, setup)
    assert [p.row_index for p in previews] == [0, 1, 2, 3, 4]
    system, user = previews[1].messages
    assert "JSON" in system["content"] and "JSON" in user["content"]
    assert system["content"].startswith("你是一名严谨的数据标注员")  # Chinese, like the template
    assert user["content"].endswith("文本：" + REVIEWS[1])
    assert "满意、称赞" in user["content"] and "很棒" in user["content"]
    assert estimate.rows == len(REVIEWS) and estimate.cost > 0
    assert estimate.input_tokens > len("".join(REVIEWS))


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{% for x in %}", "line 1"),
        ("{{ 不存在 }}", "row 1"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "row 1"),
        ("{{ row.缺少 }}", "row 1"),
    ],
)
def test_bad_or_unsafe_templates_are_refused(
    db: Database, settings: Settings, setup: Setup, template: str, fragment: str
) -> None:
    with pytest.raises(TemplateInvalid, match=fragment):
        _preview(db, settings, setup, template=template)


def test_row_variables_and_unknown_columns(db: Database, settings: Settings, setup: Setup) -> None:
    previews, _ = _preview(db, settings, setup, template="评论是：{{ row['评论'] }}。用 JSON。")
    assert previews[0].messages[1]["content"] == f"评论是：{REVIEWS[0]}。用 JSON。"
    with pytest.raises(UnprocessableInput, match="no column"):
        _preview(db, settings, setup, text_columns=["标题"])
    with pytest.raises(UnprocessableInput, match=r"does not offer"):
        _preview(
            db,
            settings,
            setup,
            teachers=[{"provider_id": str(setup.qwen_id), "model": "qwen-turbo"}],
        )
    with pytest.raises(UnprocessableInput, match="in USD"):
        _preview(db, settings, setup, currency="USD")
    with pytest.raises(ValidationError):
        _data(setup, task={"kind": "classify", "labels": [{"name": "甲"}, {"name": "甲"}]})


def test_extract_task_validates_against_the_schema(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    def extractor(model: str, prompt: str, body: dict[str, Any]) -> str:
        assert body["response_format"] == {"type": "json_object"}
        text = prompt.rsplit("文本：", 1)[-1]
        if text == "难吃":
            return json.dumps({"菜品": 1})
        return json.dumps({"菜品": text[:2], "满意": "好" in text}, ensure_ascii=False)

    teacher.answer = extractor
    schema = {
        "type": "object",
        "properties": {"菜品": {"type": "string"}, "满意": {"type": "boolean"}},
        "required": ["菜品", "满意"],
    }
    with db.session_scope() as session:
        run = create_run(
            session,
            settings,
            dataset(db, setup.dataset_id),
            data=_data(setup, task={"kind": "extract", "json_schema": schema}),
            actor=None,
        )
    assert asyncio.run(run_labeling(db, settings, run.id)) == LabelingStatus.succeeded
    rows = _rows(db, run.id)
    assert rows[0].output == {"菜品": REVIEWS[0][:2], "满意": True}
    assert rows[-1].error is not None and rows[-1].error["code"] == "invalid_answer"
    with pytest.raises(UnprocessableInput, match="not a valid JSON schema"):
        _preview(db, settings, setup, task={"kind": "extract", "json_schema": {"type": 5}})


def test_generate_task_keeps_the_text(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    teacher.answer = lambda model, prompt, body: f"回复：{prompt}"
    with db.session_scope() as session:
        run = create_run(
            session,
            settings,
            dataset(db, setup.dataset_id),
            data=_data(setup, task={"kind": "generate", "system": "你是客服。"}),
            actor=None,
        )
    asyncio.run(run_labeling(db, settings, run.id))
    rows = _rows(db, run.id)
    assert [r.output for r in rows] == [f"回复：{text}" for text in REVIEWS]
    assert all(r.agreement is None for r in rows)
    assert "response_format" not in json.dumps([p.prompt for p in teacher.paid])


def test_vote_rules() -> None:
    a, b = Vote("a", "正面"), Vote("b", "负面")
    tie = decide([a, b], majority=True)
    assert tie.output == "正面" and tie.agreement == 0.5
    err = Vote("c", error={"code": "content_filter", "message": "x"})
    assert decide([err], majority=True).error == err.error
    assert decide([err, b], majority=True).output == "负面"
    sure = decide([Vote("a", {"k": 1}, None, -0.5), Vote("b", {"k": 1})], majority=True)
    assert sure.confidence == pytest.approx(math.exp(-0.5))
    text = decide([Vote("a", "甲", None, -1.0), Vote("b", "乙")], majority=False)
    assert text.output == "甲" and text.confidence == pytest.approx(math.exp(-1.0))
