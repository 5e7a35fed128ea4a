"""/metrics job gauges: jobs by state, duration histogram, heartbeat ages, queue depth."""

import uuid
from collections.abc import Callable
from datetime import timedelta

import redis as redis_lib
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.api.ops_metrics import read_queue_depth, take_snapshot
from app.core.config import Settings
from app.db.base import utcnow
from app.db.models import User
from app.db.models.job import JobStatus, TrainingJob
from app.db.models.project import Project
from app.db.session import Database
from app.engine.config import JobSettings
from tests.conftest import make_settings


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _job(project_id: uuid.UUID, status: JobStatus, task_type: str, **times: object) -> TrainingJob:
    return TrainingJob(
        project_id=project_id,
        name=f"{status}-{task_type}",
        task_type=task_type,
        trainer="lightgbm",
        status=status,
        **times,
    )


def _add_jobs(db: Database, make_user: Callable[..., User]) -> None:
    make_user("metrics_owner")
    now = utcnow()
    with db.session_scope() as session:
        project_id = session.scalars(select(Project.id)).first()
        assert project_id is not None
        session.add_all(
            [
                _job(project_id, JobStatus.queued, "tabular_classification"),
                _job(project_id, JobStatus.queued, "tabular_classification"),
                _job(
                    project_id,
                    JobStatus.running,
                    "text_classification",
                    started_at=now - timedelta(minutes=5),
                    heartbeat_at=now - timedelta(seconds=30),
                ),
                _job(
                    project_id,
                    JobStatus.running,
                    "tabular_classification",
                    started_at=now - timedelta(minutes=5),
                    heartbeat_at=now - timedelta(seconds=300),
                ),
                _job(
                    project_id,
                    JobStatus.succeeded,
                    "tabular_classification",
                    started_at=now - timedelta(seconds=110),
                    finished_at=now - timedelta(seconds=100),
                ),
                _job(
                    project_id,
                    JobStatus.failed,
                    "tabular_classification",
                    started_at=now - timedelta(seconds=400),
                    finished_at=now - timedelta(seconds=200),
                ),
                _job(project_id, JobStatus.cancelled, "text_classification"),
            ]
        )


def test_metrics_expose_job_gauges(
    client: TestClient, db: Database, make_user: Callable[..., User]
) -> None:
    _add_jobs(db, make_user)
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = _samples(response.text)
    by_state = {state: samples[("training_jobs", (("state", state),))] for state in JobStatus}
    assert by_state == {
        "queued": 2,
        "running": 2,
        "cancelling": 0,
        "succeeded": 1,
        "failed": 1,
        "cancelled": 1,
    }
    tabular = (("task_type", "tabular_classification"),)
    assert samples[("training_job_duration_seconds_count", tabular)] == 2
    assert abs(samples[("training_job_duration_seconds_sum", tabular)] - 210) < 1
    assert samples[("training_job_duration_seconds_bucket", (("le", "15.0"), *tabular))] == 1
    assert samples[("training_job_duration_seconds_bucket", (("le", "300.0"), *tabular))] == 2
    # A cancelled job that never started has no duration.
    assert (
        "training_job_duration_seconds_count",
        (("task_type", "text_classification"),),
    ) not in samples
    assert 30 <= samples[("job_worker_newest_heartbeat_age_seconds", ())] < 120
    assert 300 <= samples[("job_worker_oldest_heartbeat_age_seconds", ())] < 400
    assert samples[("training_ops_metrics_up", ())] == 1
    # Defined for the upload and prediction code paths (they increment/observe them).
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"uploaded_bytes", "prediction_duration_seconds"} <= names


def test_no_running_job_means_no_heartbeat_sample(client: TestClient) -> None:
    samples = _samples(client.get("/metrics").text)
    assert ("job_worker_newest_heartbeat_age_seconds", ()) not in samples
    assert samples[("training_jobs", (("state", "running"),))] == 0


def test_queue_depth_counts_every_priority_list(redis_url: str) -> None:
    uid = uuid.uuid4().hex[:8]
    jobs = JobSettings(
        training_queue=f"tp_test_training_{uid}",
        default_queue=f"tp_test_default_{uid}",
        labeling_queue=f"tp_test_labeling_{uid}",
    )
    client = redis_lib.Redis.from_url(redis_url)
    try:
        client.rpush(jobs.training_queue, "a", "b", "c")
        client.rpush(f"{jobs.training_queue}\x06\x169", "urgent")
        client.rpush(jobs.default_queue, "x")
        client.rpush(jobs.labeling_queue, "y", "z")
        assert read_queue_depth(redis_url, jobs) == {
            jobs.training_queue: 4,
            jobs.default_queue: 1,
            jobs.labeling_queue: 2,
        }
    finally:
        client.delete(
            jobs.training_queue,
            f"{jobs.training_queue}\x06\x169",
            jobs.default_queue,
            jobs.labeling_queue,
        )
        client.close()


def test_snapshot_survives_an_unreachable_broker(settings: Settings, db: Database) -> None:
    broken = make_settings(
        settings.database_url,
        settings.data_storage_path.parent,
        redis_url="redis://127.0.0.1:18999/0",
        job_backend="celery",
    )
    snapshot = take_snapshot(db, broken)
    assert snapshot.up is False
    assert snapshot.jobs_by_state["queued"] == 0
