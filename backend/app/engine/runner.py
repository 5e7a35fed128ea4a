"""Run one job: claim its row, start its kind's child process, supervise it, record the end.

Shared by the local runner threads and the Celery task, for every kind. The DB row is the
truth: the claim is a conditional UPDATE (queued → running); heartbeats renew the lease only
while the row is still ours, so a redelivered message, a duplicate or a requeued job never
runs twice.
"""

import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.redact import scrub_server_paths, server_roots
from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.engine.config import JobSettings
from app.engine.ending import Claim, end_job
from app.engine.finish import record_outcome
from app.engine.kinds import Ending, JobCannotStartError
from app.engine.schedule import claim_turn, next_job, waiting_on_quota
from app.engine.states import transition
from app.engine.supervisor import Outcome, Supervisor
from app.trainers.base import STOP_FILE_NAME

if TYPE_CHECKING:
    from app.engine.context import JobEngine

logger = logging.getLogger("app.engine.runner")
BACKEND_DIR = Path(__file__).resolve().parents[2]
# a turn whose chosen job cannot start (its inputs are gone) passes to the next job this often
CLAIM_TRIES = 5


def worker_name() -> str:
    """This process's identity in the job row's `worker`."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def job_dir(settings: Settings, job_id: uuid.UUID) -> Path:
    """The job's working folder (specs, log, stop flag; kinds may keep more there)."""
    return Path(settings.model_storage_path) / "jobs" / str(job_id)


def claim_job(
    engine: "JobEngine", session: Session, job_id: uuid.UUID, worker: str
) -> Claim | None:
    """Take the job the fair order names next on `job_id`'s queue (atomically) and prepare it.

    A message is a turn of its queue, not a claim on its own job: the job taken may be another
    (`schedule.py`). A job that cannot start is failed and the turn passes on. None when no job
    of the queue may start now.
    """
    kind = session.scalar(select(TrainingJob.kind).where(TrainingJob.id == job_id))
    if kind is None:
        return None
    kinds = engine.kinds.kinds_on(engine.kinds.get(kind).queue)
    for _ in range(CLAIM_TRIES):
        chosen = next_job(session, engine.settings, kinds)
        if chosen is None:
            return None
        claim = _claim(engine, session, chosen, worker)
        if claim is not None:
            return claim
    return None


def _claim(engine: "JobEngine", session: Session, job_id: uuid.UUID, worker: str) -> Claim | None:
    """Move the chosen job to running and prepare its attempt; None when it cannot start."""
    job = session.get(TrainingJob, job_id)
    assert job is not None
    handler = engine.kinds.get(job.kind)
    now = utcnow()
    attempt = job.attempts + 1
    claimed = transition(
        session,
        job.id,
        JobStatus.queued,
        JobStatus.running,
        attempts=attempt,
        worker=worker,
        started_at=now,
        heartbeat_at=now,
        error_code=None,
        error_message=None,
        message=None,
    )
    if not claimed:
        return None
    session.refresh(job)
    work = job_dir(engine.settings, job.id)
    work.mkdir(parents=True, exist_ok=True)
    try:
        child = handler.prepare(session, job, work, attempt)
    except JobCannotStartError as exc:
        ending = Ending(JobStatus.failed, error_code=exc.code, error_message=exc.message)
        end_job(session, handler, job, ending, None, where=(TrainingJob.worker == worker,))
        return None
    return Claim(job_id=job.id, attempt=attempt, work_dir=work, handler=handler, child=child)


def _prepare_files(claim: Claim) -> Path:
    """Fresh output folder, no stale stop flag, the spec on disk; returns the spec path."""
    shutil.rmtree(claim.child.output_dir, ignore_errors=True)
    claim.child.output_dir.mkdir(parents=True)
    (claim.work_dir / STOP_FILE_NAME).unlink(missing_ok=True)
    path = claim.work_dir / f"job-{claim.attempt}.json"
    path.write_text(claim.child.spec, encoding="utf-8")
    return path


def start_child(
    module: str,
    spec_path: Path,
    job_settings: JobSettings,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """`python -m <module> <spec file>` in its own process group."""
    env = {**os.environ, **(extra_env or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BACKEND_DIR), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [job_settings.python or sys.executable, "-m", module, str(spec_path)],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
        start_new_session=True,
    )


def run_job(
    engine: "JobEngine", job_id: uuid.UUID, *, shutdown: threading.Event | None = None
) -> str:
    """Claim and run one job to its end; returns what happened (for logs and tests)."""
    worker = worker_name()
    with claim_turn(engine.settings), engine.db.session_scope() as session:
        claim = claim_job(engine, session, job_id, worker)
    if claim is None:
        logger.info("job %s not claimed (none of its queue may start now, or it could not)", job_id)
        return "skipped"
    job_id = claim.job_id
    try:
        spec_path = _prepare_files(claim)
        process = start_child(claim.child.module, spec_path, engine.job_settings, claim.child.env)
    except OSError as exc:
        with engine.db.session_scope() as session:
            job = session.get(TrainingJob, job_id)
            if job is not None:
                ending = Ending(
                    JobStatus.failed,
                    error_code="start_failed",
                    error_message=scrub_server_paths(
                        f"Could not start the {claim.handler.process_name} process: {exc}",
                        server_roots(engine.settings),
                    ),
                )
                end_job(session, claim.handler, job, ending, None)
        return "failed"
    supervisor = Supervisor(engine.db, engine.job_settings, claim, worker, process, shutdown)
    outcome = supervisor.run()
    return finish_job(engine, claim, worker, outcome)


def _wake_held_back(engine: "JobEngine", session: Session, claim: Claim) -> None:
    """Send a job of this project that its quota held back: a slot of its own just freed."""
    project_id = session.scalar(
        select(TrainingJob.project_id).where(TrainingJob.id == claim.job_id)
    )
    if project_id is None:
        return
    kinds = engine.kinds.kinds_on(claim.handler.queue)
    waiting = waiting_on_quota(session, engine.settings, project_id, kinds)
    if waiting is not None:
        kind = session.scalar(select(TrainingJob.kind).where(TrainingJob.id == waiting))
        engine.send_after_commit(session, waiting, kind or claim.handler.kind)


def finish_job(engine: "JobEngine", claim: Claim, worker: str, outcome: Outcome) -> str:
    """Record the end of an attempt: the kind's success or failure, a cancel or a requeue."""
    if outcome.kind == "lost":
        logger.warning("job %s: lease lost, child stopped, row left to its new owner", claim.job_id)
        return "lost"
    try:
        with engine.db.session_scope() as session:
            roots = server_roots(engine.settings)
            result = record_outcome(session, engine.job_settings, claim, worker, outcome, roots)
            # Once this commits, the job can start again (any free slot's fair claim takes a
            # requeued job; a retry) and write the same output folder: this attempt's goes first.
            shutil.rmtree(claim.child.output_dir, ignore_errors=True)
            if result == "requeued":
                engine.send_after_commit(session, claim.job_id, claim.handler.kind)
            _wake_held_back(engine, session, claim)
    except BaseException:
        shutil.rmtree(claim.child.output_dir, ignore_errors=True)
        raise
    return result
