"""Find jobs whose runner went silent: requeue them (attempts capped) or fail them with a reason;
send again queued jobs whose message may be lost.

It runs where no dead worker can stop it: a thread of the Celery beat process in production,
a timer of the API process in embedded mode. A queued job is sent again when it was never
sent (the broker was down) or its last send is older than the stale limit, so a backlog
behind a stopped worker costs at most one message per job per stale period.
"""

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select

from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.engine.ending import end_job
from app.engine.kinds import Ending, UnknownKindError
from app.engine.states import transition

if TYPE_CHECKING:
    from app.engine.context import JobEngine

logger = logging.getLogger("app.engine.reaper")


def reap(engine: "JobEngine") -> dict[str, int]:
    """One pass: how many jobs were requeued, failed, cancelled and sent again."""
    settings = engine.job_settings
    counts = {"requeued": 0, "failed": 0, "cancelled": 0, "resent": 0}
    now = utcnow()
    stale_before = now - timedelta(seconds=settings.stale_after_seconds)
    with engine.db.session_scope() as session:
        stale = session.scalars(
            select(TrainingJob).where(
                TrainingJob.status.in_([JobStatus.running, JobStatus.cancelling]),
                TrainingJob.heartbeat_at < stale_before,
            )
        ).all()
        for job in stale:
            try:
                handler = engine.kinds.get(job.kind)
            except UnknownKindError:
                logger.error("job %s has kind %r, which no handler serves", job.id, job.kind)
                continue
            same = (TrainingJob.heartbeat_at == job.heartbeat_at,)
            silent = int((now - job.heartbeat_at).total_seconds()) if job.heartbeat_at else 0
            limit = min(job.max_attempts, settings.max_attempts)
            if job.status == JobStatus.cancelling:
                if end_job(
                    session,
                    handler,
                    job,
                    Ending(JobStatus.cancelled),
                    None,
                    where=same,
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
                    last_sent_at=None,
                    reason=f"no heartbeat for {silent}s; requeued "
                    f"(attempt {job.attempts}/{limit} lost)",
                ):
                    engine.send_after_commit(session, job.id, job.kind)
                    counts["requeued"] += 1
            else:
                ending = Ending(
                    JobStatus.failed,
                    error_code="worker_lost",
                    error_message=f"The worker stopped sending heartbeats ({silent}s) "
                    f"and all {limit} attempts are used.",
                )
                if end_job(session, handler, job, ending, None, where=same):
                    counts["failed"] += 1
        unsent = session.execute(
            select(TrainingJob.id, TrainingJob.kind).where(
                TrainingJob.status == JobStatus.queued,
                or_(
                    and_(
                        TrainingJob.last_sent_at.is_(None),
                        TrainingJob.updated_at
                        < now - timedelta(seconds=settings.reaper_interval_seconds),
                    ),
                    TrainingJob.last_sent_at < stale_before,
                ),
            )
        ).all()
    for job_id, kind in unsent:
        if engine.send_now(job_id, kind):
            counts["resent"] += 1
    if any(counts.values()):
        logger.info("reaper: %s", counts)
    return counts
