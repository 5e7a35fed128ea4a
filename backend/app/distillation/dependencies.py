"""Load-or-404 for distillations and for the labeling run a new one distils (project checked)."""

import uuid
from typing import Annotated

from fastapi import Depends

from app.api.deps import CurrentUser, SessionDep
from app.db.models import Distillation, LabelingRun, ProjectRole
from app.distillation.schemas import DistillationCreate
from app.projects.access import get_in_project


def get_distillation_or_404(
    distillation_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Distillation:
    """The distillation if the user can view its project; 404 otherwise."""
    return get_in_project(
        session,
        user,
        Distillation,
        distillation_id,
        ProjectRole.viewer,
        not_found_message="Distillation not found.",
        not_found_code="distillation_not_found",
    )


def get_source_run(data: DistillationCreate, session: SessionDep, user: CurrentUser) -> LabelingRun:
    """The labeling run named in the body, whose project the user must be able to edit."""
    return get_in_project(
        session,
        user,
        LabelingRun,
        data.labeling_run_id,
        ProjectRole.editor,
        not_found_message="labeling_run_id: labeling run not found.",
        not_found_code="labeling_run_not_found",
    )


CurrentDistillation = Annotated[Distillation, Depends(get_distillation_or_404)]
SourceRun = Annotated[LabelingRun, Depends(get_source_run)]
