"""Large uploads: stored at once as `processing`, converted in a child, then ready or failed."""

import os
import shutil
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.config import Settings
from app.datasets.conversion_job import (
    CONVERT_DATASET,
    UPLOAD_NAME,
    conversion_of,
)
from app.datasets.staging import sweep_staging
from app.datasets.storage import dataset_dir, tmp_root
from app.db.base import utcnow
from app.db.models import AuditLog, Dataset, DatasetStatus, JobEvent, JobStatus, TrainingJob
from app.db.session import Database
from app.engine.build import build_engine
from app.engine.config import JobSettings
from app.engine.context import JobEngine
from app.engine.reaper import reap
from app.engine.runner import run_job
from app.job_kinds import job_kinds
from tests.datasets.conftest import Team, upload

ROWS = 3000


def _csv(rows: int = ROWS, bad_line: int | None = None) -> bytes:
    lines = ["编号,城市,金额,备注"]
    for i in range(rows):
        extra = ",多余" if bad_line is not None and i + 2 == bad_line else ""
        lines.append(f"{i},{'北京' if i % 2 else '上海'},{i * 1.5},第{i}行{extra}")
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(autouse=True)
def _remove_files(settings: Settings) -> Iterator[None]:
    """These tests leave dataset folders behind on purpose (rows removed); delete them after."""
    yield
    root = Path(settings.data_storage_path)
    for entry in root.iterdir() if root.exists() else []:
        shutil.rmtree(entry, ignore_errors=True)


@pytest.fixture
def background(app: FastAPI, settings: Settings) -> Iterator[Settings]:
    """Every upload of this test goes through the background conversion."""
    app.state.settings = settings.model_copy(update={"dataset_inline_max_bytes": 0})
    yield app.state.settings
    app.state.settings = settings


