"""Task types in one place: typed /task-types, bilingual params, registry-driven rules."""

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.datasets.validation import validate_for_task
from app.db.models import ModelVersion
from app.model_registry.card import model_card
from app.trainers.registry import TaskTypeInfo, describe_task_types
from app.trainers.task_types import TASK_TYPES, ColumnRole, LocalizedText, TaskType


def test_task_types_answer_is_typed_and_in_the_openapi(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/task-types", headers=admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert [t["task_type"] for t in body] == [t.value for t in TaskType]
    for item in body:
        info = TaskTypeInfo.model_validate(item)
        assert info.label.zh and info.label.en
        assert info.columns == [role.name for role in info.column_roles]
        assert info.target_role in info.columns
        assert info.default_trainer == info.trainers[0].name
    text = next(
        TaskTypeInfo.model_validate(t) for t in body if t["task_type"] == "text_classification"
    )
    assert text.predict_input.plain_text and text.predict_input.columns_from == ["text"]
    assert next(r for r in text.column_roles if r.name == "text").dtypes == ["text", "categorical"]
    tabular = next(t for t in body if t["task_type"] == "tabular_classification")
    features = next(r for r in tabular["column_roles"] if r["name"] == "features")
    assert features["multiple"] and not features["required"] and features["all_others_when_empty"]
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/task-types"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "array"
    assert schema["items"] == {"$ref": "#/components/schemas/TaskTypeInfo"}


def test_every_trainer_param_is_labelled_in_chinese_and_english() -> None:
    for task in describe_task_types():
        for trainer in task.trainers:
            properties = trainer.params_schema["properties"]
            assert properties, trainer.name
            for name, prop in properties.items():
                where = f"{task.task_type}/{trainer.name}.{name}"
                assert set(prop["x-label"]) == {"zh", "en"}, where
                assert all(prop["x-label"].values()) and all(prop["x-help"].values()), where
                assert prop["title"] == prop["x-label"]["en"]
                assert prop["x-help"]["en"] == prop["description"]
                assert any("\u4e00" <= ch <= "\u9fff" for ch in prop["x-label"]["zh"]), where


def _pair_spec() -> Any:
    """A task type added only in the registry: two text columns → a label."""
    base = TASK_TYPES[TaskType.text_classification]
    text = LocalizedText(zh="文本", en="Text")
    return replace(
        base,
        label=LocalizedText(zh="句对分类", en="Sentence pair classification"),
        roles=(
            ColumnRole(
                name="first", label=text, help=text, required=True, multiple=False, dtypes=["text"]
            ),
            ColumnRole(
                name="second", label=text, help=text, required=True, multiple=False, dtypes=["text"]
            ),
            ColumnRole(
                name="answer",
                label=text,
                help=text,
                required=True,
                multiple=False,
                dtypes=[],
                predicts=True,
            ),
        ),
        validation_rules=("missing_label", "classes", "duplicates", "conflicting_labels"),
        card_sections=("overview", "how_to_call"),
    )


def test_a_task_type_added_in_the_registry_drives_validation_and_the_card(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(TASK_TYPES, "pair_classification", _pair_spec())  # type: ignore[index]
    frame = pd.DataFrame(
        {
            "问": ["今天好吗", "今天好吗", "明天呢", "后天", None],
            "答": ["好", "好", "不好", "还行", "好"],
            "判断": ["是", "否", "是", "否", None],
        }
    )
    report = validate_for_task(
        frame, "pair_classification", {"first": "问", "second": "答", "answer": "判断"}
    )
    assert report.ok, report.errors
    assert report.input_columns == ["问", "答"] and report.label_column == "判断"
    assert report.drop_reasons == {"missing_label": 1}
    assert report.conflicting_inputs == 1 and report.class_counts == {"是": 2, "否": 2}
    missing = validate_for_task(frame, "pair_classification", {"first": "问", "answer": "判断"})
    assert [e.code for e in missing.errors] == ["bad_mapping"]
    assert "'second'" in missing.errors[0].message
    version = ModelVersion(
        name="句对",
        version=1,
        task_type="pair_classification",
        trainer="tfidf_linear",
        model_format="skops",
        columns={"first": "问", "second": "答", "answer": "判断"},
        info={},
        metrics={"accuracy": 0.5},
    )
    card = model_card(version)
    assert "句对分类" in card and "predicts `判断`" in card and "输入列：问, 答" in card
    assert "测试集指标" not in card  # the spec lists no metrics section


def test_role_kinds_are_checked_with_a_clear_message() -> None:
    frame = pd.DataFrame({"编号": [1, 2, 3], "类别": ["甲", "乙", "甲"]})
    report = validate_for_task(frame, "text_classification", {"text": "编号", "label": "类别"})
    assert [e.code for e in report.errors] == ["column_type"]
    assert (
        "'编号'" in report.errors[0].message and "text or categorical" in report.errors[0].message
    )
    dates = pd.DataFrame({"x": [1, 2, 3], "y": pd.to_datetime(["2024-01-01"] * 3)})
    regression = validate_for_task(dates, "tabular_regression", {"target": "y", "features": None})
    assert [e.code for e in regression.errors] == ["column_type"]
