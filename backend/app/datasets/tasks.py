"""Celery tasks for datasets: background conversion of large uploads and its reaper."""

import uuid

from celery import shared_task

from app.jobs import worker


@shared_task(name="app.datasets.tasks.process_dataset", acks_late=True)
def process_dataset(dataset_id: str) -> str:
    """Claim and convert one dataset (a duplicate or redelivery is a no-op)."""
    return worker.process_dataset_now(uuid.UUID(dataset_id))


@shared_task(name="app.datasets.tasks.reap_datasets")
def reap_datasets() -> dict[str, int]:
    """Retry or fail stuck conversions; remove stale upload staging folders."""
    return worker.reap_datasets_now()
