"""Find jobs whose runner went silent: requeue them (attempts capped) or fail them with a reason.

Celery beat runs it in production (`app.jobs.tasks.reap_jobs`); embedded mode uses a timer.
Queued jobs nobody claimed for a long time are sent again (the claim makes that harmless).
"""

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.db.session import Database
from app.jobs.config import JobSettings
from app.jobs.outbox import after_commit
from app.jobs.states import transition

logger = logging.getLogger("app.jobs.reaper")


def _dispatch(job_id: uuid.UUID) -> Callable[[], None]:
    from app.jobs import engine

    return lambda: engine.dispatch(job_id)


def reap(db: Database, job_settings: JobSettings) -> dict[str, int]:
    """One pass: returns how many jobs were requeued, failed, cancelled and re-sent."""
    counts = {"requeued": 0, "failed": 0, "cancelled": 0, "resent": 0}
    now = utcnow()
    stale_before = now - timedelta(seconds=job_settings.stale_after_seconds)
    with db.session_scope() as session:
        stale = session.scalars(
            select(TrainingJob).where(
                TrainingJob.status.in_([JobStatus.running, JobStatus.cancelling]),
                TrainingJob.heartbeat_at < stale_before,
            )
        ).all()
        for job in stale:
            same = (TrainingJob.heartbeat_at == job.heartbeat_at,)
            silent = int((now - job.heartbeat_at).total_seconds()) if job.heartbeat_at else 0
            limit = min(job.max_attempts, job_settings.max_attempts)
            if job.status == JobStatus.cancelling:
                if transition(
                    session,
                    job.id,
                    job.status,
                    JobStatus.cancelled,
                    where=same,
                    worker=None,
                    reason=f"worker lost ({silent}s silent) while cancelling",
                ):
                    counts["cancelled"] += 1
            elif job.attempts < limit:
                if transition(
                    session,
                    job.id,
                    job.status,
                    JobStatus.queued,
                    where=same,
                    worker=None,
                    reason=f"no heartbeat for {silent}s; requeued "
                    f"(attempt {job.attempts}/{limit} lost)",
                ):
                    after_commit(session, _dispatch(job.id))
                    counts["requeued"] += 1
            elif transition(
                session,
                job.id,
                job.status,
                JobStatus.failed,
                where=same,
                error_code="worker_lost",
                error_message=f"The worker stopped sending heartbeats ({silent}s) "
                f"and all {limit} attempts are used.",
            ):
                counts["failed"] += 1
        resend_before = now - timedelta(seconds=job_settings.requeue_queued_after_seconds)
        forgotten = session.scalars(
            select(TrainingJob.id).where(
                TrainingJob.status == JobStatus.queued, TrainingJob.updated_at < resend_before
            )
        ).all()
        for job_id in forgotten:
            after_commit(session, _dispatch(job_id))
            counts["resent"] += 1
    if any(counts.values()):
        logger.info("reaper: %s", counts)
    return counts
