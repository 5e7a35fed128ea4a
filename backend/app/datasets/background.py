"""Where background conversions run: a thread of the API process (embedded) or Celery.

Both send dataset ids only, after the upload's row is committed. The reaper re-sends
conversions nobody claimed and retries those whose process died (attempts capped), then
fails them with a reason; it also removes upload staging folders left by a crash.
"""

import logging
import shutil
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
from app.jobs.queue_thread import QueueThread

PROCESS_DATASET_TASK = "app.datasets.tasks.process_dataset"
STAGING_MAX_AGE_SECONDS = 6 * 3600  # an upload still streaming after this is abandoned
logger = logging.getLogger("app.datasets.background")


class DatasetDispatcher(Protocol):
    """Sends a committed dataset id to whatever converts datasets."""

    def dispatch(self, dataset_id: uuid.UUID) -> None:
        """Queue the conversion (ids only)."""


def dispatch_after_commit(session: Session, dataset_id: uuid.UUID) -> None:
    """Queue the conversion once the session's transaction has committed."""
    from app.jobs import engine

    after_commit(session, lambda: engine.current().datasets.dispatch(dataset_id))


class LocalDatasetProcessor(QueueThread):
    """Embedded mode: one thread converts queued datasets, one at a time."""

    name = "dataset-processor"

    def pending(self) -> list[uuid.UUID]:
        """Datasets a previous run left processing."""
        with self.db.session_scope() as session:
            return list(
                session.scalars(
                    select(Dataset.id).where(Dataset.status == DatasetStatus.processing)
                )
            )

    def handle(self, item_id: uuid.UUID) -> None:
        """Convert one dataset (at shutdown the child is stopped and the claim released)."""
        process_dataset(self.db, self.settings, self.job_settings, item_id, shutdown=self.shutdown)


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
