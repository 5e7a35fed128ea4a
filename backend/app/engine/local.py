"""Embedded mode: runner threads in the API process (one per queue) and a reaper timer."""

import logging
import queue
import threading
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.db.models.job import JobStatus, TrainingJob
from app.engine.kinds import Queue
from app.engine.reaper import reap
from app.engine.runner import run_job

if TYPE_CHECKING:
    from app.engine.context import JobEngine

STOP_TIMEOUT_SECONDS = 30
QUEUES: tuple[Queue, ...] = ("training", "default")
logger = logging.getLogger("app.engine.local")


class RunnerThread:
    """One thread runs the jobs sent to its queue, one at a time."""

    def __init__(self, engine: "JobEngine", queue_name: Queue) -> None:
        self.engine = engine
        self.queue_name = queue_name
        self.queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self.shutdown = threading.Event()
        self.thread: threading.Thread | None = None

    def put(self, job_id: uuid.UUID) -> None:
        """Queue a committed job id."""
        self.queue.put(job_id)

    def start(self) -> None:
        """Start the thread and queue the jobs a previous run left queued, oldest first."""
        self.shutdown.clear()
        self.thread = threading.Thread(
            target=self._loop, name=f"job-runner-{self.queue_name}", daemon=True
        )
        self.thread.start()
        kinds = self.engine.kinds.kinds_on(self.queue_name)
        with self.engine.db.session_scope() as session:
            pending = session.scalars(
                select(TrainingJob.id)
                .where(TrainingJob.status == JobStatus.queued, TrainingJob.kind.in_(kinds))
                .order_by(TrainingJob.queued_at)
            ).all()
        for job_id in pending:
            self.put(job_id)

    def stop(self) -> None:
        """Stop the job in progress (queued again) and end the thread."""
        self.shutdown.set()
        self.queue.put(None)
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT_SECONDS)

    def alive(self) -> bool:
        """Whether the thread is running."""
        return self.thread is not None and self.thread.is_alive()

    def _loop(self) -> None:
        while not self.shutdown.is_set():
            job_id = self.queue.get()
            if job_id is None or self.shutdown.is_set():
                return
            try:
                run_job(self.engine, job_id, shutdown=self.shutdown)
            except Exception:
                logger.exception("runner %s: error running job %s", self.queue_name, job_id)


class LocalSender:
    """Sends job ids to the runner thread of their queue."""

    def __init__(self) -> None:
        self.threads: dict[Queue, RunnerThread] = {}

    def runners(self, engine: "JobEngine") -> list[RunnerThread]:
        """Create the runner threads (the engine starts and stops them)."""
        self.threads = {name: RunnerThread(engine, name) for name in QUEUES}
        return list(self.threads.values())

    def send(self, job_id: uuid.UUID, queue_name: Queue) -> None:
        """Hand the id to the queue's thread."""
        self.threads[queue_name].put(job_id)

    def liveness(self) -> dict[str, str | int]:
        """The in-process queues are always reachable; the runner threads that are running."""
        alive = sum(thread.alive() for thread in self.threads.values())
        return {"backend": "local", "broker": "ok", "workers_alive": alive}


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
        while not self.stopped.wait(self.engine.job_settings.reaper_interval_seconds):
            try:
                reap(self.engine)
            except Exception:
                logger.exception("reaper failed")
