"""The one Celery task: run a job of any kind with the worker's engine."""

import uuid

from celery import shared_task

from app.engine.runner import run_job as run


@shared_task(bind=True, name="app.engine.tasks.run_job", acks_late=True)
def run_job(self, job_id: str) -> str:
    """Claim and run one job (a duplicate or redelivery is a no-op)."""
    return run(self.app.job_engine, uuid.UUID(job_id))
