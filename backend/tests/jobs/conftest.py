"""Job engine fixtures: SQLite pass → embedded runner; PostgreSQL pass → a real Celery worker.

The worker is a `celery -A app.celery worker` subprocess on Redis db 11 with queue names and
an event prefix unique to this test session, a 3 s visibility timeout and fast heartbeats.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import redis as redis_lib
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.datasets.storage import canonical_path
from app.db.models import Dataset, ProjectMember, User
from app.db.session import Database
from app.engine.config import JobSettings
from app.engine.context import JobEngine
from app.main import create_app
from tests.conftest import TEST_DATABASE, TEST_SECRET, make_settings
from tests.jobs.sleep_kind import DefaultQueueSleepHandler, SleepHandler

BACKEND_DIR = Path(__file__).resolve().parents[2]
JOBS_REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/11")
USE_CELERY = TEST_DATABASE == "postgresql"
FINISHED = ("succeeded", "failed", "cancelled")


@pytest.fixture(scope="session")
def job_settings() -> JobSettings:
    """Fast timings and names unique to this session (parallel runs don't collide)."""
    uid = uuid.uuid4().hex[:8]
    return JobSettings(
        heartbeat_seconds=0.3,
        stale_after_seconds=10,
        reaper_interval_seconds=0.5,
        cancel_grace_seconds=3,
        max_attempts=2,
        visibility_timeout=3,
        restore_interval=1,
        training_queue=f"training-{uid}",
        default_queue=f"default-{uid}",
        labeling_queue=f"labeling-{uid}",
        events_prefix=f"tp-test-{uid}",
    )


def _job_env(job_settings: JobSettings) -> dict[str, str]:
    values = job_settings.model_dump()
    return {f"JOB_{k.upper()}": str(v) for k, v in values.items() if k != "python"}


class Worker:
    """A real Celery worker subprocess that can be killed and started again."""

    def __init__(self, env: dict[str, str], queues: str, log_path: Path) -> None:
        self.env = env
        self.queues = queues
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait (bounded) until it reports ready."""
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.jobs.celery_app",
                "worker",
                "-Q",
                self.queues,
                "--pool=threads",
                "--concurrency=2",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"w{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=BACKEND_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            if " ready." in text:
                return
            assert self.process.poll() is None, text[-3000:]
            time.sleep(0.2)
        raise AssertionError("celery worker did not become ready in 60 s")

    def kill(self) -> None:
        """SIGKILL the worker (its trainer children die on their broken pipe)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Stop it (warm shutdown, then kill)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        """Everything it logged."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def celery_worker(
    database_url: str,
    storage_root: Path,
    job_settings: JobSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Worker | None]:
    """The session's Celery worker (PostgreSQL pass only)."""
    if not USE_CELERY:
        yield None
        return
    try:
        redis_lib.Redis.from_url(JOBS_REDIS_URL, socket_connect_timeout=2).ping()
    except redis_lib.RedisError as exc:
        pytest.fail(f"the Celery job tests need Redis at {JOBS_REDIS_URL}: {exc}")
    env = {
        **os.environ,
        **_job_env(job_settings),
        "DATABASE_URL": database_url,
        "REDIS_URL": JOBS_REDIS_URL,
        "JOB_BACKEND": "celery",
        "ENVIRONMENT": "test",
        "LLM_PROVIDER_ALLOWED_HOSTS": "127.0.0.1",  # the tests' teacher servers
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "DATA_STORAGE_PATH": str(storage_root / "datasets"),
        "MODEL_STORAGE_PATH": str(storage_root / "models"),
        "LOG_DIR": str(storage_root / "worker-logs"),
        "PYTHONPATH": str(BACKEND_DIR),
    }
    queues = ",".join(job_settings.queue_names().values())
    worker = Worker(env, queues, tmp_path_factory.mktemp("celery") / "worker.log")
    worker.start()
    yield worker
    worker.stop()
    client = redis_lib.Redis.from_url(JOBS_REDIS_URL)
    client.delete(*job_settings.queue_names().values())
    client.close()


@pytest.fixture(scope="session")
def jobs_app(
    database_url: str,
    storage_root: Path,
    job_settings: JobSettings,
    celery_worker: Worker | None,
) -> FastAPI:
    """The app under test with the session's job backend."""
    overrides: dict[str, Any] = {"job_backend": "local"}
    if USE_CELERY:
        overrides = {"job_backend": "celery", "redis_url": JOBS_REDIS_URL}
    application = create_app(make_settings(database_url, storage_root, **overrides))
    application.state.job_settings = job_settings
    application.state.job_kinds.register(SleepHandler())
    application.state.job_kinds.register(DefaultQueueSleepHandler())
    return application


@pytest.fixture
def jobs_client(jobs_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client running the jobs app's lifespan (engine started)."""
    with TestClient(jobs_app) as test_client:
        yield test_client


@pytest.fixture
def jobs_engine(jobs_client: TestClient) -> JobEngine:
    """The job engine the app's lifespan built."""
    engine: JobEngine = jobs_client.app.state.job_engine  # type: ignore[attr-defined]
    return engine


@pytest.fixture
def jobs_db(jobs_app: FastAPI) -> Database:
    """The jobs app's database handle."""
    database: Database = jobs_app.state.db
    return database


@pytest.fixture
def add_dataset(jobs_app: FastAPI, jobs_db: Database) -> Callable[..., uuid.UUID]:
    """Store a frame as a dataset (canonical Parquet + row) for engine-level tests."""

    def factory(project_id: str, frame: pd.DataFrame, name: str = "table") -> uuid.UUID:
        with jobs_db.session_scope() as session:
            dataset = Dataset(
                project_id=uuid.UUID(project_id),
                name=name,
                original_filename=f"{name}.csv",
                format="csv",
                size_bytes=0,
                sha256="0" * 64,
                row_count=len(frame),
                columns=[],
                profile={},
            )
            session.add(dataset)
            session.flush()
            path = canonical_path(jobs_app.state.settings, dataset.project_id, dataset.id)
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(path)
            return dataset.id

    return factory


@pytest.fixture
def project(jobs_db: Database, make_user: Callable[..., User]) -> uuid.UUID:
    """A project to hold the jobs (the user's personal project)."""
    user = make_user("sleeper")
    with jobs_db.session_scope() as session:
        member = session.scalars(
            select(ProjectMember).where(ProjectMember.user_id == user.id)
        ).first()
        assert member is not None
        return member.project_id


def wait_for_job(
    client: TestClient,
    headers: dict[str, str],
    job_id: str,
    until: Callable[[dict[str, Any]], bool] = lambda job: job["status"] in FINISHED,
    timeout: float = 120,
) -> dict[str, Any]:
    """Poll the job (bounded) until `until(job)`; fail with its state otherwise."""
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job did not reach the expected state in {timeout}s: {job}")


def personal_project(client: TestClient, headers: dict[str, str]) -> str:
    """The caller's first project id."""
    return client.get("/api/v1/projects", headers=headers).json()["items"][0]["id"]
