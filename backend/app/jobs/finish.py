"""Turn an attempt's outcome into the job's next state (inside the runner's unit of work)."""

import signal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.db.models.job import JobStatus, TrainingJob
from app.jobs.config import JobSettings
from app.jobs.states import transition
from app.jobs.supervisor import Outcome
from app.model_registry.service import register_model_version
from app.trainers.base import EXIT_OK

if TYPE_CHECKING:
    from app.jobs.runner import Claim


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def record_outcome(
    session: Session,
    settings: Settings,
    job_settings: JobSettings,
    claim: "Claim",
    worker: str,
    outcome: Outcome,
) -> str:
    """Apply the outcome; returns succeeded | failed | cancelled | requeued | interrupted."""
    job = session.get(TrainingJob, claim.job_id, populate_existing=True)
    if job is None or job.worker != worker or job.status.is_finished:
        return "lost"
    mine = (TrainingJob.worker == worker,)
    current = job.status
    if current == JobStatus.cancelling or outcome.cancel_requested:
        transition(
            session, job.id, current, JobStatus.cancelled, where=mine, reason="cancelled on request"
        )
        return "cancelled"
    if outcome.kind == "shutdown":
        transition(
            session,
            job.id,
            current,
            JobStatus.queued,
            where=mine,
            attempts=max(job.attempts - 1, 0),
            worker=None,
            reason="worker shut down; job queued again",
        )
        return "interrupted"
    terminal = outcome.terminal or {}
    kind = terminal.get("type")
    if kind == "result" and outcome.exit_code == EXIT_OK:
        version = register_model_version(
            session, settings, job=job, result=terminal, staging_dir=claim.spec.output_dir
        )
        transition(
            session,
            job.id,
            current,
            JobStatus.succeeded,
            where=mine,
            progress=1.0,
            message=f"model version {version.id}",
        )
        return "succeeded"
    if kind == "error":
        transition(
            session,
            job.id,
            current,
            JobStatus.failed,
            where=mine,
            error_code=str(terminal.get("code") or "trainer_error")[:64],
            error_message=str(terminal.get("message") or "training failed"),
        )
        return "failed"
    if kind == "stopped":
        transition(
            session, job.id, current, JobStatus.cancelled, where=mine, reason="trainer stopped"
        )
        return "cancelled"
    return _crashed(session, job, job_settings, outcome, mine)


def _crashed(
    session: Session, job: TrainingJob, job_settings: JobSettings, outcome: Outcome, mine: tuple
) -> str:
    """The child died without a word: retry while attempts remain, else fail with the reason."""
    how = _exit_text(outcome.exit_code)
    limit = min(job.max_attempts, job_settings.max_attempts)
    if job.attempts < limit:
        transition(
            session,
            job.id,
            job.status,
            JobStatus.queued,
            where=mine,
            worker=None,
            reason=f"training process {how}; retrying (attempt {job.attempts}/{limit})",
        )
        return "requeued"
    tail = "\n".join(outcome.log_tail[-5:])
    message = f"The training process {how} after {job.attempts} attempt(s)."
    if tail:
        message += f" Last log lines:\n{tail}"
    transition(
        session,
        job.id,
        job.status,
        JobStatus.failed,
        where=mine,
        error_code="trainer_crashed",
        error_message=message,
    )
    return "failed"