def _wait(client: TestClient, headers: dict[str, str], dataset_id: str) -> dict[str, Any]:
    """Poll until the dataset leaves `processing` (bounded)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/datasets/{dataset_id}", headers=headers).json()
        if body["status"] != "processing":
            return body
        time.sleep(0.2)
    raise AssertionError(f"dataset {dataset_id} still processing")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_large_upload_is_stored_at_once_then_converted(
    client: TestClient, team: Team, background: Settings, db: Database
) -> None:
    raw = _csv()
    response = upload(client, team.editor, team.project_id, "大表.csv", raw)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "processing"
    assert created["row_count"] == 0 and created["columns"] == []

    done = _wait(client, team.viewer, created["id"])
    assert done["status"] == "ready", done
    assert done["error"] is None
    assert done["format"] == "csv" and done["encoding"] == "utf-8"
    assert done["row_count"] == ROWS
    assert [c["name"] for c in done["columns"]] == ["编号", "城市", "金额", "备注"]
    profile = client.get(f"/api/v1/datasets/{created['id']}/profile", headers=team.viewer)
    assert profile.json()["columns"][1]["top_values"][0]["count"] == ROWS // 2
    preview = client.get(f"/api/v1/datasets/{created['id']}/preview?limit=2", headers=team.viewer)
    assert preview.json()["rows"][1] == {"编号": 1, "城市": "北京", "金额": 1.5, "备注": "第1行"}
    original = client.get(f"/api/v1/datasets/{created['id']}/download", headers=team.viewer)
    assert original.content == raw
    folder = dataset_dir(background, uuid.UUID(team.project_id), uuid.UUID(created["id"]))
    assert _files(folder) == ["data.parquet", "original.csv"]
    with db.session_scope() as session:
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.object_id == created["id"])
        ).all()
        job = conversion_of(session, uuid.UUID(created["id"]))
        assert job is not None and job.status == JobStatus.succeeded and job.attempts == 1
    assert list(actions) == ["dataset.create"]


def test_bad_row_deep_in_a_large_file_fails_the_dataset_with_the_line(
    client: TestClient, team: Team, background: Settings
) -> None:
    response = upload(client, team.editor, team.project_id, "坏.csv", _csv(bad_line=2500))
    assert response.status_code == 201, response.text
    dataset_id = response.json()["id"]

    failed = _wait(client, team.viewer, dataset_id)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "ragged_rows"
    assert "2500" in failed["error"]["message"]
    folder = dataset_dir(background, uuid.UUID(team.project_id), uuid.UUID(dataset_id))
    assert not folder.exists()
    preview = client.get(f"/api/v1/datasets/{dataset_id}/preview", headers=team.viewer)
    assert preview.status_code == 409
    assert preview.json()["error"]["code"] == "dataset_failed"
    assert "2500" in preview.json()["error"]["message"]
    assert client.delete(f"/api/v1/datasets/{dataset_id}", headers=team.editor).status_code == 204


def _processing_row(
    db: Database, settings: Settings, project_id: str, *, job_status: JobStatus, **job: Any
) -> tuple[uuid.UUID, uuid.UUID]:
    """A `processing` dataset with its upload on disk and its conversion job (not sent)."""
    dataset_id = uuid.uuid4()
    folder = dataset_dir(settings, uuid.UUID(project_id), dataset_id)
    folder.mkdir(parents=True)
    raw = _csv(rows=50)
    (folder / UPLOAD_NAME).write_bytes(raw)
    with db.session_scope() as session:
        session.add(
            Dataset(
                id=dataset_id,
                project_id=uuid.UUID(project_id),
                name="t.csv",
                original_filename="t.csv",
                format="",
                size_bytes=len(raw),
                sha256="0" * 64,
                row_count=0,
                columns=[],
                profile={},
                status=DatasetStatus.processing,
            )
        )
        session.flush()
        conversion = TrainingJob(
            kind=CONVERT_DATASET,
            project_id=uuid.UUID(project_id),
            name="convert t.csv",
            task_type="",
            trainer="",
            subject_id=dataset_id,
            payload={"filename": "t.csv", "sheet": None},
            status=job_status,
            **job,
        )
        session.add(conversion)
        session.flush()
        job_id = conversion.id
    return dataset_id, job_id


def _engine(client: TestClient) -> JobEngine:
    engine: JobEngine = client.app.state.job_engine  # type: ignore[attr-defined]
    return engine


def _statuses(db: Database, job_id: uuid.UUID) -> list[str]:
    with db.session_scope() as session:
        rows = session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.type == "status")
            .order_by(JobEvent.id)
        )
        return [row.data["status"] for row in rows]


def test_a_processing_dataset_cannot_be_read_or_trained_on(
    client: TestClient, team: Team, settings: Settings, db: Database
) -> None:
    dataset_id, _ = _processing_row(
        db, settings, team.project_id, job_status=JobStatus.running, heartbeat_at=utcnow()
    )
    base = f"/api/v1/datasets/{dataset_id}"
    for response in (
        client.get(f"{base}/preview", headers=team.viewer),
        client.get(f"{base}/profile", headers=team.viewer),
        client.get(f"{base}/download", headers=team.viewer),
        client.post(
            f"{base}/validate",
            json={"task_type": "text_classification", "columns": {"text": "备注", "label": "城市"}},
            headers=team.viewer,
        ),
        client.post(
            "/api/v1/jobs",
            json={
                "project_id": team.project_id,
                "name": "too early",
                "task_type": "text_classification",
                "dataset_id": str(dataset_id),
                "columns": {"text": "备注", "label": "城市"},
            },
            headers=team.editor,
        ),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "dataset_not_ready"
    outsider = client.get(base, headers=team.outsider)
    assert outsider.status_code == 404


def test_conversion_jobs_stay_out_of_the_training_jobs_api(
    client: TestClient, team: Team, settings: Settings, db: Database
) -> None:
    _, job_id = _processing_row(
        db, settings, team.project_id, job_status=JobStatus.running, heartbeat_at=utcnow()
    )
    listed = client.get(f"/api/v1/jobs?project_id={team.project_id}", headers=team.owner)
    assert listed.status_code == 200 and listed.json()["total"] == 0
    one = client.get(f"/api/v1/jobs/{job_id}", headers=team.owner)
    assert one.status_code == 404 and one.json()["error"]["code"] == "job_not_found"


def test_a_live_claim_is_not_taken_twice(
    client: TestClient, team: Team, settings: Settings, db: Database
) -> None:
    dataset_id, job_id = _processing_row(
        db,
        settings,
        team.project_id,
        job_status=JobStatus.running,
        heartbeat_at=utcnow(),
        attempts=1,
        worker="elsewhere:1:1",
    )
    assert run_job(_engine(client), job_id) == "skipped"
    with db.session_scope() as session:
        job = session.get(TrainingJob, job_id)
        assert job is not None and job.status == JobStatus.running and job.attempts == 1
        row = session.get(Dataset, dataset_id)
        assert row is not None and row.status == DatasetStatus.processing


def test_reaper_retries_a_conversion_whose_worker_died(
    client: TestClient, team: Team, settings: Settings, db: Database
) -> None:
    dataset_id, job_id = _processing_row(
        db,
        settings,
        team.project_id,
        job_status=JobStatus.running,
        heartbeat_at=utcnow() - timedelta(minutes=10),
        attempts=1,
        worker="gone-host:1:1",
    )
    counts = reap(_engine(client))
    assert counts["requeued"] == 1
    assert _wait(client, team.viewer, str(dataset_id))["row_count"] == 50
    assert _statuses(db, job_id) == ["queued", "running", "succeeded"]


def test_reaper_fails_a_conversion_after_the_last_attempt(
    client: TestClient, team: Team, settings: Settings, db: Database
) -> None:
    engine = _engine(client)
    dataset_id, _ = _processing_row(
        db,
        settings,
        team.project_id,
        job_status=JobStatus.running,
        heartbeat_at=utcnow() - timedelta(minutes=10),
        attempts=engine.job_settings.max_attempts,
        worker="gone-host:1:1",
    )
    assert reap(engine)["failed"] == 1
    with db.session_scope() as session:
        row = session.get(Dataset, dataset_id)
        assert row is not None and row.status == DatasetStatus.failed
        assert row.error is not None and row.error["code"] == "conversion_interrupted"
    assert not dataset_dir(settings, uuid.UUID(team.project_id), dataset_id).exists()


def _own_engine(settings: Settings, job_settings: JobSettings) -> JobEngine:
    """An engine of this test's own (its own database handle, runner threads and reaper)."""
    local = settings.model_copy(update={"job_backend": "local"})
    return build_engine(local, Database(local.sqlalchemy_url), job_kinds(local), job_settings)


