"""Production sender: job ids to the Celery queue of their kind (after commit)."""

import uuid

import redis
from celery import Celery

from app.core.config import Settings
from app.engine.beacon import count_workers
from app.engine.celery_app import make_celery
from app.engine.config import JobSettings
from app.engine.kinds import Queue

RUN_JOB_TASK = "app.engine.tasks.run_job"
# A broker that is down answers at once; the reaper retries from the stored row, so a request
# waits for one short retry, not kombu's default policy.
SEND_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


class CelerySender:
    """Sends `run_job(job_id)` to the kind's queue of this engine's broker."""

    def __init__(self, settings: Settings, job_settings: JobSettings) -> None:
        self.job_settings = job_settings
        self.redis_url = settings.redis_url or ""
        self.celery: Celery = make_celery(settings, job_settings)

    def send(self, job_id: uuid.UUID, queue: Queue) -> None:
        """Queue the job id (string); raises when the broker cannot be reached."""
        name = self.job_settings.queue_names()[queue]
        self.celery.send_task(
            RUN_JOB_TASK, args=[str(job_id)], queue=name, retry_policy=SEND_RETRY_POLICY
        )

    def liveness(self) -> dict[str, str | int]:
        """Whether the broker answers and how many workers refreshed their beacon."""
        try:
            alive = count_workers(self.redis_url, self.job_settings)
        except redis.RedisError as exc:
            return {
                "backend": "celery",
                "broker": f"unreachable: {type(exc).__name__}",
                "workers_alive": 0,
            }
        return {"backend": "celery", "broker": "ok", "workers_alive": alive}
