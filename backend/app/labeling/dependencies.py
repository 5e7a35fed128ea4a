"""Load-or-404 for labeling runs and for the dataset a new run labels (project checked)."""

import uuid
from typing import Annotated

from fastapi import Depends

from app.api.deps import CurrentUser, SessionDep
from app.datasets.dependencies import get_dataset_or_404
from app.db.models import Dataset, LabelingRun, ProjectRole
from app.labeling.schemas import LabelingRunCreate
from app.projects.access import get_in_project


def get_run_or_404(run_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> LabelingRun:
    """The run if the user can view its project; 404 otherwise."""
    return get_in_project(
        session,
        user,
        LabelingRun,
        run_id,
        ProjectRole.viewer,
        not_found_message="Labeling run not found.",
        not_found_code="labeling_run_not_found",
    )


def get_editable_run_or_404(
    run_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> LabelingRun:
    """The run if the user can edit its project; 404 when invisible, 403 for viewers."""
    return get_in_project(
        session,
        user,
        LabelingRun,
        run_id,
        ProjectRole.editor,
        not_found_message="Labeling run not found.",
        not_found_code="labeling_run_not_found",
    )


def get_target_dataset(data: LabelingRunCreate, session: SessionDep, user: CurrentUser) -> Dataset:
    """The dataset named in the body, which the user must be able to edit."""
    return get_dataset_or_404(session, user, data.dataset_id, ProjectRole.editor)


CurrentRun = Annotated[LabelingRun, Depends(get_run_or_404)]
EditableRun = Annotated[LabelingRun, Depends(get_editable_run_or_404)]
TargetDataset = Annotated[Dataset, Depends(get_target_dataset)]
