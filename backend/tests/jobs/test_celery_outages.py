"""Celery + Redis only (PostgreSQL pass): the reaper in beat with every worker stopped, a
backlog behind a stopped worker, and the API started while Redis is down."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import redis as redis_lib
from fastapi import WebSocketDisconnect
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer
from sqlalchemy import select

from app.db.base import utcnow
from app.db.models import JobEvent, ModelVersion, TrainingJob, User
from app.db.session import Database
from app.engine.config import JobSettings
from app.engine.context import JobEngine
from app.engine.reaper import reap
from app.main import create_app
from tests.conftest import TEST_SECRET, login, make_settings
from tests.jobs.conftest import BACKEND_DIR, JOBS_REDIS_URL, USE_CELERY, Worker, _job_env
from tests.jobs.sleep_kind import SLEEP, SleepHandler
from tests.jobs.test_engine import statuses, submit
from tests.jobs.test_kinds import job_row, submit_sleep, wait_row

pytestmark = pytest.mark.skipif(not USE_CELERY, reason="Celery tests run in the PostgreSQL pass")


def _env(database_url: str, storage_root: Path, job_settings: JobSettings, redis_url: str) -> dict:
    return {
        **os.environ,
        **_job_env(job_settings),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "JOB_BACKEND": "celery",
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "DATA_STORAGE_PATH": str(storage_root / "datasets"),
        "MODEL_STORAGE_PATH": str(storage_root / "models"),
        "LOG_DIR": str(storage_root / "worker-logs"),
        "PYTHONPATH": str(BACKEND_DIR),
    }


@pytest.fixture
def beat(
    database_url: str, storage_root: Path, job_settings: JobSettings, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """`celery beat` with the test kinds: the reaper runs in its process."""
    log = (tmp_path / "beat.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.jobs.celery_app",
            "beat",
            "-l",
            "info",
            f"--schedule={tmp_path / 'beat-schedule'}",
        ],
        cwd=BACKEND_DIR,
        env=_env(database_url, storage_root, job_settings, JOBS_REDIS_URL),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(15)


def _orphan(db: Database, project_id: uuid.UUID, tmp: Path, attempts: int) -> uuid.UUID:
    """A running sleep job whose worker is gone (its heartbeat is about to go stale)."""
    with db.session_scope() as session:
        job = TrainingJob(
            kind=SLEEP,
            project_id=project_id,
            name="orphan",
            task_type="",
            trainer="",
            payload={"steps": 3, "step_seconds": 0.05, "notes_dir": str(tmp)},
            status="running",
            attempts=attempts,
            max_attempts=2,
            worker="gone-host:1:1",
            started_at=utcnow(),
            heartbeat_at=utcnow(),
        )
        session.add(job)
        session.flush()
        return job.id


def _left_running_at(db: Database, job_id: uuid.UUID) -> timedelta:
    """How long after its last heartbeat the job's row left `running`."""
    with db.session_scope() as session:
        job = session.get(TrainingJob, job_id)
        event = session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.type == "status")
            .order_by(JobEvent.id)
        ).first()
        assert job is not None and job.heartbeat_at is not None and event is not None
        return event.created_at - job.heartbeat_at


def test_with_every_worker_stopped_beat_reaps_stale_jobs(
    jobs_engine: JobEngine,
    jobs_db: Database,
    project: uuid.UUID,
    celery_worker: Worker,
    job_settings: JobSettings,
    beat: subprocess.Popen[bytes],
    tmp_path: Path,
) -> None:
    celery_worker.stop()
    try:
        retried = _orphan(jobs_db, project, tmp_path / "a", attempts=1)
        spent = _orphan(jobs_db, project, tmp_path / "b", attempts=2)
        limit = job_settings.stale_after_seconds
        queued = wait_row(jobs_db, retried, lambda j: j["status"] != "running", 4 * limit)
        failed = wait_row(jobs_db, spent, lambda j: j["status"] != "running", 4 * limit)
        assert queued["status"] == "queued" and failed["status"] == "failed"
        assert failed["error_code"] == "worker_lost"
        for job_id in (retried, spent):
            assert _left_running_at(jobs_db, job_id) <= timedelta(seconds=2 * limit)
    finally:
        celery_worker.start()
    done = wait_row(jobs_db, retried)  # beat sent it; the restarted worker runs it
    assert done["status"] == "succeeded" and done["attempts"] == 2


