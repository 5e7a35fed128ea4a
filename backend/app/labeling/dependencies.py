"""Load-or-404 for labeling runs and for the dataset a new run labels (project checked)."""

import uuid
from typing import Annotated

from fastapi import Depends

from app.api.deps import CurrentUser, SessionDep
from app.datasets.dependencies import get_dataset_or_404
from app.db.models import Dataset, LabelingRun, ProjectRole
from app.labeling.schemas import LabelingRunCreate
from app.projects.access import get_in_project


def _run(
    session: SessionDep, user: CurrentUser, run_id: uuid.UUID, minimum: ProjectRole
) -> LabelingRun:
    return get_in_project(
        session,
        user,
        LabelingRun,
        run_id,
        minimum,
        not_found_message="Labeling run not found.",
        not_found_code="labeling_run_not_found",
    )


def get_run_or_404(run_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> LabelingRun:
    """The run if the user can view its project; 404 otherwise."""
    return _run(session, user, run_id, ProjectRole.viewer)


def get_editable_run(run_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> LabelingRun:
    """The run if the user can edit its project (stop, resume); 404 when not visible."""
    return _run(session, user, run_id, ProjectRole.editor)


def get_target_dataset(data: LabelingRunCreate, session: SessionDep, user: CurrentUser) -> Dataset:
    """The dataset named in the body, which the user must be able to edit."""
    return get_dataset_or_404(session, user, data.dataset_id, ProjectRole.editor)


CurrentRun = Annotated[LabelingRun, Depends(get_run_or_404)]
EditableRun = Annotated[LabelingRun, Depends(get_editable_run)]
TargetDataset = Annotated[Dataset, Depends(get_target_dataset)]
