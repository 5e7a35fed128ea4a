"""Celery process start: the worker's engine (its context) and beacon; the reaper in beat.

The Celery app names its job kinds (`celery_app.job_kinds`, a factory given the settings).
A worker builds its engine once when it starts and keeps it on the app (`app.job_engine`),
which the task reads. Beat runs the reaper in a thread of its own process, so stale jobs are
requeued or failed even when no worker is alive.
"""

import logging
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init, worker_process_init, worker_shutdown

from app.core.config import get_settings
from app.db.session import Database
from app.engine.beacon import WorkerBeacon
from app.engine.build import build_engine
from app.engine.context import JobEngine
from app.engine.local import ReaperTimer

logger = logging.getLogger("app.engine.celery_worker")


def engine_for(celery_app: Celery) -> JobEngine:
    """Build this process's engine for the Celery app and keep it on the app."""
    settings = get_settings().model_copy(update={"job_backend": "celery"})
    db = Database(settings.sqlalchemy_url)
    engine = build_engine(settings, db, celery_app.job_kinds(settings), celery_app.job_settings)
    engine.start()
    celery_app.job_engine = engine
    return engine


@worker_init.connect
def _on_worker_init(sender: Any, **_: Any) -> None:
    engine = engine_for(sender.app)
    assert engine.settings.redis_url is not None
    beacon = WorkerBeacon(engine.settings.redis_url, engine.job_settings, sender.hostname)
    beacon.start()
    sender.app.job_beacon = beacon


@worker_process_init.connect
def _on_worker_process_init(**_: Any) -> None:
    """A prefork child: its own engine (connections do not survive a fork)."""
    from celery import current_app

    engine_for(current_app)


@worker_shutdown.connect
def _on_worker_shutdown(sender: Any, **_: Any) -> None:
    beacon = getattr(sender.app, "job_beacon", None)
    if beacon is not None:
        beacon.stop()


@beat_init.connect
def _on_beat_init(sender: Any, **_: Any) -> None:
    engine = engine_for(sender.app)
    reaper = ReaperTimer(engine)
    reaper.start()
    logger.info("reaper running in beat every %ss", engine.job_settings.reaper_interval_seconds)
