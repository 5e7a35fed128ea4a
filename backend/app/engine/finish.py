"""Turn an attempt's outcome into the job's next state (inside the runner's unit of work).

What the engine decides for every kind: a cancel, a shutdown (queued again, the attempt not
counted), a child that died without a word (retried while attempts remain). A child's result
or error is handed to the kind's handler, which says what it means for its domain.
"""

import signal

from sqlalchemy.orm import Session

from app.core.redact import scrub_server_paths
from app.db.models.job import JobStatus, TrainingJob
from app.engine.config import JobSettings
from app.engine.ending import Claim, end_job
from app.engine.kinds import Ending
from app.engine.states import transition
from app.engine.supervisor import Outcome
from app.trainers.base import EXIT_OK


def exit_text(code: int | None) -> str:
    """'exit status N' or 'killed by signal NAME'."""
    if code is not None and code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def record_outcome(
    session: Session,
    job_settings: JobSettings,
    claim: Claim,
    worker: str,
    outcome: Outcome,
    roots: list[str],
) -> str:
    """Apply the outcome; returns succeeded | failed | cancelled | requeued | interrupted | lost.

    `roots` are the server's folders: a path under them never reaches the job's error.
    """
    job = session.get(TrainingJob, claim.job_id, populate_existing=True)
    if job is None or job.worker != worker or job.status.is_finished:
        return "lost"
    mine = (TrainingJob.worker == worker,)
    output = claim.child.output_dir
    if outcome.cpu_seconds is not None:
        job.cpu_seconds = (job.cpu_seconds or 0.0) + outcome.cpu_seconds
        session.flush()
    if job.status == JobStatus.cancelling or outcome.cancel_requested:
        end_job(
            session,
            claim.handler,
            job,
            Ending(JobStatus.cancelled),
            None,
            where=mine,
            reason="cancelled on request",
        )
        return "cancelled"
    if outcome.kind == "shutdown":
        transition(
            session,
            job.id,
            job.status,
            JobStatus.queued,
            where=mine,
            attempts=max(job.attempts - 1, 0),
            worker=None,
            last_sent_at=None,
            reason="worker shut down; job queued again",
        )
        return "interrupted"
    terminal = dict(outcome.terminal or {})
    kind = terminal.pop("type", None)
    if kind == "result" and outcome.exit_code == EXIT_OK:
        ending = Ending(JobStatus.succeeded, result=terminal)
    elif kind == "error":
        ending = Ending(
            JobStatus.failed,
            result=terminal,
            error_code=str(terminal.get("code") or f"{claim.handler.process_name}_error")[:64],
            error_message=scrub_server_paths(
                str(terminal.get("message") or f"{claim.handler.process_name} failed"), roots
            ),
        )
    elif kind == "stopped":
        end_job(
            session,
            claim.handler,
            job,
            Ending(JobStatus.cancelled),
            None,
            where=mine,
            reason=f"{claim.handler.process_name} stopped",
        )
        return "cancelled"
    else:
        return _crashed(session, job, job_settings, claim, outcome, mine, roots)
    end_job(session, claim.handler, job, ending, output, where=mine)
    session.refresh(job)
    return job.status.value


def _crashed(
    session: Session,
    job: TrainingJob,
    job_settings: JobSettings,
    claim: Claim,
    outcome: Outcome,
    mine: tuple,
    roots: list[str],
) -> str:
    """The child died without a word: retry while attempts remain, else fail with the reason."""
    how = exit_text(outcome.exit_code)
    name = claim.handler.process_name
    limit = min(job.max_attempts, job_settings.max_attempts)
    if job.attempts < limit:
        transition(
            session,
            job.id,
            job.status,
            JobStatus.queued,
            where=mine,
            worker=None,
            last_sent_at=None,
            reason=f"{name} process {how}; retrying (attempt {job.attempts}/{limit})",
        )
        return "requeued"
    tail = scrub_server_paths("\n".join(outcome.log_tail[-5:]), roots)
    message = f"The {name} process {how} after {job.attempts} attempt(s)."
    if tail:
        message += f" Last log lines:\n{tail}"
    ending = Ending(JobStatus.failed, error_code=claim.handler.crash_code, error_message=message)
    end_job(session, claim.handler, job, ending, None, where=mine)
    return "failed"
