"""Embedded mode: runner threads in the API process (per queue) and a reaper timer."""

import logging
import queue
import threading
import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.db.models.job import JobStatus, TrainingJob
from app.engine.config import JobSettings
from app.engine.kinds import QUEUES, Queue
from app.engine.reaper import reap
from app.engine.runner import run_job

if TYPE_CHECKING:
    from app.engine.context import JobEngine

STOP_TIMEOUT_SECONDS = 30
logger = logging.getLogger("app.engine.local")


def runner_count(job_settings: JobSettings, queue_name: Queue) -> int:
    """Jobs of the queue run at once: one, except labeling runs (waiting on teacher APIs)."""
    return job_settings.labeling_runners if queue_name == "labeling" else 1


class QueueRunner:
    """The runner threads of one queue: each takes the next id sent to it and runs that turn."""

    def __init__(self, engine: "JobEngine", queue_name: Queue, threads: int) -> None:
        self.engine = engine
        self.queue_name = queue_name
        self.thread_count = threads
        self.queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self.shutdown = threading.Event()
        self.threads: list[threading.Thread] = []

    def put(self, job_id: uuid.UUID) -> None:
        """Queue a committed job id."""
        self.queue.put(job_id)

    def start(self) -> None:
        """Start the threads and queue the jobs a previous run left queued, oldest first."""
        self.shutdown.clear()
        self.threads = [
            threading.Thread(
                target=self._loop, name=f"job-runner-{self.queue_name}-{index}", daemon=True
            )
            for index in range(self.thread_count)
        ]
        for thread in self.threads:
            thread.start()
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
        """Stop the jobs in progress (queued again) and end the threads."""
        self.shutdown.set()
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join(STOP_TIMEOUT_SECONDS)

    def alive(self) -> int:
        """How many of its threads are running."""
        return sum(thread.is_alive() for thread in self.threads)

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
    """Sends job ids to the runner threads of their queue."""

    def __init__(self) -> None:
        self.runners_by_queue: dict[Queue, QueueRunner] = {}

    def runners(self, engine: "JobEngine") -> list[QueueRunner]:
        """Create each queue's runner threads (the engine starts and stops them)."""
        self.runners_by_queue = {
            name: QueueRunner(engine, name, runner_count(engine.job_settings, name))
            for name in QUEUES
        }
        return list(self.runners_by_queue.values())

    def send(self, job_id: uuid.UUID, queue_name: Queue) -> None:
        """Hand the id to the queue's threads."""
        self.runners_by_queue[queue_name].put(job_id)

    def liveness(self) -> dict[str, str | int]:
        """The in-process queues are always reachable; the runner threads that are running."""
        alive = sum(runner.alive() for runner in self.runners_by_queue.values())
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
