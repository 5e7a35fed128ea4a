"""Celery + Redis only (PostgreSQL pass): redelivery after the visibility timeout, a worker
killed mid-queue, and the WebSocket on a second API replica while the worker publishes."""

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import redis as redis_lib
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer
from websockets.sync.client import connect

from app.datasets.conversion_job import CONVERT_DATASET
from app.db.models import User
from app.db.session import Database
from app.engine.celery_send import CelerySender
from app.engine.config import JobSettings
from app.engine.context import JobEngine
from app.engine.reaper import reap
from app.engine.runner import job_dir
from app.job_kinds import job_kinds
from app.labeling.label_job import LABEL
from app.training.train_job import TRAIN
from tests.conftest import TEST_SECRET, login, make_settings
from tests.jobs.conftest import (
    BACKEND_DIR,
    JOBS_REDIS_URL,
    USE_CELERY,
    Worker,
    _job_env,
    personal_project,
    wait_for_job,
)
from tests.jobs.test_engine import statuses, submit

pytestmark = pytest.mark.skipif(not USE_CELERY, reason="Celery tests run in the PostgreSQL pass")
REPLICA_PORT = 17011


@pytest.fixture
def owner(jobs_client: TestClient, make_user: Callable[..., User]) -> dict[str, str]:
    """Headers of a member with a personal project."""
    make_user("celery_bob")
    return login(jobs_client, "celery_bob")


@pytest.fixture
def cancer() -> pd.DataFrame:
    """breast_cancer as a frame."""
    return load_breast_cancer(as_frame=True).frame


def _attempt_headers(jobs_client: TestClient, job_id: str) -> int:
    log = job_dir(jobs_client.app.state.settings, uuid.UUID(job_id)) / "train.log"
    return log.read_text().count("---- attempt")


def test_job_longer_than_the_visibility_timeout_trains_once(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
    celery_worker: Worker,
    job_settings: JobSettings,
) -> None:
    project = personal_project(jobs_client, owner)
    params = {
        "n_estimators": 10000,  # long enough to outlast the 3 s visibility timeout
        "learning_rate": 0.001,  # small steps: trees keep finding splits to the last round
        "early_stopping_rounds": 0,
        "num_threads": 1,
    }
    job = submit(jobs_client, owner, project, add_dataset(project, cancer), params)
    done = wait_for_job(jobs_client, owner, job["id"])
    assert done["status"] == "succeeded"
    assert done["duration_seconds"] > job_settings.visibility_timeout + 1
    assert f"job {job['id']} not claimed" in celery_worker.log(), "message was not redelivered"
    assert done["attempts"] == 1
    assert statuses(jobs_db, job["id"]) == ["running", "succeeded"]
    assert _attempt_headers(jobs_client, job["id"]) == 1


def test_worker_killed_mid_queue_loses_no_job(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
    celery_worker: Worker,
    jobs_engine: JobEngine,
) -> None:
    project = personal_project(jobs_client, owner)
    dataset = add_dataset(project, cancer)
    slow = {
        "n_estimators": 20000,
        "learning_rate": 0.001,
        "early_stopping_rounds": 0,
        "checkpoint_every": 200,
        "num_threads": 1,
    }
    running = submit(jobs_client, owner, project, dataset, slow)
    wait_for_job(jobs_client, owner, running["id"], lambda j: (j["step"] or 0) > 250, 60)
    waiting = [submit(jobs_client, owner, project, dataset) for _ in range(3)]
    celery_worker.kill()
    celery_worker.start()
    ids = [running["id"], *(job["id"] for job in waiting)]
    cancelled = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        reap(jobs_engine)  # what the reaper in Celery beat does every few seconds
        jobs = [jobs_client.get(f"/api/v1/jobs/{i}", headers=owner).json() for i in ids]
        if jobs[0]["attempts"] == 2 and jobs[0]["status"] == "running" and not cancelled:
            jobs_client.post(f"/api/v1/jobs/{running['id']}/cancel", headers=owner)
            cancelled = True
        if all(job["status"] in ("succeeded", "cancelled", "failed") for job in jobs):
            break
        time.sleep(0.5)
    assert [job["status"] for job in jobs] == ["cancelled", "succeeded", "succeeded", "succeeded"]
    assert jobs[0]["attempts"] == 2
    assert statuses(jobs_db, running["id"])[:3] == ["running", "queued", "running"]


