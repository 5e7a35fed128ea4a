"""The Celery worker process's job engine (built once, on first use)."""

import threading
import uuid

from app.core.config import get_settings
from app.datasets.background import reap_datasets
from app.datasets.processing import process_dataset
from app.db.session import Database
from app.jobs import engine
from app.jobs.reaper import reap
from app.jobs.runner import run_job

_lock = threading.Lock()


def _engine() -> engine.JobEngine:
    with _lock:
        try:
            return engine.current()
        except RuntimeError:
            settings = get_settings().model_copy(update={"job_backend": "celery"})
            built = engine.build_engine(settings, Database(settings.sqlalchemy_url))
            engine.install(built)
            return built


def run(job_id: uuid.UUID) -> str:
    """Run one job with this worker's engine."""
    current = _engine()
    return run_job(current.db, current.settings, current.job_settings, job_id)


def reap_now() -> dict[str, int]:
    """One reaper pass with this worker's engine."""
    current = _engine()
    return reap(current.db, current.job_settings)


def process_dataset_now(dataset_id: uuid.UUID) -> str:
    """Convert one uploaded dataset with this worker's engine."""
    current = _engine()
    return process_dataset(current.db, current.settings, current.job_settings, dataset_id)


def reap_datasets_now() -> dict[str, int]:
    """One pass over stuck dataset conversions with this worker's engine."""
    current = _engine()
    return reap_datasets(current.db, current.settings, current.job_settings)
