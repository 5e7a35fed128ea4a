"""Run one job: claim its row, start the trainer child process, supervise it, record the end.

Shared by the local runner thread and the Celery task. The DB row is the truth: the claim is
a conditional UPDATE (queued → running); heartbeats renew the lease only while the row is
still ours, so a redelivered message, a duplicate or a requeued job never trains twice.
"""

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.datasets.storage import canonical_path
from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.db.session import Database
from app.jobs.config import JobSettings
from app.jobs.outbox import after_commit
from app.jobs.states import transition
from app.jobs.supervisor import Outcome, Supervisor
from app.trainers.base import STOP_FILE_NAME, JobSpec

logger = logging.getLogger("app.jobs.runner")
BACKEND_DIR = Path(__file__).resolve().parents[2]


def worker_name() -> str:
    """This process's identity in `training_jobs.worker`."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def job_dir(settings: Settings, job_id: uuid.UUID) -> Path:
    """The job's working folder (spec, log, checkpoints kept across attempts, staging)."""
    return Path(settings.model_storage_path) / "jobs" / str(job_id)


@dataclass
class Claim:
    """What a successful claim hands the runner."""

    job_id: uuid.UUID
    attempt: int
    spec: JobSpec


def claim_job(session: Session, settings: Settings, job_id: uuid.UUID, worker: str) -> Claim | None:
    """Take a queued job (atomically); None when it is gone or someone else has it."""
    job = session.get(TrainingJob, job_id)
    if job is None or job.status != JobStatus.queued or job.dataset_id is None:
        return None
    now = utcnow()
    attempt = job.attempts + 1
    claimed = transition(
        session,
        job_id,
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
    work = job_dir(settings, job_id)
    validation = None
    if job.validation_dataset_id is not None:
        validation = canonical_path(settings, job.project_id, job.validation_dataset_id)
    spec = JobSpec.in_work_dir(
        work,
        job_id=str(job_id),
        task_type=job.task_type,
        trainer=job.trainer,
        dataset_path=canonical_path(settings, job.project_id, job.dataset_id),
        validation_dataset_path=validation,
        columns=job.columns,
        params=job.params,
        seed=job.seed,
        split_ratios=tuple(job.split_ratios),
        model_storage_path=Path(settings.model_storage_path),
    )
    return Claim(job_id=job_id, attempt=attempt, spec=spec)


def _prepare(spec: JobSpec, attempt: int) -> Path:
    """Fresh output folder, no stale stop flag, the spec on disk; returns the spec path."""
    shutil.rmtree(spec.output_dir, ignore_errors=True)
    spec.output_dir.mkdir(parents=True)
    spec.checkpoint_dir.mkdir(parents=True, exist_ok=True)
    (spec.work_dir / STOP_FILE_NAME).unlink(missing_ok=True)
    path = spec.work_dir / f"job-{attempt}.json"
    path.write_text(spec.model_dump_json(), encoding="utf-8")
    return path


def start_trainer(spec_path: Path, job_settings: JobSettings) -> subprocess.Popen[str]:
    """`python -m app.trainers <job.json>` in its own process group."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BACKEND_DIR), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [job_settings.python or sys.executable, "-m", "app.trainers", str(spec_path)],
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
    db: Database,
    settings: Settings,
    job_settings: JobSettings,
    job_id: uuid.UUID,
    *,
    shutdown: threading.Event | None = None,
) -> str:
    """Claim and run one job to its end; returns what happened (for logs and tests)."""
    worker = worker_name()
    with db.session_scope() as session:
        claim = claim_job(session, settings, job_id, worker)
    if claim is None:
        logger.info("job %s not claimed (already taken or gone)", job_id)
        return "skipped"
    try:
        spec_path = _prepare(claim.spec, claim.attempt)
        process = start_trainer(spec_path, job_settings)
    except OSError as exc:
        with db.session_scope() as session:
            transition(
                session,
                job_id,
                JobStatus.running,
                JobStatus.failed,
                error_code="start_failed",
                error_message=f"Could not start training: {exc}",
            )
        return "failed"
    supervisor = Supervisor(db, job_settings, claim, worker, process, shutdown)
    outcome = supervisor.run()
    return finish_job(db, settings, job_settings, claim, worker, outcome)


def finish_job(
    db: Database,
    settings: Settings,
    job_settings: JobSettings,
    claim: Claim,
    worker: str,
    outcome: Outcome,
) -> str:
    """Record the end of an attempt: success (model registered), failure, cancel or requeue."""
    from app.jobs.finish import record_outcome

    if outcome.kind == "lost":
        logger.warning("job %s: lease lost, child stopped, row left to its new owner", claim.job_id)
        _remove_output(claim.spec)
        return "lost"
    with db.session_scope() as session:
        result = record_outcome(session, settings, job_settings, claim, worker, outcome)
        if result == "requeued":
            after_commit(session, lambda: _redispatch(claim.job_id))
    if result != "succeeded":
        _remove_output(claim.spec)
    return result


def _redispatch(job_id: uuid.UUID) -> None:
    from app.jobs import engine

    engine.dispatch(job_id)


def _remove_output(spec: JobSpec) -> None:
    shutil.rmtree(spec.output_dir, ignore_errors=True)


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the trainer's process group (it runs in its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
