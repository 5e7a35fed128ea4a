"""The Celery app of the test workers and beat: the platform's kinds plus the sleep kind."""

from app.celery import make_celery
from tests.jobs.sleep_kind import kinds_with_sleep

celery = make_celery(kinds=kinds_with_sleep)
