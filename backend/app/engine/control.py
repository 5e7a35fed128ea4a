"""Cancel a job of any kind: queued → cancelled at once, running → cancelling (its runner
stops the child at its next heartbeat)."""

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.core.errors import Conflict
from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.engine.kinds import Ending
from app.engine.states import transition

if TYPE_CHECKING:
    from app.engine.context import JobEngine


def request_cancel(engine: "JobEngine", session: Session, job: TrainingJob, reason: str) -> bool:
    """Cancel the job; False when a cancel was already under way, 409 when it has finished."""
    from app.engine.runner import end_job

    for _ in range(3):
        if job.status == JobStatus.cancelling:
            return False
        if job.status.is_finished:
            raise Conflict(f"Job is already {job.status.value}.", code="job_finished")
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
    raise Conflict("The job keeps changing state; try again.", code="job_state_changed")
