"""Load-or-404 dependencies for job routes (project access checked on every load)."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import NotFound
from app.db.models import ProjectRole, TrainingJob
from app.projects.access import get_in_project
from app.training.train_job import TRAIN


def _job_dependency(minimum: ProjectRole) -> Callable[..., TrainingJob]:
    def dependency(job_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> TrainingJob:
        job = get_in_project(
            session,
            user,
            TrainingJob,
            job_id,
            minimum,
            not_found_message="Job not found.",
            not_found_code="job_not_found",
        )
        if job.kind != TRAIN:  # other kinds are shown by their own domain (a dataset's status)
            raise NotFound("Job not found.", code="job_not_found")
        return job

    return dependency


CurrentJob = Annotated[TrainingJob, Depends(_job_dependency(ProjectRole.viewer))]
EditableJob = Annotated[TrainingJob, Depends(_job_dependency(ProjectRole.editor))]
