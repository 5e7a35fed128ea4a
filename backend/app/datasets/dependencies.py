"""Load-or-404 dependencies for dataset routes (project access checked on every load)."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import NotFound
from app.db.models import Dataset, ProjectRole, User
from app.projects.access import require_project_role

NOT_FOUND_MESSAGE = "Dataset not found."
NOT_FOUND_CODE = "dataset_not_found"


def get_dataset_or_404(
    session: Session, user: User, dataset_id: uuid.UUID, minimum: ProjectRole
) -> Dataset:
    """The dataset if the user has `minimum` in its project; 404 if invisible, 403 if weak."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise NotFound(NOT_FOUND_MESSAGE, code=NOT_FOUND_CODE)
    require_project_role(
        session,
        user,
        dataset.project_id,
        minimum,
        not_found_message=NOT_FOUND_MESSAGE,
        not_found_code=NOT_FOUND_CODE,
    )
    return dataset


def _dataset_dependency(minimum: ProjectRole) -> Callable[..., Dataset]:
    def dependency(dataset_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Dataset:
        return get_dataset_or_404(session, user, dataset_id, minimum)

    return dependency


CurrentDataset = Annotated[Dataset, Depends(_dataset_dependency(ProjectRole.viewer))]
EditableDataset = Annotated[Dataset, Depends(_dataset_dependency(ProjectRole.editor))]