def test_a_crashed_conversion_process_fails_the_dataset_with_a_reason(
    team: Team, settings: Settings, db: Database
) -> None:
    dataset_id, job_id = _processing_row(
        db, settings, team.project_id, job_status=JobStatus.queued, max_attempts=1
    )
    engine = _own_engine(settings, JobSettings(python="/bin/false"))  # exits 1, no result
    assert run_job(engine, job_id) == "failed"
    with db.session_scope() as session:
        row = session.get(Dataset, dataset_id)
        assert row is not None and row.error is not None
        assert row.error["code"] == "conversion_crashed"
        assert "exit status 1" in row.error["message"]


def test_a_conversion_killed_midway_is_retried(
    team: Team, settings: Settings, db: Database, tmp_path: Path
) -> None:
    started = tmp_path / "first-attempt-started"
    python = tmp_path / "python.sh"
    engine = _own_engine(settings, JobSettings(python=str(python), heartbeat_seconds=0.2))
    engine.start()
    try:
        dataset_id, job_id = _processing_row(
            db, settings, team.project_id, job_status=JobStatus.queued
        )
        # The first attempt waits before converting, to be killed; while the retry runs, the
        # first attempt's output folder comes back, as a late write of a lost attempt does.
        late = dataset_dir(settings, uuid.UUID(team.project_id), dataset_id) / ".work-1"
        python.write_text(
            f'#!/bin/sh\nif [ ! -e "{started}" ]; then touch "{started}"; sleep 120;\n'
            f'else mkdir -p "{late}"; echo partial > "{late}/data.parquet"; fi\n'
            f'exec "{sys.executable}" "$@"\n'
        )
        python.chmod(0o755)
        assert engine.send_now(job_id, CONVERT_DATASET)
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        os.killpg(_pid_running(python), signal.SIGKILL)
        deadline = time.monotonic() + 120
        while _statuses(db, job_id)[-1:] != ["succeeded"] and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        engine.stop()
        engine.db.dispose()
    assert _statuses(db, job_id) == ["running", "queued", "running", "succeeded"]
    with db.session_scope() as session:
        row = session.get(Dataset, dataset_id)
        assert row is not None and row.status == DatasetStatus.ready and row.row_count == 50
        job = session.get(TrainingJob, job_id)
        assert job is not None and job.attempts == 2
    assert not late.exists()
    assert _files(late.parent) == ["data.parquet", "original.csv"]


def _pid_running(script: Path) -> int:
    """The pid of the process running `script`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if str(script).encode() in cmdline:
                    return int(entry.name)
        time.sleep(0.1)
    raise AssertionError(f"no process runs {script}")


def test_a_dataset_deleted_before_conversion_is_not_converted(
    client: TestClient, team: Team, settings: Settings, db: Database
) -> None:
    dataset_id, job_id = _processing_row(db, settings, team.project_id, job_status=JobStatus.queued)
    deleted = client.delete(f"/api/v1/datasets/{dataset_id}", headers=team.editor)
    assert deleted.status_code == 204
    assert run_job(_engine(client), job_id) == "skipped"
    with db.session_scope() as session:
        job = session.get(TrainingJob, job_id)
        assert job is not None and job.status == JobStatus.failed
        assert job.error_code == "dataset_gone"
    assert not dataset_dir(settings, uuid.UUID(team.project_id), dataset_id).exists()


def test_stale_upload_staging_folders_are_removed(settings: Settings) -> None:
    old, fresh = tmp_root(settings) / "old-upload", tmp_root(settings) / "fresh-upload"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "upload.bin").write_bytes(b"partial")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert sweep_staging(settings, max_age=600) == 1
    assert not old.exists() and fresh.exists()
    fresh.joinpath("upload.bin").unlink()
    fresh.rmdir()
