"""The process's job engine: event bus + dispatchers (+ local runner, dataset processor, reaper).

`build_engine` is the only place that branches on JOB_BACKEND (local | celery).
"""

import logging
import uuid
from typing import Any, Protocol

from app.core.config import Settings
from app.datasets.background import DatasetDispatcher
from app.db.session import Database
from app.jobs.bus import EventBus, LocalBus, RedisBus
from app.jobs.config import JobSettings, get_job_settings

logger = logging.getLogger("app.jobs.engine")


class Dispatcher(Protocol):
    """Sends a committed job id to whatever runs jobs."""

    def dispatch(self, job_id: uuid.UUID) -> None:
        """Queue the job for execution (ids only)."""


class JobEngine:
    """Everything a process needs to run and observe jobs."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        job_settings: JobSettings,
        bus: EventBus,
        dispatcher: Dispatcher,
        datasets: DatasetDispatcher,
        services: list[Any] | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.job_settings = job_settings
        self.bus = bus
        self.dispatcher = dispatcher
        self.datasets = datasets
        self.services = services or []

    def start(self) -> None:
        """Start background services (local runner, reaper timer)."""
        for service in self.services:
            service.start()

    def stop(self) -> None:
        """Stop background services and release connections."""
        for service in reversed(self.services):
            service.stop()
        self.bus.close()


_current: JobEngine | None = None


def build_engine(
    settings: Settings, db: Database, job_settings: JobSettings | None = None
) -> JobEngine:
    """The engine for this process (embedded mode: it also runs jobs and the reaper)."""
    job_settings = job_settings or get_job_settings()
    if settings.job_backend == "local":
        from app.datasets.background import LocalDatasetProcessor
        from app.jobs.local import LocalRunnerService, ReaperTimer

        bus: EventBus = LocalBus()
        runner = LocalRunnerService(settings, db, job_settings)
        processor = LocalDatasetProcessor(settings, db, job_settings)
        engine = JobEngine(settings, db, job_settings, bus, runner, processor)
        engine.services = [runner, processor, ReaperTimer(engine)]
        return engine
    from app.datasets.background import CeleryDatasetDispatcher
    from app.jobs.celery_dispatch import CeleryDispatcher

    if not settings.redis_url:
        raise RuntimeError("JOB_BACKEND=celery needs REDIS_URL")
    bus = RedisBus(settings.redis_url, job_settings.events_prefix)
    return JobEngine(
        settings,
        db,
        job_settings,
        bus,
        CeleryDispatcher(settings, job_settings),
        CeleryDatasetDispatcher(settings, job_settings),
    )


def install(engine: JobEngine | None) -> None:
    """Make `engine` this process's engine (None uninstalls)."""
    global _current
    _current = engine


def current() -> JobEngine:
    """This process's engine."""
    if _current is None:
        raise RuntimeError("the job engine is not started in this process")
    return _current


def publish(job_id: uuid.UUID, payload: dict[str, Any]) -> None:
    """Publish an event on this process's bus (no engine: nobody listens here)."""
    if _current is not None:
        _current.bus.publish(job_id, payload)


def dispatch(job_id: uuid.UUID) -> None:
    """Send a job id to the runner of this process's engine."""
    current().dispatcher.dispatch(job_id)
