"""The job engine on this pass's backend: train, cancel, duplicates, kill -9, lost workers."""

import os
import signal
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer
from sqlalchemy import select

from app.db.base import utcnow
from app.db.models import JobEvent, JobStatus, ModelVersion, TrainingJob, User
from app.db.session import Database
from app.engine.context import JobEngine
from app.engine.reaper import reap
from app.engine.runner import job_dir
from tests.conftest import login
from tests.jobs.conftest import USE_CELERY, personal_project, wait_for_job

RUNNERS = 2 if USE_CELERY else 1  # jobs that run at once: worker threads, or the local runner
LONG = {"n_estimators": 20000, "learning_rate": 0.001, "early_stopping_rounds": 0, "num_threads": 1}


@pytest.fixture
def cancer() -> pd.DataFrame:
    """breast_cancer as a frame (target 0/1)."""
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture
def owner(jobs_client: TestClient, make_user: Callable[..., User]) -> dict[str, str]:
    """Headers of a member who owns a personal project."""
    make_user("trainer_alice")
    return login(jobs_client, "trainer_alice")


def submit(
    client: TestClient,
    headers: dict[str, str],
    project_id: str,
    dataset_id: uuid.UUID,
    params: dict | None = None,
    **extra: object,
) -> dict:
    """POST /jobs for breast_cancer and return the created job."""
    body = {
        "project_id": project_id,
        "name": "cancer",
        "task_type": "tabular_classification",
        "dataset_id": str(dataset_id),
        "columns": {"target": "target"},
        "params": params or {"n_estimators": 20},
        **extra,
    }
    response = client.post("/api/v1/jobs", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def statuses(db: Database, job_id: str) -> list[str]:
    """The job's status events, in order."""
    with db.session_scope() as session:
        rows = session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == uuid.UUID(job_id), JobEvent.type == "status")
            .order_by(JobEvent.id)
        )
        return [row.data["status"] for row in rows]


