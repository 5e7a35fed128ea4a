"""Fair scheduling on this pass's engine: a project's backlog does not starve another's jobs.

SQLite pass: the embedded runner (one slot per queue). PostgreSQL pass: the session's Celery
worker plus a second worker process, so claims race across processes.
"""

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer
from sqlalchemy import select, update

from app.db.base import utcnow
from app.db.models import JobStatus, ProjectMember, ProjectQuota, TrainingJob, User
from app.db.session import Database
from app.engine.context import JobEngine
from app.engine.schedule import queue_outlook
from tests.conftest import login
from tests.jobs.conftest import USE_CELERY, Worker, personal_project, wait_for_job
from tests.jobs.sleep_kind import SLEEP

BACKLOG = 50
RUNNERS = 2 if USE_CELERY else 1  # the session's worker threads, or the local runner
LONG = {"n_estimators": 20000, "learning_rate": 0.001, "early_stopping_rounds": 0, "num_threads": 1}


def personal_project_of(db: Database, user: User) -> uuid.UUID:
    """The user's personal project."""
    with db.session_scope() as session:
        member = session.scalars(
            select(ProjectMember).where(ProjectMember.user_id == user.id)
        ).first()
        assert member is not None
        return member.project_id


def submit_many(
    engine: JobEngine, project_id: uuid.UUID, notes: Path, count: int, step_seconds: float
) -> list[uuid.UUID]:
    """Queue `count` one-step sleep jobs in one unit of work (sent once it commits)."""
    with engine.db.session_scope() as session:
        jobs = [
            TrainingJob(
                kind=SLEEP,
                project_id=project_id,
                name=f"sleep-{index}",
                task_type="",
                trainer="",
                payload={"steps": 1, "step_seconds": step_seconds, "notes_dir": str(notes)},
                max_attempts=1,
            )
            for index in range(count)
        ]
        for job in jobs:
            engine.submit(session, job)
        return [job.id for job in jobs]


def rows(db: Database, ids: list[uuid.UUID]) -> list[TrainingJob]:
    """The jobs' rows, read fresh (detached)."""
    with db.session_scope() as session:
        found = list(session.scalars(select(TrainingJob).where(TrainingJob.id.in_(ids))))
        session.expunge_all()
        return found


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll (bounded) until `check()`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout}s")


def drain(db: Database, ids: list[uuid.UUID]) -> None:
    """Cancel what is still queued and wait for what runs to end (tables are cleaned next)."""
    with db.session_scope() as session:
        session.execute(
            update(TrainingJob)
            .where(TrainingJob.id.in_(ids), TrainingJob.status == JobStatus.queued)
            .values(status=JobStatus.cancelled)
        )
    wait_until(
        lambda: all(job.status.is_finished for job in rows(db, ids)), 120, "the backlog's end"
    )


@pytest.fixture
def second_worker(
    celery_worker: Worker | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker | None]:
    """Another Celery worker process on the same queues (PostgreSQL pass)."""
    if celery_worker is None:
        yield None
        return
    worker = Worker(
        celery_worker.env,
        celery_worker.queues,
        tmp_path_factory.mktemp("celery-second") / "worker.log",
    )
    worker.start()
    yield worker
    worker.stop()


def test_a_later_project_starts_before_a_large_backlog_drains(
    jobs_engine: JobEngine,
    jobs_db: Database,
    make_user: Callable[..., User],
    second_worker: Worker | None,
    tmp_path: Path,
) -> None:
    project_a = personal_project_of(jobs_db, make_user("backlog_a"))
    project_b = personal_project_of(jobs_db, make_user("latecomer_b"))
    backlog = submit_many(jobs_engine, project_a, tmp_path, BACKLOG, step_seconds=0.3)
    wait_until(
        lambda: any(job.status != JobStatus.queued for job in rows(jobs_db, backlog)),
        60,
        "the backlog's first start",
    )
    latecomers = submit_many(jobs_engine, project_b, tmp_path, 2, step_seconds=0.05)
    try:
        wait_until(
            lambda: all(job.started_at is not None for job in rows(jobs_db, latecomers)),
            120,
            "both of B's starts",
        )
        b_started = max(job.started_at for job in rows(jobs_db, latecomers) if job.started_at)
        a_started = [job for job in rows(jobs_db, backlog) if job.started_at is not None]
        a_before_b = sum(1 for job in a_started if job.started_at and job.started_at < b_started)
        # every slot may hold one of A's jobs when B arrives, and each of B's two starts may
        # come after one more of A's (turns alternate once both have the same running count)
        slots = 4 if USE_CELERY else 1
        assert a_before_b <= 2 * slots + 2, (a_before_b, slots)
        assert sum(job.status == JobStatus.queued for job in rows(jobs_db, backlog)) >= 30
    finally:
        drain(jobs_db, backlog + latecomers)
    if second_worker is not None:
        assert "app.engine.tasks.run_job" in second_worker.log(), "the second worker took no turn"


