"""Cancel a job of any kind: queued → cancelled at once, running → cancelling (its runner
stops the child at its next heartbeat)."""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.engine.ending import end_job
from app.engine.kinds import Ending
from app.engine.states import transition

if TYPE_CHECKING:
    from app.engine.context import JobEngine


class CancelRefusedError(Exception):
    """The job cannot be cancelled (it has finished, or keeps changing state)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def request_cancel(engine: "JobEngine", session: Session, job: TrainingJob, reason: str) -> bool:
    """Cancel the job; False when a cancel was already under way."""
    for _ in range(3):
        if job.status == JobStatus.cancelling:
            return False
        if job.status.is_finished:
            raise CancelRefusedError("job_finished", f"Job is already {job.status.value}.")
        if job.status == JobStatus.queued:
            ending = Ending(JobStatus.cancelled)
            handler = engine.kinds.get(job.kind)
            same = (TrainingJob.status == JobStatus.queued,)
            job.cancel_requested_at = utcnow()
            if end_job(session, handler, job, ending, None, where=same, reason=reason):
                session.refresh(job)
                return True
        elif transition(
            session,
            job.id,
            job.status,
            JobStatus.cancelling,
            cancel_requested_at=utcnow(),
            reason=reason,
        ):
            session.refresh(job)
            return True
        session.refresh(job)  # a worker claimed it meanwhile: cancel the running job
    raise CancelRefusedError("job_state_changed", "The job keeps changing state; try again.")
