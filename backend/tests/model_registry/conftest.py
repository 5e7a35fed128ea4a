"""Reuse the job engine fixtures (models come from real training jobs)."""

from tests.jobs.conftest import (  # noqa: F401 - fixtures
    add_dataset,
    celery_worker,
    job_settings,
    jobs_app,
    jobs_client,
    jobs_db,
)
