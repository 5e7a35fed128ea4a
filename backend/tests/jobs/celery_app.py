"""The Celery app of the test workers and beat: the platform's kinds plus the sleep kind."""

import app.engine.celery_worker  # noqa: F401  (connects the worker and beat start signals)
from app.engine.celery_app import make_celery
from tests.jobs.sleep_kind import kinds_with_sleep

celery = make_celery(kinds=kinds_with_sleep)
