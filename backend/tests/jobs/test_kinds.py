"""A job kind only the tests register runs through the engine on this pass's backend: claim,
heartbeats, kill -9 and requeue, cancel (local runner on SQLite, a Celery worker on PostgreSQL)."""

import os
import signal
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models import JobEvent, JobStatus, TrainingJob
from app.db.session import Database
from app.engine.context import JobEngine
from app.engine.control import request_cancel
from tests.jobs.sleep_kind import OUTCOMES, SLEEP, SLEEP_DEFAULT

FINISHED = ("succeeded", "failed", "cancelled")


def submit_sleep(
    engine: JobEngine,
    project_id: uuid.UUID,
    notes: Path,
    steps: int,
    step_seconds: float,
    kind: str = SLEEP,
    **extra: Any,
) -> uuid.UUID:
    """Queue a sleep job (sent once committed)."""
    with engine.db.session_scope() as session:
        job = TrainingJob(
            kind=kind,
            project_id=project_id,
            name="sleep",
            task_type="",
            trainer="",
            payload={
                "steps": steps,
                "step_seconds": step_seconds,
                "notes_dir": str(notes),
                **extra,
            },
            max_attempts=2,
        )
        engine.submit(session, job)
        return job.id


def job_row(db: Database, job_id: uuid.UUID) -> dict[str, Any]:
    """The job's columns, read fresh."""
    with db.session_scope() as session:
        job = session.get(TrainingJob, job_id)
        assert job is not None
        return {c.name: getattr(job, c.name) for c in TrainingJob.__table__.columns}


def wait_row(
    db: Database,
    job_id: uuid.UUID,
    until: Callable[[dict[str, Any]], bool] = lambda job: job["status"] in FINISHED,
    timeout: float = 120,
) -> dict[str, Any]:
    """Poll the row (bounded) until `until(row)`."""
    deadline = time.monotonic() + timeout
    row = job_row(db, job_id)
    while not until(row) and time.monotonic() < deadline:
        time.sleep(0.1)
        row = job_row(db, job_id)
    assert until(row), f"job did not reach the expected state in {timeout}s: {row}"
    return row


def status_events(db: Database, job_id: uuid.UUID) -> list[str]:
    """The job's status events, in order."""
    with db.session_scope() as session:
        rows = session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.type == "status")
            .order_by(JobEvent.id)
        )
        return [row.data["status"] for row in rows]


