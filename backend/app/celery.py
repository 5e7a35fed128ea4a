"""The Celery app: `celery -A app.celery worker` (both queues; `-Q training` for a training-only
worker) and `celery -A app.celery beat` (the reaper, in a thread of the beat process).

Job messages carry ids only and go to their kind's queue with prefetch 1 and late acks.
Redis redelivers unacked messages after `visibility_timeout`; the runner's atomic claim makes
a redelivered or duplicated message a no-op.
"""

from collections.abc import Callable

from celery import Celery
from kombu import Queue

import app.engine.celery_worker  # noqa: F401  (connects the worker and beat start signals)
from app.core.config import Settings, get_settings
from app.engine.config import JobSettings, get_job_settings
from app.engine.kinds import JobKinds
from app.job_kinds import job_kinds

KindsFactory = Callable[[Settings], JobKinds]


def make_celery(
    settings: Settings | None = None,
    jobs: JobSettings | None = None,
    kinds: KindsFactory = job_kinds,
) -> Celery:
    """Celery configured from settings: Redis broker, late acks, prefetch 1, the job kinds."""
    settings = settings or get_settings()
    jobs = jobs or get_job_settings()
    broker = settings.redis_url or "redis://127.0.0.1:6379/0"
    celery_app = Celery(
        "training_platform", broker=broker, backend=None, include=["app.engine.tasks"]
    )
    celery_app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=jobs.default_queue,
        task_queues=(Queue(jobs.default_queue), Queue(jobs.training_queue)),
        broker_transport_options={
            "visibility_timeout": jobs.visibility_timeout,
            "unacked_restore_interval": jobs.restore_interval,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        timezone="UTC",
        beat_schedule={},
    )
    celery_app.job_settings = jobs
    celery_app.job_kinds = kinds
    return celery_app


celery = make_celery()