def trainer_pid(job_id: str) -> int | None:
    """The pid of the job's trainer child (found through /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"app.trainers" in cmdline and any(job_id.encode() in part for part in cmdline):
            return int(entry.name)
    return None


def test_job_trains_and_registers_a_model(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
) -> None:
    project = personal_project(jobs_client, owner)
    job = submit(jobs_client, owner, project, add_dataset(project, cancer))
    assert job["status"] == "queued" and job["progress"] == 0
    done = wait_for_job(jobs_client, owner, job["id"])
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 1 and done["progress"] == 1.0 and done["duration_seconds"] > 0
    assert statuses(jobs_db, job["id"]) == ["running", "succeeded"]
    model = jobs_client.get(f"/api/v1/models/{done['model_version_id']}", headers=owner).json()
    assert model["metrics"]["accuracy"] > 0.85 and model["job_id"] == job["id"]
    metrics = jobs_client.get(f"/api/v1/jobs/{job['id']}/metrics", headers=owner).json()
    assert len(metrics["validation/binary_logloss"]) == 20
    assert "lightgbm" in model["library_versions"]
    assert not (job_dir(jobs_client.app.state.settings, uuid.UUID(job["id"])) / "output").exists()


def test_duplicate_dispatch_trains_once(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
    jobs_engine: JobEngine,
) -> None:
    project = personal_project(jobs_client, owner)
    job = submit(jobs_client, owner, project, add_dataset(project, cancer))
    for _ in range(2):
        assert jobs_engine.send_now(uuid.UUID(job["id"]), "train")
    done = wait_for_job(jobs_client, owner, job["id"])
    time.sleep(1)
    assert done["status"] == "succeeded" and done["attempts"] == 1
    assert statuses(jobs_db, job["id"]) == ["running", "succeeded"]
    with jobs_db.session_scope() as session:
        versions = session.scalars(
            select(ModelVersion).where(ModelVersion.job_id == uuid.UUID(job["id"]))
        ).all()
        assert len(versions) == 1


def test_cancel_during_training_stops_and_removes_partial_output(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
) -> None:
    project = personal_project(jobs_client, owner)
    job = submit(jobs_client, owner, project, add_dataset(project, cancer), LONG)
    wait_for_job(jobs_client, owner, job["id"], lambda j: j["progress"] > 0.06, timeout=60)
    response = jobs_client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=owner)
    assert response.status_code == 200 and response.json()["status"] == "cancelling"
    done = wait_for_job(jobs_client, owner, job["id"], timeout=60)
    assert done["status"] == "cancelled" and done["model_version_id"] is None
    assert statuses(jobs_db, job["id"]) == ["running", "cancelling", "cancelled"]
    assert trainer_pid(job["id"]) is None
    work = job_dir(jobs_client.app.state.settings, uuid.UUID(job["id"]))
    assert not (work / "output").exists()
    again = jobs_client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=owner)
    assert again.status_code == 409


def test_cancel_queued_job_is_immediate_and_retry_requeues(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
) -> None:
    project = personal_project(jobs_client, owner)
    dataset = add_dataset(project, cancer)
    blockers = [submit(jobs_client, owner, project, dataset, LONG) for _ in range(RUNNERS)]
    queued = submit(jobs_client, owner, project, dataset)
    for blocker in blockers:
        wait_for_job(jobs_client, owner, blocker["id"], lambda j: j["status"] == "running")
    response = jobs_client.post(f"/api/v1/jobs/{queued['id']}/cancel", headers=owner)
    assert response.json()["status"] == "cancelled"
    for blocker in blockers:
        jobs_client.post(f"/api/v1/jobs/{blocker['id']}/cancel", headers=owner)
        wait_for_job(jobs_client, owner, blocker["id"], timeout=60)
    retried = jobs_client.post(f"/api/v1/jobs/{queued['id']}/retry", headers=owner).json()
    assert retried["status"] == "queued" and retried["attempts"] == 0
    assert wait_for_job(jobs_client, owner, queued["id"])["status"] == "succeeded"
    assert statuses(jobs_db, queued["id"]) == ["cancelled", "queued", "running", "succeeded"]


def test_kill_nine_of_the_trainer_retries_from_the_checkpoint(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
) -> None:
    project = personal_project(jobs_client, owner)
    params = {
        "n_estimators": 1500,
        "learning_rate": 0.01,
        "early_stopping_rounds": 0,
        "checkpoint_every": 100,
        "num_threads": 1,
    }
    job = submit(jobs_client, owner, project, add_dataset(project, cancer), params)
    wait_for_job(jobs_client, owner, job["id"], lambda j: (j["step"] or 0) > 300, timeout=60)
    pid = trainer_pid(job["id"])
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    done = wait_for_job(jobs_client, owner, job["id"])
    assert done["status"] == "succeeded" and done["attempts"] == 2, done["error"]
    with jobs_db.session_scope() as session:
        reasons = [
            e.data.get("reason", "")
            for e in session.scalars(
                select(JobEvent).where(
                    JobEvent.job_id == uuid.UUID(job["id"]), JobEvent.type == "status"
                )
            )
        ]
    assert any("killed by signal SIGKILL" in reason for reason in reasons)
    logs = jobs_client.get(f"/api/v1/jobs/{job['id']}/logs?lines=1000", headers=owner).json()
    assert any("resuming from checkpoint" in line for line in logs["lines"])


def test_kill_nine_with_no_attempts_left_fails_with_the_reason(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
) -> None:
    project = personal_project(jobs_client, owner)
    job = submit(jobs_client, owner, project, add_dataset(project, cancer), LONG, max_attempts=1)
    wait_for_job(jobs_client, owner, job["id"], lambda j: j["progress"] > 0.06, timeout=60)
    os.kill(trainer_pid(job["id"]) or 0, signal.SIGKILL)
    done = wait_for_job(jobs_client, owner, job["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "trainer_crashed"
    assert "killed by signal SIGKILL after 1 attempt" in done["error"]["message"]


def test_reaper_requeues_a_job_whose_worker_went_silent(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
    jobs_engine: JobEngine,
) -> None:
    project = personal_project(jobs_client, owner)
    dataset = add_dataset(project, cancer)
    with jobs_db.session_scope() as session:
        lost = TrainingJob(
            project_id=uuid.UUID(project),
            name="orphan",
            task_type="tabular_classification",
            trainer="lightgbm",
            dataset_id=dataset,
            columns={"target": "target"},
            params={"n_estimators": 10},
            status=JobStatus.running,
            attempts=1,
            worker="gone-host:1:1",
            started_at=utcnow(),
            heartbeat_at=utcnow() - timedelta(seconds=600),
        )
        session.add(lost)
        session.flush()
        job_id = str(lost.id)
    reap(jobs_engine)
    done = wait_for_job(jobs_client, owner, job_id)
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert statuses(jobs_db, job_id) == ["queued", "running", "succeeded"]


def test_reaper_fails_a_silent_job_without_attempts_left(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
    jobs_engine: JobEngine,
) -> None:
    project = personal_project(jobs_client, owner)
    dataset = add_dataset(project, cancer)
    with jobs_db.session_scope() as session:
        lost = TrainingJob(
            project_id=uuid.UUID(project),
            name="orphan",
            task_type="tabular_classification",
            trainer="lightgbm",
            dataset_id=dataset,
            columns={"target": "target"},
            status=JobStatus.running,
            attempts=2,
            worker="gone-host:1:1",
            heartbeat_at=utcnow() - timedelta(seconds=600),
        )
        session.add(lost)
        session.flush()
        job_id = lost.id
    reap(jobs_engine)
    with jobs_db.session_scope() as session:
        job = session.get(TrainingJob, job_id)
        assert job is not None and job.status == JobStatus.failed
        assert job.error_code == "worker_lost" and "heartbeats" in (job.error_message or "")


def test_illegal_transitions_are_impossible(jobs_db: Database) -> None:
    from app.engine.states import IllegalTransitionError, transition

    with jobs_db.session_scope() as session, pytest.raises(IllegalTransitionError):
        transition(session, uuid.uuid4(), JobStatus.succeeded, JobStatus.running)
    with jobs_db.session_scope() as session:
        assert not transition(session, uuid.uuid4(), JobStatus.queued, JobStatus.running)