def test_a_project_at_its_running_quota_waits_while_others_run(
    jobs_engine: JobEngine, jobs_db: Database, make_user: Callable[..., User], tmp_path: Path
) -> None:
    project_a = personal_project_of(jobs_db, make_user("capped_a"))
    project_b = personal_project_of(jobs_db, make_user("free_b"))
    with jobs_db.session_scope() as session:
        session.add(ProjectQuota(project_id=project_a, running_jobs=0))
    held = submit_many(jobs_engine, project_a, tmp_path, 2, step_seconds=0.05)
    free = submit_many(jobs_engine, project_b, tmp_path, 1, step_seconds=0.05)
    try:
        wait_until(
            lambda: all(job.status == JobStatus.succeeded for job in rows(jobs_db, free)),
            60,
            "B's job to succeed",
        )
        assert all(job.status == JobStatus.queued for job in rows(jobs_db, held))
        with jobs_db.session_scope() as session:
            session.execute(
                update(ProjectQuota)
                .where(ProjectQuota.project_id == project_a)
                .values(running_jobs=1)
            )
        # raising the quota lets the next turn (a re-send) take them, one at a time
        for job_id in held:
            jobs_engine.send_now(job_id, SLEEP)
        wait_until(
            lambda: all(job.status == JobStatus.succeeded for job in rows(jobs_db, held)),
            60,
            "A's jobs to succeed",
        )
        started = sorted(job.started_at for job in rows(jobs_db, held) if job.started_at)
        finished = sorted(job.finished_at for job in rows(jobs_db, held) if job.finished_at)
        assert started[1] >= finished[0], "two of A's jobs ran at once past its quota of one"
    finally:
        drain(jobs_db, held + free)


def test_queue_positions_follow_the_fair_order(
    jobs_engine: JobEngine, jobs_db: Database, make_user: Callable[..., User]
) -> None:
    project_a = personal_project_of(jobs_db, make_user("order_a"))
    project_b = personal_project_of(jobs_db, make_user("order_b"))
    with jobs_db.session_scope() as session:
        a_jobs = [
            TrainingJob(
                kind=SLEEP,
                project_id=project_a,
                name=f"a{index}",
                task_type="",
                trainer="",
                payload={},
                priority=priority,
                status=JobStatus.queued,
            )
            for index, priority in enumerate((0, 0, 5))
        ]
        base = utcnow()
        for index, job in enumerate(a_jobs):
            job.queued_at = base + timedelta(seconds=index)
        b_job = TrainingJob(
            kind=SLEEP,
            project_id=project_b,
            name="b",
            task_type="",
            trainer="",
            payload={},
            status=JobStatus.queued,
            queued_at=base + timedelta(seconds=10),
        )
        session.add_all([*a_jobs, b_job])  # added, not submitted: nothing runs them
        session.flush()
        kinds = jobs_engine.kinds.kinds_on("training")
        spots = queue_outlook(session, jobs_engine.job_settings, kinds)
        order = sorted(spots, key=lambda job_id: spots[job_id].position)
        # neither project has started a job: A's priority-5 job outranks B's head; then B's
        # turn (A has one more start), then A's others, oldest first
        assert order == [a_jobs[2].id, b_job.id, a_jobs[0].id, a_jobs[1].id]
        starts = [spots[job_id].estimated_start_at for job_id in order]
        assert starts == sorted(starts) and starts[0] < starts[-1]
        session.rollback()


def test_queue_position_decreases_as_jobs_finish(
    jobs_client: TestClient,
    make_user: Callable[..., User],
    add_dataset: Callable[..., uuid.UUID],
) -> None:
    make_user("queue_watcher")
    headers = login(jobs_client, "queue_watcher")
    project = personal_project(jobs_client, headers)
    dataset = str(add_dataset(project, load_breast_cancer(as_frame=True).frame))

    def post(params: dict[str, object]) -> dict[str, Any]:
        body = {
            "project_id": project,
            "name": "queued",
            "task_type": "tabular_classification",
            "dataset_id": dataset,
            "columns": {"target": "target"},
            "params": params,
        }
        response = jobs_client.post("/api/v1/jobs", headers=headers, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def read(job_id: str) -> dict[str, Any]:
        return dict(jobs_client.get(f"/api/v1/jobs/{job_id}", headers=headers).json())

    blockers = [post(LONG) for _ in range(RUNNERS)]
    for blocker in blockers:
        wait_for_job(jobs_client, headers, blocker["id"], lambda j: j["status"] == "running")
    first, second = post({"n_estimators": 5}), post({"n_estimators": 5})
    assert read(first["id"])["queue_position"] == 0
    waiting = read(second["id"])
    assert waiting["queue_position"] == 1 and waiting["estimated_start_at"] is not None
    listed = jobs_client.get(f"/api/v1/jobs?project_id={project}", headers=headers).json()
    positions = {item["id"]: item["queue_position"] for item in listed["items"]}
    assert positions[first["id"]] == 0 and positions[second["id"]] == 1
    assert all(positions[blocker["id"]] is None for blocker in blockers)

    cancelled = jobs_client.post(f"/api/v1/jobs/{blockers[0]['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    seen = [1]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = read(second["id"])
        if job["status"] != "queued" or job["queue_position"] is None:
            break  # started (possibly between reading the job and reading the queue)
        seen.append(job["queue_position"])
        time.sleep(0.05)
    assert 0 in seen and seen == sorted(seen, reverse=True), seen
    for blocker in blockers[1:]:
        jobs_client.post(f"/api/v1/jobs/{blocker['id']}/cancel", headers=headers)
    done = wait_for_job(jobs_client, headers, second["id"])
    assert done["status"] == "succeeded" and done["queue_position"] is None
    for job in (*blockers, first):
        wait_for_job(jobs_client, headers, job["id"])