def child_pid(job_id: uuid.UUID) -> int | None:
    """The pid of the job's sleep child (found through /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"tests.jobs.sleep_child" in cmdline and any(str(job_id).encode() in p for p in cmdline):
            return int(entry.name)
    return None


def test_a_registered_kind_is_claimed_heartbeats_and_succeeds(
    jobs_engine: JobEngine, jobs_db: Database, project: uuid.UUID, tmp_path: Path
) -> None:
    job_id = submit_sleep(jobs_engine, project, tmp_path, steps=30, step_seconds=0.1)
    running = wait_row(jobs_db, job_id, lambda job: (job["step"] or 0) >= 2)
    later = wait_row(jobs_db, job_id, lambda job: job["heartbeat_at"] > running["heartbeat_at"])
    assert later["worker"] == running["worker"] is not None
    done = wait_row(jobs_db, job_id)
    assert done["status"] == "succeeded" and done["attempts"] == 1, done
    assert done["message"] == "slept 30 steps" and done["progress"] == 1.0
    assert status_events(jobs_db, job_id) == ["running", "succeeded"]
    assert (tmp_path / OUTCOMES).read_text() == "succeeded\n"


def test_each_job_records_the_cpu_seconds_of_its_own_child_while_another_runs(
    jobs_engine: JobEngine, jobs_db: Database, project: uuid.UUID, tmp_path: Path
) -> None:
    """A job that spins (in a grandchild) and one that sleeps through it, side by side."""
    release = tmp_path / "release"
    sleeper = submit_sleep(
        jobs_engine, project, tmp_path / "a", steps=1, step_seconds=0, wait_for=str(release)
    )
    wait_row(jobs_db, sleeper, lambda job: job["status"] == "running")
    burner = submit_sleep(
        jobs_engine,
        project,
        tmp_path / "b",
        steps=1,
        step_seconds=0,
        kind=SLEEP_DEFAULT,
        burn_cpu=1.5,
    )
    burnt = wait_row(jobs_db, burner)
    assert job_row(jobs_db, sleeper)["status"] == "running"  # it ran beside the burner
    release.touch()
    slept = wait_row(jobs_db, sleeper)
    assert burnt["status"] == slept["status"] == "succeeded"
    # what the child saw its grandchild use (os.times: clock ticks, so a hair under 1.5)
    spun = float(burnt["message"].split()[2])
    assert spun > 1
    # the burner's figure counts its waited grandchild; the sleeper's holds none of it
    assert burnt["cpu_seconds"] >= spun
    wall = (burnt["finished_at"] - burnt["started_at"]).total_seconds()
    assert burnt["cpu_seconds"] <= wall * (os.cpu_count() or 1)
    assert 0 < slept["cpu_seconds"] < spun


def test_kill_nine_of_the_child_requeues_the_job(
    jobs_engine: JobEngine, jobs_db: Database, project: uuid.UUID, tmp_path: Path
) -> None:
    job_id = submit_sleep(jobs_engine, project, tmp_path, steps=60, step_seconds=0.1)
    wait_row(jobs_db, job_id, lambda job: (job["step"] or 0) >= 3)
    pid = child_pid(job_id)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    done = wait_row(jobs_db, job_id)
    assert done["status"] == "succeeded" and done["attempts"] == 2, done["error"]
    assert status_events(jobs_db, job_id) == ["running", "queued", "running", "succeeded"]
    assert (tmp_path / OUTCOMES).read_text() == "succeeded\n"


def test_cancel_stops_the_child_and_tells_the_kind(
    jobs_engine: JobEngine, jobs_db: Database, project: uuid.UUID, tmp_path: Path
) -> None:
    job_id = submit_sleep(jobs_engine, project, tmp_path, steps=2000, step_seconds=0.05)
    wait_row(jobs_db, job_id, lambda job: (job["step"] or 0) >= 3)
    with jobs_db.session_scope() as session:
        job = session.get(TrainingJob, job_id)
        assert job is not None
        assert request_cancel(jobs_engine, session, job, "cancelled by the test")
    done = wait_row(jobs_db, job_id, timeout=60)
    assert done["status"] == "cancelled"
    assert status_events(jobs_db, job_id) == ["running", "cancelling", "cancelled"]
    assert child_pid(job_id) is None
    assert (tmp_path / OUTCOMES).read_text() == "cancelled\n"


def test_cancel_of_a_queued_job_is_immediate(
    jobs_engine: JobEngine, jobs_db: Database, project: uuid.UUID, tmp_path: Path
) -> None:
    with jobs_db.session_scope() as session:
        job = TrainingJob(
            kind=SLEEP,
            project_id=project,
            name="never sent",
            task_type="",
            trainer="",
            payload={"steps": 1, "step_seconds": 0, "notes_dir": str(tmp_path)},
        )
        session.add(job)
        session.flush()
        assert request_cancel(jobs_engine, session, job, "cancelled by the test")
        job_id = job.id
    assert job_row(jobs_db, job_id)["status"] == JobStatus.cancelled
    assert (tmp_path / OUTCOMES).read_text() == "cancelled\n"


@pytest.mark.parametrize(("fail", "code"), [("crash", "sleep_crashed"), ("error", "disk_full")])
def test_a_failed_jobs_error_names_no_server_path(
    jobs_engine: JobEngine,
    jobs_db: Database,
    project: uuid.UUID,
    tmp_path: Path,
    fail: str,
    code: str,
) -> None:
    with jobs_engine.db.session_scope() as session:
        job = TrainingJob(
            kind=SLEEP,
            project_id=project,
            name="sleep",
            task_type="",
            trainer="",
            payload={"steps": 1, "step_seconds": 0, "notes_dir": str(tmp_path), "fail": fail},
            max_attempts=1,
        )
        jobs_engine.submit(session, job)
    done = wait_row(jobs_db, job.id)
    assert done["status"] == "failed" and done["error_code"] == code, done
    message = done["error_message"]
    settings = jobs_engine.settings
    for root in (settings.model_storage_path, sys.prefix):
        assert str(root) not in message
    expected = {
        "crash": 'cannot read <server path>\n  File "<server path>", line 7',
        "error": "no space left on <server path>",
    }
    assert expected[fail] in message
