"""Where background conversions run: a thread of the API process (embedded) or Celery.

Both send dataset ids only, after the upload's row is committed. The reaper re-sends
conversions nobody claimed and retries those whose process died (attempts capped), then
fails them with a reason; it also removes upload staging folders left by a crash.
"""

import logging
import queue
import shutil
import threading
import time
import uuid
from datetime import timedelta
from functools import partial
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.datasets.processing import process_dataset
from app.datasets.storage import remove_dataset_files, tmp_root
from app.db.base import utcnow
from app.db.models import Dataset, DatasetStatus
from app.db.session import Database
from app.jobs.config import JobSettings
from app.jobs.outbox import after_commit

PROCESS_DATASET_TASK = "app.datasets.tasks.process_dataset"
STAGING_MAX_AGE_SECONDS = 6 * 3600  # an upload still streaming after this is abandoned
STOP_TIMEOUT_SECONDS = 30
logger = logging.getLogger("app.datasets.background")


class DatasetDispatcher(Protocol):
    """Sends a committed dataset id to whatever converts datasets."""

    def dispatch(self, dataset_id: uuid.UUID) -> None:
        """Queue the conversion (ids only)."""


def dispatch_after_commit(session: Session, dataset_id: uuid.UUID) -> None:
    """Queue the conversion once the session's transaction has committed."""
    from app.jobs import engine

    after_commit(session, lambda: engine.current().datasets.dispatch(dataset_id))


class LocalDatasetProcessor:
    """Embedded mode: one thread converts queued datasets, one at a time."""

    def __init__(self, settings: Settings, db: Database, job_settings: JobSettings) -> None:
        self.settings = settings
        self.db = db
        self.job_settings = job_settings
        self.queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self.shutdown = threading.Event()
        self.thread: threading.Thread | None = None

    def dispatch(self, dataset_id: uuid.UUID) -> None:
        """Queue a committed dataset id."""
        self.queue.put(dataset_id)

    def start(self) -> None:
        """Start the thread and queue every dataset a previous run left processing."""
        self.shutdown.clear()
        self.thread = threading.Thread(target=self._loop, name="dataset-processor", daemon=True)
        self.thread.start()
        with self.db.session_scope() as session:
            for dataset_id in session.scalars(
                select(Dataset.id).where(Dataset.status == DatasetStatus.processing)
            ):
                self.dispatch(dataset_id)

    def stop(self) -> None:
        """Stop the conversion in progress (its claim is released) and the thread."""
        self.shutdown.set()
        self.queue.put(None)
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT_SECONDS)

    def _loop(self) -> None:
        while not self.shutdown.is_set():
            dataset_id = self.queue.get()
            if dataset_id is None or self.shutdown.is_set():
                return
            try:
                process_dataset(
                    self.db, self.settings, self.job_settings, dataset_id, shutdown=self.shutdown
                )
            except Exception:
                logger.exception("dataset %s: conversion error", dataset_id)


class CeleryDatasetDispatcher:
    """Production: sends `process_dataset(id)` to the default (short tasks) queue."""

    def __init__(self, settings: Settings, job_settings: JobSettings) -> None:
        from app.celery import make_celery

        self.job_settings = job_settings
        self.celery = make_celery(settings, job_settings)

    def dispatch(self, dataset_id: uuid.UUID) -> None:
        """Queue the dataset id (string)."""
        self.celery.send_task(
            PROCESS_DATASET_TASK, args=[str(dataset_id)], queue=self.job_settings.default_queue
        )


def reap_datasets(db: Database, settings: Settings, job_settings: JobSettings) -> dict[str, int]:
    """One pass over stuck conversions and stale staging folders; what was done."""
    counts = {"retried": 0, "failed": 0, "resent": 0, "staging_removed": 0}
    now = utcnow()
    stale_before = now - timedelta(seconds=job_settings.stale_after_seconds)
    resend_before = now - timedelta(seconds=job_settings.requeue_queued_after_seconds)
    with db.session_scope() as session:
        stuck = session.execute(
            select(Dataset.id, Dataset.project_id, Dataset.processing_attempts).where(
                Dataset.status == DatasetStatus.processing,
                Dataset.heartbeat_at < stale_before,
            )
        ).all()
        for row in stuck:
            if row.processing_attempts < job_settings.max_attempts:
                dispatch_after_commit(session, row.id)
                counts["retried"] += 1
                continue
            message = (
                f"The conversion was interrupted {row.processing_attempts} times "
                "(its process stopped); upload the file again."
            )
            failed = session.execute(
                update(Dataset)
                .where(
                    Dataset.id == row.id,
                    Dataset.status == DatasetStatus.processing,
                    Dataset.heartbeat_at < stale_before,
                )
                .values(
                    status=DatasetStatus.failed,
                    error={"code": "conversion_interrupted", "message": message, "details": None},
                    heartbeat_at=None,
                )
                .execution_options(synchronize_session=False)
            )
            if failed.rowcount == 1:  # type: ignore[attr-defined]
                after_commit(
                    session, partial(remove_dataset_files, settings, row.project_id, row.id)
                )
                counts["failed"] += 1
        forgotten = session.scalars(
            select(Dataset.id).where(
                Dataset.status == DatasetStatus.processing,
                Dataset.heartbeat_at.is_(None),
                Dataset.updated_at < resend_before,
            )
        ).all()
        for dataset_id in forgotten:
            dispatch_after_commit(session, dataset_id)
            counts["resent"] += 1
    counts["staging_removed"] = remove_stale_staging(settings)
    if any(counts.values()):
        logger.info("dataset reaper: %s", counts)
    return counts


def remove_stale_staging(settings: Settings, max_age: float = STAGING_MAX_AGE_SECONDS) -> int:
    """Delete upload staging folders older than `max_age` seconds (left by a crash)."""
    removed = 0
    cutoff = time.time() - max_age
    for entry in tmp_root(settings).iterdir():
        if entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
            removed += 1
    return removed
