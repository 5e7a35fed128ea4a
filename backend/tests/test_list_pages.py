"""Lists that scale: jobs in one query, model summaries, keyset cursors on jobs/models/datasets."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from app.db.models import (
    Dataset,
    JobStatus,
    ModelVersion,
    ProjectMember,
    TrainingJob,
    User,
)
from app.db.session import Database
from tests.conftest import login

START = datetime(2026, 1, 1, tzinfo=UTC)


@contextmanager
def counted_statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@pytest.fixture
def owner(
    client: TestClient, make_user: Callable[..., User], db: Database
) -> tuple[uuid.UUID, uuid.UUID, dict[str, str]]:
    """A member's user id, personal project id and auth header."""
    user = make_user("li_lei")
    with db.session_scope() as session:
        project_id = session.scalar(
            select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)
        )
    assert project_id is not None
    return user.id, project_id, login(client, "li_lei")


def _add_jobs(db: Database, project_id: uuid.UUID, user_id: uuid.UUID, count: int) -> dict:
    """`count` jobs (every other one succeeded with a model version; some share a timestamp)."""
    versions: dict[str, str | None] = {}
    with db.session_scope() as session:
        for i in range(count):
            status = JobStatus.succeeded if i % 2 else JobStatus.failed
            job = TrainingJob(
                project_id=project_id,
                name=f"任务{i}",
                task_type="tabular_classification",
                trainer="linear",
                columns={"target": "y"},
                status=status,
                created_at=START + timedelta(minutes=i // 3),  # three jobs per timestamp
                created_by_id=user_id,
            )
            session.add(job)
            session.flush()
            versions[str(job.id)] = None
            if status == JobStatus.succeeded:
                version = _version(project_id, f"模型{i}", job.created_at, job_id=job.id)
                session.add(version)
                session.flush()
                versions[str(job.id)] = str(version.id)
    return versions


def _version(
    project_id: uuid.UUID, name: str, created_at: datetime, job_id: uuid.UUID | None = None
) -> ModelVersion:
    return ModelVersion(
        project_id=project_id,
        job_id=job_id,
        name=name,
        task_type="tabular_classification",
        trainer="linear",
        model_format="skops",
        metrics={"accuracy": 0.9},
        report={"confusion_matrix": [[1, 2], [3, 4]], "mistakes": ["错" * 200]},
        artifact_dir=f"x/{uuid.uuid4()}",
        created_at=created_at,
    )


def _walk(client: TestClient, path: str, headers: dict[str, str], limit: int) -> list[dict]:
    """Every item of a list, page by page through `next_cursor`."""
    items: list[dict] = []
    page = client.get(f"{path}&limit={limit}", headers=headers).json()
    items += page["items"]
    while page["next_cursor"]:
        page = client.get(f"{path}&limit={limit}&cursor={page['next_cursor']}", headers=headers)
        page = page.json()
        assert page["total"] >= len(page["items"])
        items += page["items"]
    return items


def test_jobs_list_runs_the_same_statements_for_1_or_50_jobs(
    client: TestClient, db: Database, owner: tuple
) -> None:
    user_id, project_id, headers = owner
    versions = _add_jobs(db, project_id, user_id, 60)
    path = f"/api/v1/jobs?project_id={project_id}"
    client.get(f"{path}&limit=1", headers=headers)  # warm caches shared by both sizes
    with counted_statements(db) as one:
        small = client.get(f"{path}&limit=1", headers=headers)
    with counted_statements(db) as fifty:
        large = client.get(f"{path}&limit=50", headers=headers)
    assert small.status_code == large.status_code == 200
    assert len(large.json()["items"]) == 50
    assert len(fifty) == len(one), "\n".join(fifty)
    page = large.json()["items"]
    assert {j["id"]: j["model_version_id"] for j in page} == {
        j["id"]: versions[j["id"]] for j in page
    }
    assert any(j["model_version_id"] for j in page) and any(not j["model_version_id"] for j in page)


def test_cursor_pages_match_offset_order_without_gaps_or_repeats(
    client: TestClient, db: Database, owner: tuple
) -> None:
    user_id, project_id, headers = owner
    _add_jobs(db, project_id, user_id, 23)
    path = f"/api/v1/jobs?project_id={project_id}"
    everything = client.get(f"{path}&limit=100", headers=headers).json()
    assert everything["next_cursor"] is None and everything["total"] == 23
    walked = _walk(client, path, headers, limit=4)
    assert [j["id"] for j in walked] == [j["id"] for j in everything["items"]]
    stamps = [(j["created_at"], j["id"]) for j in walked]
    assert stamps == sorted(stamps, reverse=True)
    offset_page = client.get(f"{path}&limit=4&offset=8", headers=headers).json()
    assert [j["id"] for j in offset_page["items"]] == [j["id"] for j in walked[8:12]]
    filtered = _walk(client, f"{path}&status=succeeded", headers, limit=3)
    assert [j["id"] for j in filtered] == [
        j["id"] for j in everything["items"] if j["status"] == "succeeded"
    ]


def test_a_bad_or_foreign_cursor_is_a_clear_422(
    client: TestClient, db: Database, owner: tuple
) -> None:
    user_id, project_id, headers = owner
    _add_jobs(db, project_id, user_id, 3)
    for bad in ("not-a-cursor", "WyJjcmVhdGVkX2F0Il0"):
        response = client.get(f"/api/v1/jobs?cursor={bad}", headers=headers)
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "bad_cursor"
    cursor = client.get("/api/v1/jobs?limit=1", headers=headers).json()["next_cursor"]
    by_name = client.get(f"/api/v1/datasets?sort=name&cursor={cursor}", headers=headers)
    assert by_name.status_code == 422
    assert by_name.json()["error"]["code"] == "bad_cursor"


def test_models_list_carries_summaries_and_the_detail_the_report(
    client: TestClient, db: Database, owner: tuple
) -> None:
    _, project_id, headers = owner
    with db.session_scope() as session:
        for i in range(7):
            session.add(_version(project_id, f"模型{i}", START + timedelta(minutes=i // 2)))
    listed = client.get(f"/api/v1/models?project_id={project_id}", headers=headers).json()
    assert listed["total"] == 7
    item = listed["items"][0]
    assert {"report", "artifacts", "params", "info"}.isdisjoint(item)
    assert {"id", "name", "version", "task_type", "trainer", "metrics", "size_bytes"} <= set(item)
    detail = client.get(f"/api/v1/models/{item['id']}", headers=headers).json()
    assert detail["report"]["mistakes"] == ["错" * 200]
    walked = _walk(client, f"/api/v1/models?project_id={project_id}", headers, limit=2)
    assert [m["id"] for m in walked] == [m["id"] for m in listed["items"]]


def test_datasets_cursor_follows_each_sort(
    client: TestClient, db: Database, owner: tuple, make_user: Callable[..., User]
) -> None:
    _, project_id, headers = owner
    names = ["甲", "乙", "丙", "甲", "丁", "戊", "乙", "己"]
    with db.session_scope() as session:
        for i, name in enumerate(names):
            session.add(
                Dataset(
                    project_id=project_id,
                    name=name,
                    original_filename="数据.csv",
                    format="csv",
                    size_bytes=100 * (i % 3),
                    sha256="0" * 64,
                    row_count=1,
                    created_at=START + timedelta(minutes=i % 4),
                )
            )
    make_user("outsider")
    outsider = login(client, "outsider")
    base = f"/api/v1/datasets?project_id={project_id}"
    for sort in ("-created_at", "created_at", "name", "-name", "size_bytes", "-size_bytes"):
        everything = client.get(f"{base}&sort={sort}&limit=100", headers=headers).json()
        walked = _walk(client, f"{base}&sort={sort}", headers, limit=3)
        assert [d["id"] for d in walked] == [d["id"] for d in everything["items"]], sort
        assert len({d["id"] for d in walked}) == len(names)
    assert client.get("/api/v1/datasets", headers=outsider).json()["items"] == []
