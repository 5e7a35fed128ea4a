"""Chat model fixtures (the OpenAI-compatible API) and job fixtures (trained models) for the
tests through nginx."""

from tests.jobs.conftest import (  # noqa: F401 - fixtures
    add_dataset,
    celery_worker,
    job_settings,
    jobs_app,
    jobs_client,
    jobs_db,
)
from tests.serving.conftest import chat_templates, register_chat_model  # noqa: F401 - fixtures
