"""The Celery app: `celery -A app.celery worker` / `celery -A app.celery beat`."""

from celery import Celery

from app.core.config import get_settings


def make_celery() -> Celery:
    """Celery configured from settings: Redis broker, late acks, prefetch 1."""
    settings = get_settings()
    broker = settings.redis_url or "redis://127.0.0.1:6379/0"
    celery_app = Celery("training_platform", broker=broker, backend=None)
    celery_app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="default",
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
    )
    return celery_app


celery = make_celery()
