"""The Celery app: `celery -A app.celery worker` (both queues; `-Q training` for a training-only
worker) and `celery -A app.celery beat` (the reaper).

Training tasks go to their own queue with prefetch 1 and late acks; messages carry job ids
only. Redis redelivers unacked messages after `visibility_timeout`; the runner's atomic claim
makes a redelivered or duplicated message a no-op. Beat runs the reaper.
"""

from celery import Celery
from kombu import Queue

from app.core.config import Settings, get_settings
from app.jobs.config import JobSettings, get_job_settings


def make_celery(settings: Settings | None = None, jobs: JobSettings | None = None) -> Celery:
    """Celery configured from settings: Redis broker, late acks, prefetch 1, reaper schedule."""
    settings = settings or get_settings()
    jobs = jobs or get_job_settings()
    broker = settings.redis_url or "redis://127.0.0.1:6379/0"
    celery_app = Celery(
        "training_platform",
        broker=broker,
        backend=None,
        include=["app.jobs.tasks", "app.datasets.tasks"],
    )
    celery_app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=jobs.default_queue,
        task_queues=(Queue(jobs.default_queue), Queue(jobs.training_queue)),
        task_routes={
            "app.jobs.tasks.run_training_job": {"queue": jobs.training_queue},
            "app.jobs.tasks.reap_jobs": {"queue": jobs.default_queue},
            "app.datasets.tasks.*": {"queue": jobs.default_queue},
        },
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
        beat_schedule={
            "reap-jobs": {
                "task": "app.jobs.tasks.reap_jobs",
                "schedule": jobs.reaper_interval_seconds,
            },
            "reap-datasets": {
                "task": "app.datasets.tasks.reap_datasets",
                "schedule": jobs.reaper_interval_seconds,
            },
        },
    )
    return celery_app


celery = make_celery()
