"""The Celery app: `celery -A app.celery worker` (every queue; `-Q training` for a training-only
worker, `-Q labeling` for a labeling-only one) and `celery -A app.celery beat` (the reaper, in a
thread of the beat process).
"""

import app.engine.celery_worker  # noqa: F401  (connects the worker and beat start signals)
from app.engine.celery_app import make_celery
from app.job_kinds import job_kinds

celery = make_celery(kinds=job_kinds)
