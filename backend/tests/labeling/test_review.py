"""Review of labeled rows: queue rules, accept / correct / skip, agreement, gold dataset, access."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.config import Settings
from app.datasets.storage import dataset_dir
from app.db.models import AuditLog, Dataset, LabelingRow, LabelingRun, ReviewStatus, User
from app.db.session import Database
from app.labeling.gold import create_gold_dataset
from app.labeling.review import gold_rows
from app.labeling.tasks import CLASSIFY_TEMPLATE
from tests.conftest import login
from tests.labeling.conftest import REVIEWS

RUNS = "/api/v1/labeling-runs"
TEACHERS = ("千问/qwen-plus", "深度求索/deepseek-chat", "豆包/doubao-pro")
CLASSIFY = {
    "kind": "classify",
    "labels": [{"name": "正面", "description": ""}, {"name": "负面", "description": ""}],
    "examples": [],
}
FAILED = {"code": "provider_http_400", "message": "bad request"}


@dataclass
class Team:
    """A team project with an editor and a viewer, and its uploaded reviews dataset."""

    project_id: str
    dataset_id: uuid.UUID
    editor: dict[str, str]
    editor_id: uuid.UUID
    viewer: dict[str, str]


@pytest.fixture
def team(client: TestClient, make_user: Callable[..., User]) -> Team:
    """The lead owns the project, makes the editor an editor and the viewer a viewer."""
    make_user("lead")
    editor_user = make_user("reviewer")
    viewer_user = make_user("watcher")
    lead = login(client, "lead")
    project = client.post("/api/v1/projects", json={"name": "标注团队"}, headers=lead).json()["id"]
    for user, role in ((editor_user, "editor"), (viewer_user, "viewer")):
        added = client.post(
            f"/api/v1/projects/{project}/members",
            json={"user_id": str(user.id), "role": role},
            headers=lead,
        )
        assert added.status_code == 201, added.text
    csv = ("评论\n" + "\n".join(REVIEWS) + "\n").encode()
    uploaded = client.post(
        f"/api/v1/data/upload?project_id={project}",
        files={"file": ("评论.csv", csv)},
        headers=lead,
    )
    assert uploaded.status_code == 201, uploaded.text
    return Team(
        project,
        uuid.UUID(uploaded.json()["id"]),
        login(client, "reviewer"),
        editor_user.id,
        login(client, "watcher"),
    )


def _votes(*values: Any) -> list[dict[str, Any]]:
    return [
        {"teacher": name, "value": value, "error": FAILED if value is None else None}
        for name, value in zip(TEACHERS, values, strict=True)
    ]


# row index → (votes, output, agreement, confidence, error): what the labeling loop stores.
CLASSIFY_ROWS: dict[int, tuple[Any, ...]] = {
    0: (_votes("正面", "正面", "正面"), "正面", 1.0, 1.0, None),
    1: (_votes("负面", "负面", "正面"), "负面", 2 / 3, 2 / 3, None),
    2: (_votes("正面", "正面", "正面"), "正面", 1.0, 0.6, None),
    3: (_votes(None, None, None), None, None, None, FAILED),
    4: (_votes("正面", "正面", "正面"), "正面", 1.0, 0.9, None),
    5: (_votes("负面", "正面", "负面"), "负面", 2 / 3, 2 / 3, None),
}


def _run(
    db: Database,
    team: Team,
    task: dict[str, Any],
    rows: dict[int, tuple[Any, ...]],
    **fields: Any,
) -> uuid.UUID:
    with db.session_scope() as session:
        run = LabelingRun(
            project_id=uuid.UUID(team.project_id),
            dataset_id=team.dataset_id,
            name="情感标注",
            text_columns=["评论"],
            task=task,
            template=CLASSIFY_TEMPLATE,
            teachers=[],
            params={},
            budget=Decimal(10),
            currency="CNY",
            rows_total=len(REVIEWS),
            **fields,
        )
        session.add(run)
        session.flush()
        for index, (votes, output, agreement, confidence, error) in rows.items():
            session.add(
                LabelingRow(
                    run_id=run.id,
                    row_index=index,
                    votes=votes,
                    output=output,
                    agreement=agreement,
                    confidence=confidence,
                    error=error,
                )
            )
        return run.id


def _queue(client: TestClient, team: Team, run_id: uuid.UUID, **params: Any) -> dict[str, Any]:
    response = client.get(f"{RUNS}/{run_id}/review-queue", params=params, headers=team.editor)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _review(
    client: TestClient, team: Team, run_id: uuid.UUID, index: int, body: dict[str, Any]
) -> Any:
    return client.post(f"{RUNS}/{run_id}/rows/{index}/review", json=body, headers=team.editor)


def test_queue_selects_disagreement_low_confidence_and_errors(
    client: TestClient, db: Database, team: Team
) -> None:
    run_id = _run(db, team, CLASSIFY, CLASSIFY_ROWS)
    queue = _queue(client, team, run_id)
    assert queue["threshold"] == 0.7 and queue["total"] == 4
    assert [item["row_index"] for item in queue["items"]] == [1, 2, 3, 5]
    first = queue["items"][0]
    assert first["source"] == {"评论": REVIEWS[1]} and first["output"] == "负面"
    assert [vote["value"] for vote in first["votes"]] == ["负面", "负面", "正面"]
    assert queue["items"][2]["error"] == FAILED

    assert [i["row_index"] for i in _queue(client, team, run_id, threshold=0.5)["items"]] == [
        1,
        3,
        5,
    ]
    assert _queue(client, team, run_id, threshold=0.95)["total"] == 5
    paged = _queue(client, team, run_id, limit=2, offset=2)
    assert [i["row_index"] for i in paged["items"]] == [3, 5] and paged["total"] == 4

    stored = client.patch(
        f"{RUNS}/{run_id}/review-settings", json={"review_threshold": 0.5}, headers=team.editor
    )
    assert stored.status_code == 200 and stored.json() == {"review_threshold": 0.5}
    assert _queue(client, team, run_id)["threshold"] == 0.5
    assert _queue(client, team, run_id)["total"] == 3
    bad = client.get(f"{RUNS}/{run_id}/review-queue?threshold=2", headers=team.editor)
    assert bad.status_code == 422


def test_accept_correct_skip_agreement_and_gold_dataset(
    client: TestClient, db: Database, settings: Settings, team: Team
) -> None:
    run_id = _run(db, team, CLASSIFY, CLASSIFY_ROWS)
    summary = client.get(f"{RUNS}/{run_id}/review-summary", headers=team.editor).json()
    assert (summary["rows"], summary["to_review"], summary["reviewed"]) == (6, 4, 0)
    assert summary["majority"] == {"teacher": "majority", "agreed": 0, "reviewed": 0, "share": None}

    empty = client.post(f"{RUNS}/{run_id}/gold-dataset", headers=team.editor)
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "no_reviewed_rows"
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 1
    assert list((Path(settings.data_storage_path) / ".tmp").iterdir()) == []

    accepted = _review(client, team, run_id, 1, {"action": "accept"})
    assert accepted.status_code == 200, accepted.text
    item = accepted.json()
    assert item["review_status"] == "accepted" and item["reviewed_output"] == "负面"
    assert item["reviewer_id"] == str(team.editor_id) and item["source"] == {"评论": REVIEWS[1]}
    corrected = _review(client, team, run_id, 2, {"action": "correct", "output": "负面"})
    assert corrected.json()["review_status"] == "corrected"
    nothing = _review(client, team, run_id, 3, {"action": "accept"})
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "nothing_to_accept"
    failed_row = _review(client, team, run_id, 3, {"action": "correct", "output": "负面"})
    assert failed_row.status_code == 200
    assert _review(client, team, run_id, 0, {"action": "accept"}).status_code == 200
    assert _review(client, team, run_id, 5, {"action": "skip"}).json()["review_status"] == "skipped"

    assert _queue(client, team, run_id)["total"] == 0
    assert [i["row_index"] for i in _queue(client, team, run_id, status="skipped")["items"]] == [5]
    assert _queue(client, team, run_id, status="all")["total"] == 4

    summary = client.get(f"{RUNS}/{run_id}/review-summary", headers=team.viewer).json()
    counts = [summary[k] for k in ("to_review", "skipped", "reviewed", "accepted", "corrected")]
    assert counts == [0, 1, 4, 2, 2]
    # Reviewed truth: row 0 正面, 1 负面, 2 负面, 3 负面 (the teachers failed on row 3).
    shares = {t["teacher"]: (t["agreed"], t["reviewed"], t["share"]) for t in summary["teachers"]}
    assert shares == {TEACHERS[0]: (2, 4, 0.5), TEACHERS[1]: (2, 4, 0.5), TEACHERS[2]: (1, 4, 0.25)}
    assert (summary["majority"]["agreed"], summary["majority"]["share"]) == (2, 0.5)

    with db.session_scope() as session:
        gold = gold_rows(session, run_id)
        assert [(g.row_index, g.output, g.status) for g in gold] == [
            (0, "正面", ReviewStatus.accepted),
            (1, "负面", ReviewStatus.accepted),
            (2, "负面", ReviewStatus.corrected),
            (3, "负面", ReviewStatus.corrected),
        ]
        assert (
            session.scalar(select(func.count()).where(AuditLog.action.like("labeling_row.%"))) == 5
        )

    created = client.post(
        f"{RUNS}/{run_id}/gold-dataset", json={"name": "情感金标"}, headers=team.editor
    )
    assert created.status_code == 201, created.text
    dataset = created.json()
    assert dataset["name"] == "情感金标" and dataset["row_count"] == 4
    assert dataset["parent_id"] == str(team.dataset_id)
    assert [c["name"] for c in dataset["columns"]] == ["评论", "label"]
    preview = client.get(f"/api/v1/datasets/{dataset['id']}/preview", headers=team.viewer).json()
    assert preview["rows"] == [
        {"评论": REVIEWS[0], "label": "正面"},
        {"评论": REVIEWS[1], "label": "负面"},
        {"评论": REVIEWS[2], "label": "负面"},
        {"评论": REVIEWS[3], "label": "负面"},
    ]
    profile = client.get(f"/api/v1/datasets/{dataset['id']}/profile", headers=team.viewer)
    assert profile.status_code == 200 and profile.json()["row_count"] == 4
    with db.session_scope() as session:
        assert session.get_one(LabelingRun, run_id).gold_dataset_id == uuid.UUID(dataset["id"])


def test_corrections_are_validated_against_the_task(
    client: TestClient, db: Database, team: Team
) -> None:
    run_id = _run(db, team, CLASSIFY, CLASSIFY_ROWS)
    wrong = _review(client, team, run_id, 1, {"action": "correct", "output": "中性"})
    assert wrong.status_code == 422
    error = wrong.json()["error"]
    assert error["code"] == "invalid_review_output" and error["details"]["field"] == "output"
    assert "正面" in error["message"] and "中性" in error["message"]
    missing = _review(client, team, run_id, 1, {"action": "correct"})
    assert missing.status_code == 422 and "output" in missing.text
    unknown = _review(client, team, run_id, 1, {"action": "approve"})
    assert unknown.status_code == 422
    extra = _review(client, team, run_id, 1, {"action": "accept", "output": "正面"})
    assert extra.status_code == 422
    absent = _review(client, team, run_id, 9, {"action": "accept"})
    assert absent.status_code == 404 and absent.json()["error"]["code"] == "labeling_row_not_found"
    with db.session_scope() as session:
        row = session.scalar(
            select(LabelingRow).where(LabelingRow.run_id == run_id, LabelingRow.row_index == 1)
        )
        assert row is not None and row.review_status == ReviewStatus.pending
        assert row.reviewed_output is None

    schema = {
        "type": "object",
        "properties": {"price": {"type": "number"}},
        "required": ["price"],
    }
    extract = {"kind": "extract", "json_schema": schema}
    votes = [{"teacher": TEACHERS[0], "value": {"price": 3}, "error": None}]
    extract_run = _run(db, team, extract, {0: (votes, {"price": 3}, 1.0, 0.5, None)})
    typed = _review(
        client, team, extract_run, 0, {"action": "correct", "output": {"price": "便宜"}}
    )
    assert typed.status_code == 422 and typed.json()["error"]["details"]["field"] == "output.price"
    required = _review(client, team, extract_run, 0, {"action": "correct", "output": {}})
    assert required.json()["error"]["details"]["field"] == "output"
    fixed = _review(client, team, extract_run, 0, {"action": "correct", "output": {"price": 4.5}})
    assert fixed.status_code == 200 and fixed.json()["reviewed_output"] == {"price": 4.5}

    generate = {"kind": "generate", "system": ""}
    answer = [{"teacher": TEACHERS[0], "value": "好的", "error": None}]
    generate_run = _run(db, team, generate, {0: (answer, "好的", None, None, None)})
    assert _queue(client, team, generate_run)["total"] == 1
    blank = _review(client, team, generate_run, 0, {"action": "correct", "output": "  "})
    assert blank.status_code == 422 and blank.json()["error"]["details"]["field"] == "output"
    text = _review(client, team, generate_run, 0, {"action": "correct", "output": " 谢谢 "})
    assert text.json()["reviewed_output"] == "谢谢"


def test_viewers_get_403_and_other_projects_404(
    client: TestClient, db: Database, team: Team, make_user: Callable[..., User]
) -> None:
    run_id = _run(db, team, CLASSIFY, CLASSIFY_ROWS)
    make_user("stranger")
    stranger = login(client, "stranger")
    calls = [
        ("get", f"{RUNS}/{run_id}/review-queue", None),
        ("post", f"{RUNS}/{run_id}/rows/1/review", {"action": "accept"}),
        ("patch", f"{RUNS}/{run_id}/review-settings", {"review_threshold": 0.2}),
        ("post", f"{RUNS}/{run_id}/gold-dataset", None),
    ]
    for method, url, body in calls:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        viewer = client.request(method, url, headers=team.viewer, **kwargs)
        assert viewer.status_code == 403, (url, viewer.text)
        hidden = client.request(method, url, headers=stranger, **kwargs)
        assert hidden.status_code == 404, (url, hidden.text)
        assert hidden.json()["error"]["code"] == "labeling_run_not_found"
    summary = f"{RUNS}/{run_id}/review-summary"
    assert client.get(summary, headers=team.viewer).status_code == 200
    assert client.get(summary, headers=stranger).status_code == 404
    with db.session_scope() as session:
        row = session.scalar(
            select(LabelingRow).where(LabelingRow.run_id == run_id, LabelingRow.row_index == 1)
        )
        assert row is not None and row.review_status == ReviewStatus.pending
        assert session.get_one(LabelingRun, run_id).review_threshold is None


def test_gold_files_are_removed_when_the_unit_of_work_rolls_back(
    client: TestClient, db: Database, settings: Settings, team: Team
) -> None:
    run_id = _run(db, team, CLASSIFY, CLASSIFY_ROWS)
    assert _review(client, team, run_id, 0, {"action": "accept"}).status_code == 200
    folder: Path | None = None
    with pytest.raises(RuntimeError), db.session_scope() as session:
        run = session.get_one(LabelingRun, run_id)
        editor = session.get_one(User, team.editor_id)
        dataset = create_gold_dataset(session, settings, run, name=None, actor=editor)
        folder = dataset_dir(settings, run.project_id, dataset.id)
        assert (folder / "data.parquet").is_file()
        raise RuntimeError("the commit never happens")
    assert folder is not None and not folder.exists()
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 1
        assert session.get_one(LabelingRun, run_id).gold_dataset_id is None
