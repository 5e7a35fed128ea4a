"""Celery tasks: thin wrappers around the shared runner and reaper."""

import uuid

from celery import shared_task

from app.jobs import worker


@shared_task(name="app.jobs.tasks.run_training_job", acks_late=True)
def run_training_job(job_id: str) -> str:
    """Claim and run one training job (a duplicate or redelivery is a no-op)."""
    return worker.run(uuid.UUID(job_id))


@shared_task(name="app.jobs.tasks.reap_jobs")
def reap_jobs() -> dict[str, int]:
    """Requeue or fail jobs whose heartbeat stopped."""
    return worker.reap_now()
