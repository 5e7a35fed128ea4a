"""Production dispatcher: send job ids to the Celery training queue (after commit)."""

import uuid

from celery import Celery

from app.core.config import Settings
from app.jobs.config import JobSettings

RUN_JOB_TASK = "app.jobs.tasks.run_training_job"


class CeleryDispatcher:
    """Sends `run_training_job(job_id)` to the training queue of this engine's broker."""

    def __init__(self, settings: Settings, job_settings: JobSettings) -> None:
        from app.celery import make_celery

        self.job_settings = job_settings
        self.celery: Celery = make_celery(settings, job_settings)

    def dispatch(self, job_id: uuid.UUID) -> None:
        """Queue the job id (string) on the training queue."""
        self.celery.send_task(
            RUN_JOB_TASK, args=[str(job_id)], queue=self.job_settings.training_queue
        )
