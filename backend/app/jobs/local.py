"""Embedded mode: the runner in a background thread of the API process, and a reaper timer."""

import logging
import threading
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.datasets.background import reap_datasets
from app.db.models.job import JobStatus, TrainingJob
from app.jobs.queue_thread import STOP_TIMEOUT_SECONDS, QueueThread
from app.jobs.reaper import reap
from app.jobs.runner import run_job

if TYPE_CHECKING:
    from app.jobs.engine import JobEngine

logger = logging.getLogger("app.jobs.local")


class LocalRunnerService(QueueThread):
    """A dispatcher whose queue is consumed by one runner thread (jobs run one at a time)."""

    name = "job-runner"

    def pending(self) -> list[uuid.UUID]:
        """Jobs a previous run left queued, oldest first."""
        with self.db.session_scope() as session:
            return list(
                session.scalars(
                    select(TrainingJob.id)
                    .where(TrainingJob.status == JobStatus.queued)
                    .order_by(TrainingJob.queued_at)
                )
            )

    def handle(self, item_id: uuid.UUID) -> None:
        """Run one job (at shutdown its trainer is stopped and the job queued again)."""
        run_job(self.db, self.settings, self.job_settings, item_id, shutdown=self.shutdown)


class ReaperTimer:
    """Runs the reaper every `reaper_interval_seconds` in a daemon thread."""

    def __init__(self, engine: "JobEngine") -> None:
        self.engine = engine
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the timer thread."""
        self.stopped.clear()
        self.thread = threading.Thread(target=self._loop, name="job-reaper", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop the timer thread."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT_SECONDS)

    def _loop(self) -> None:
        interval = self.engine.job_settings.reaper_interval_seconds
        while not self.stopped.wait(interval):
            try:
                reap(self.engine.db, self.engine.job_settings)
                reap_datasets(self.engine.db, self.engine.settings, self.engine.job_settings)
            except Exception:
                logger.exception("reaper failed")
