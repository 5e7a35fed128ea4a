"""Embedded mode: the runner in a background thread of the API process, and a reaper timer."""

import logging
import queue
import threading
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.core.config import Settings
from app.datasets.background import reap_datasets
from app.db.models.job import JobStatus, TrainingJob
from app.db.session import Database
from app.jobs.config import JobSettings
from app.jobs.reaper import reap
from app.jobs.runner import run_job

if TYPE_CHECKING:
    from app.jobs.engine import JobEngine

logger = logging.getLogger("app.jobs.local")
STOP_TIMEOUT_SECONDS = 30


class LocalRunnerService:
    """A dispatcher whose queue is consumed by one runner thread (jobs run one at a time)."""

    def __init__(self, settings: Settings, db: Database, job_settings: JobSettings) -> None:
        self.settings = settings
        self.db = db
        self.job_settings = job_settings
        self.queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self.shutdown = threading.Event()
        self.thread: threading.Thread | None = None

    def dispatch(self, job_id: uuid.UUID) -> None:
        """Queue a committed job id."""
        self.queue.put(job_id)

    def start(self) -> None:
        """Start the runner thread and queue every job left queued by a previous run."""
        self.shutdown.clear()
        self.thread = threading.Thread(target=self._loop, name="job-runner", daemon=True)
        self.thread.start()
        with self.db.session_scope() as session:
            pending = session.scalars(
                select(TrainingJob.id)
                .where(TrainingJob.status == JobStatus.queued)
                .order_by(TrainingJob.queued_at)
            )
            for job_id in pending:
                self.dispatch(job_id)

    def stop(self) -> None:
        """Stop the running trainer (its job is queued again) and the thread."""
        self.shutdown.set()
        self.queue.put(None)
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT_SECONDS)

    def _loop(self) -> None:
        while not self.shutdown.is_set():
            job_id = self.queue.get()
            if job_id is None or self.shutdown.is_set():
                return
            try:
                run_job(self.db, self.settings, self.job_settings, job_id, shutdown=self.shutdown)
            except Exception:
                logger.exception("job %s: runner error", job_id)


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