def test_a_stopped_workers_backlog_is_resent_once_per_stale_period(
    jobs_engine: JobEngine,
    jobs_db: Database,
    project: uuid.UUID,
    celery_worker: Worker,
    job_settings: JobSettings,
    tmp_path: Path,
) -> None:
    broker = redis_lib.Redis.from_url(JOBS_REDIS_URL)
    celery_worker.stop()
    try:
        before = broker.llen(job_settings.training_queue)
        jobs = [submit_sleep(jobs_engine, project, tmp_path, 1, 0) for _ in range(3)]
        assert broker.llen(job_settings.training_queue) == before + 3
        assert all(job_row(jobs_db, job_id)["last_sent_at"] is not None for job_id in jobs)
        resent = 0
        deadline = time.monotonic() + 1.5 * job_settings.stale_after_seconds
        while time.monotonic() < deadline:
            resent += reap(jobs_engine)["resent"]
            time.sleep(job_settings.reaper_interval_seconds)
        assert resent == 3  # each job once, after its first send went stale
        assert broker.llen(job_settings.training_queue) == before + 6
    finally:
        celery_worker.start()
        broker.close()
    for job_id in jobs:
        done = wait_row(jobs_db, job_id)
        assert done["status"] == "succeeded" and done["attempts"] == 1


def _wait_for_redis(url: str) -> None:
    """Until the Redis server just started answers (bounded)."""
    client = redis_lib.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis_lib.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_api_started_with_redis_down_runs_the_job_once_redis_is_back(
    database_url: str,
    storage_root: Path,
    job_settings: JobSettings,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    own = job_settings.model_copy(
        update={
            "training_queue": f"t-{port}",
            "default_queue": f"d-{port}",
            "labeling_queue": f"l-{port}",
        }
    )
    app = create_app(make_settings(database_url, storage_root, job_backend="celery", redis_url=url))
    app.state.job_settings = own
    app.state.job_kinds.register(SleepHandler())
    server: subprocess.Popen[bytes] | None = None
    worker: Worker | None = None
    with TestClient(app) as client:
        make_user("offline_olga")
        headers = login(client, "offline_olga")
        project_id = client.get("/api/v1/projects", headers=headers).json()["items"][0]["id"]
        dataset = _cancer_dataset(app.state.db, app.state.settings, project_id)
        job = submit(client, headers, project_id, dataset)
        assert job["status"] == "queued"
        job_id = uuid.UUID(job["id"])
        assert job_row(app.state.db, job_id)["last_sent_at"] is None
        ready = client.get("/ready").json()
        assert ready["jobs"]["broker"].startswith("unreachable")
        token = headers["Authorization"].removeprefix("Bearer ")
        with client.websocket_connect(f"/ws/jobs/{job_id}") as websocket:
            websocket.send_json({"token": token})
            assert websocket.receive_json()["job"]["status"] == "queued"
            with pytest.raises(WebSocketDisconnect) as closed:
                websocket.receive_json()
        assert closed.value.code == 1013
        try:
            server = subprocess.Popen(
                ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
            _wait_for_redis(url)
            env = _env(database_url, storage_root, own, url)
            worker = Worker(env, own.training_queue, tmp_path / "worker.log")
            worker.start()
            engine: JobEngine = app.state.job_engine
            deadline = time.monotonic() + 120
            while job_row(app.state.db, job_id)["status"] in ("queued", "running"):
                assert time.monotonic() < deadline, job_row(app.state.db, job_id)
                reap(engine)  # what the reaper in beat does every interval
                time.sleep(own.reaper_interval_seconds)
            assert client.get("/ready").json()["jobs"]["workers_alive"] == 1
        finally:
            if worker is not None:
                worker.stop()
            if server is not None:
                server.terminate()
                server.wait(10)
        done = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
    assert done["status"] == "succeeded" and done["attempts"] == 1
    assert statuses(app.state.db, str(job_id)) == ["running", "succeeded"]
    with app.state.db.session_scope() as session:
        versions = session.scalars(select(ModelVersion).where(ModelVersion.job_id == job_id))
        assert len(versions.all()) == 1


def _cancer_dataset(db: Database, settings: object, project_id: str) -> uuid.UUID:
    from app.datasets.storage import canonical_path
    from app.db.models import Dataset

    frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
    with db.session_scope() as session:
        dataset = Dataset(
            project_id=uuid.UUID(project_id),
            name="cancer",
            original_filename="cancer.csv",
            format="csv",
            size_bytes=0,
            sha256="0" * 64,
            row_count=len(frame),
            columns=[],
            profile={},
        )
        session.add(dataset)
        session.flush()
        path = canonical_path(settings, dataset.project_id, dataset.id)  # type: ignore[arg-type]
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path)
        return dataset.id
