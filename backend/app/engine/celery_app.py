"""The engine's Celery app: Redis broker, the queues (`kinds.QUEUES`), late acks, prefetch 1.

Job messages carry ids only and go to their kind's queue. Redis redelivers unacked messages
after `visibility_timeout`; the runner's atomic claim makes a redelivered or duplicated
message a no-op. The app names its job kinds (`job_kinds`, a factory given the settings),
which a worker's or beat's engine is built with.
"""

from collections.abc import Callable

from celery import Celery
from kombu import Queue

from app.core.config import Settings, get_settings
from app.engine.config import JobSettings, get_job_settings
from app.engine.kinds import JobKinds

KindsFactory = Callable[[Settings], JobKinds]


def make_celery(
    settings: Settings | None = None,
    jobs: JobSettings | None = None,
    kinds: KindsFactory | None = None,
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
        task_queues=tuple(Queue(name) for name in jobs.queue_names().values()),
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
    celery_app.job_kinds = kinds or (lambda _settings: JobKinds())
    return celery_app
