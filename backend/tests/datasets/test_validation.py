"""Validation for a task: errors vs warnings, drops and reasons, classes, duplicates, conflicts."""

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.datasets.validation import validate_for_task
from tests.datasets.conftest import Team, upload

TEXT = {"text": "内容", "label": "类别"}


def _codes(issues: list) -> list[str]:  # type: ignore[type-arg]
    return [issue.code for issue in issues]


def test_text_classification_report() -> None:
    frame = pd.DataFrame(
        {
            "内容": ["好评", "差评", "好评", "", "中评", "好评", "差评", "还行", None],
            "类别": ["正", "负", "正", "正", None, "负", "负", "中", "正"],
        }
    )
    report = validate_for_task(frame, "text_classification", TEXT)
    assert report.ok
    assert report.rows_total == 9
    assert report.drop_reasons == {"missing_label": 1, "empty_text": 2}
    assert report.rows_dropped == 3
    assert report.rows_usable == 6
    assert report.class_counts == {"正": 2, "负": 3, "中": 1}
    assert report.duplicate_rows == 2
    assert report.conflicting_inputs == 1
    assert report.conflicting_rows == 3
    assert report.text_length is not None and report.text_length["max"] == 2
    assert {"missing_label", "empty_text", "duplicate_rows", "conflicting_labels"} <= set(
        _codes(report.warnings)
    )
    rare = next(w for w in report.warnings if w.code == "rare_classes")
    assert "中" in rare.message
    empty = next(w for w in report.warnings if w.code == "empty_text")
    assert empty.rows == [4, 9]


def test_tabular_duplicates_and_conflicts_with_missing_values_and_lists() -> None:
    nan = float("nan")
    frame = pd.DataFrame(
        {
            "x": [1.0, 1.0, nan, nan, 2.0, 2.0, 3.0],
            "city": ["北京", "北京", None, None, "上海", "上海", "北京"],
            "tags": [[1], [1], {"a": 1}, {"a": 1}, [2], [3], [1]],
            "y": [0, 0, 1, 0, 1, 1, 1],
        }
    )
    report = validate_for_task(frame, "tabular_classification", {"target": "y"})
    assert report.duplicate_rows == 1  # row 2 repeats row 1
    assert report.conflicting_inputs == 1  # rows 3 and 4: same inputs (NaN, None, {a: 1})
    assert report.conflicting_rows == 2
    conflict = next(w for w in report.warnings if w.code == "conflicting_labels")
    assert conflict.rows == [3, 4]


@pytest.mark.parametrize(
    ("task", "columns", "code", "text"),
    [
        ("image_segmentation", {}, "unknown_task_type", "image_segmentation"),
        ("text_classification", {"text": "正文", "label": "类别"}, "column_not_found", "正文"),
        ("text_classification", {"text": "内容"}, "bad_mapping", "label"),
        (
            "tabular_classification",
            {"target": "y", "features": ["x", "zz"]},
            "column_not_found",
            "zz",
        ),
        ("tabular_classification", {"target": "y", "features": ["y"]}, "bad_mapping", "target"),
        ("tabular_regression", {"target": "y", "features": []}, "no_features", "feature"),
    ],
)
def test_mapping_errors_name_the_problem(task: str, columns: dict, code: str, text: str) -> None:  # type: ignore[type-arg]
    frame = pd.DataFrame({"内容": ["a", "b"], "类别": ["x", "y"], "x": [1, 2], "y": [0, 1]})
    report = validate_for_task(frame, task, columns)
    assert not report.ok
    assert report.errors[0].code == code
    assert text in report.errors[0].message


def test_tabular_checks() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": ["1.5", "abc", None, "2"]})
    regression = validate_for_task(frame, "tabular_regression", {"target": "y", "features": None})
    assert _codes(regression.errors) == ["target_not_numeric"]
    assert regression.errors[0].rows == [2]
    assert regression.drop_reasons == {"missing_label": 1}
    single = validate_for_task(
        pd.DataFrame({"x": [1, 2, 3], "y": ["a", "a", "a"]}),
        "tabular_classification",
        {"target": "y", "features": None},
    )
    assert "single_class" in _codes(single.errors)
    nothing = validate_for_task(
        pd.DataFrame({"x": [1, 2], "y": [None, None]}),
        "tabular_classification",
        {"target": "y", "features": None},
    )
    assert "too_few_rows" in _codes(nothing.errors)
    assert nothing.rows_usable == 0


def test_validate_endpoint(client: TestClient, team: Team) -> None:
    content = "内容,类别\n好,正\n坏,负\n好,负\n,正\n".encode()
    dataset = upload(client, team.editor, team.project_id, "v.csv", content).json()
    url = f"/api/v1/datasets/{dataset['id']}/validate"
    report = client.post(
        url, json={"task_type": "text_classification", "columns": TEXT}, headers=team.viewer
    ).json()
    assert report["ok"] is True
    assert report["rows_usable"] == 3
    assert report["conflicting_inputs"] == 1
    bad = client.post(
        url,
        json={"task_type": "text_classification", "columns": {"text": "无", "label": "类别"}},
        headers=team.viewer,
    ).json()
    assert bad["ok"] is False
    assert bad["errors"][0]["column"] == "无"