@pytest.fixture
def second_replica(
    database_url: str,
    storage_root: object,
    job_settings: JobSettings,
    tmp_path: object,
) -> Iterator[str]:
    """A second API process (uvicorn) on the same database and Redis."""
    env = {
        **os.environ,
        **_job_env(job_settings),
        "DATABASE_URL": database_url,
        "REDIS_URL": JOBS_REDIS_URL,
        "JOB_BACKEND": "celery",
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "SERVE_FRONTEND": "false",
        "DATA_STORAGE_PATH": str(storage_root) + "/datasets",
        "MODEL_STORAGE_PATH": str(storage_root) + "/models",
        "LOG_DIR": str(storage_root) + "/replica-logs",
        "PYTHONPATH": str(BACKEND_DIR),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(REPLICA_PORT),
            "--log-level",
            "warning",
        ],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", REPLICA_PORT), timeout=0.5).close()
                break
            except OSError:
                assert process.poll() is None, "replica exited"
                time.sleep(0.2)
        yield f"ws://127.0.0.1:{REPLICA_PORT}"
    finally:
        process.terminate()
        process.wait(15)


def test_websocket_on_another_replica_follows_a_celery_job(
    jobs_client: TestClient,
    owner: dict[str, str],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    second_replica: str,
) -> None:
    project = personal_project(jobs_client, owner)
    job = submit(
        jobs_client,
        owner,
        project,
        add_dataset(project, cancer),
        {"n_estimators": 300, "learning_rate": 0.05, "early_stopping_rounds": 0},
    )
    token = owner["Authorization"].removeprefix("Bearer ")
    seen: list[dict] = []
    with connect(f"{second_replica}/ws/jobs/{job['id']}", open_timeout=10) as websocket:
        websocket.send(json.dumps({"token": token}))
        snapshot = json.loads(websocket.recv(timeout=10))
        assert snapshot["type"] == "snapshot" and snapshot["job"]["id"] == job["id"]
        for _ in range(5000):
            event = json.loads(websocket.recv(timeout=60))
            seen.append(event)
            if event["type"] == "status" and event["data"]["status"] == "succeeded":
                break
    kinds = {e["type"] for e in seen}
    assert {"status", "progress", "metrics"} <= kinds
    stored = jobs_client.get(f"/api/v1/jobs/{job['id']}/events?limit=1000", headers=owner).json()[
        "items"
    ]
    assert [e["id"] for e in seen if "id" in e] == [e["id"] for e in stored]


def _sent_ids(broker: redis_lib.Redis, queue: str) -> list[str]:
    """The job ids of the `run_job` messages waiting in a Celery queue of the broker."""
    ids = []
    for raw in broker.lrange(queue, 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.append(args[0])
    return ids


def test_each_kind_is_sent_to_its_queue_and_a_label_job_to_the_labeling_queue(
    database_url: str, storage_root: Path, job_settings: JobSettings
) -> None:
    uid = uuid.uuid4().hex[:8]
    unconsumed = job_settings.model_copy(
        update={
            "training_queue": f"t-{uid}",
            "default_queue": f"d-{uid}",
            "labeling_queue": f"l-{uid}",
        }
    )
    settings = make_settings(
        database_url, storage_root, job_backend="celery", redis_url=JOBS_REDIS_URL
    )
    kinds = job_kinds(settings)
    sender = CelerySender(settings, unconsumed)
    sent = {kind: str(uuid.uuid4()) for kind in (TRAIN, CONVERT_DATASET, LABEL)}
    broker = redis_lib.Redis.from_url(JOBS_REDIS_URL)
    try:
        for kind, job_id in sent.items():
            sender.send(uuid.UUID(job_id), kinds.get(kind).queue)
        assert _sent_ids(broker, unconsumed.labeling_queue) == [sent[LABEL]]
        assert _sent_ids(broker, unconsumed.default_queue) == [sent[CONVERT_DATASET]]
        assert _sent_ids(broker, unconsumed.training_queue) == [sent[TRAIN]]
    finally:
        broker.delete(*unconsumed.queue_names().values())
        broker.close()
        sender.celery.close()
