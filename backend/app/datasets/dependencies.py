"""Dataset route dependencies: load-or-404 with the project check, and the uploader."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from app.api.deps import (
    CurrentUser,
    DatabaseDep,
    SessionDep,
    SettingsDep,
    authenticate,
    oauth2_scheme,
)
from app.datasets.service import require_ready
from app.datasets.upload import Uploader
from app.db.models import Dataset, ProjectRole, User
from app.projects.access import get_in_project, require_project

NOT_FOUND_MESSAGE = "Dataset not found."
NOT_FOUND_CODE = "dataset_not_found"


def get_dataset_or_404(
    session: Session, user: User, dataset_id: uuid.UUID, minimum: ProjectRole
) -> Dataset:
    """The dataset if the user has `minimum` in its project; 404 if invisible, 403 if weak."""
    return get_in_project(
        session,
        user,
        Dataset,
        dataset_id,
        minimum,
        not_found_message=NOT_FOUND_MESSAGE,
        not_found_code=NOT_FOUND_CODE,
    )


def _dataset_dependency(minimum: ProjectRole) -> Callable[..., Dataset]:
    def dependency(dataset_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Dataset:
        return get_dataset_or_404(session, user, dataset_id, minimum)

    return dependency


CurrentDataset = Annotated[Dataset, Depends(_dataset_dependency(ProjectRole.viewer))]
EditableDataset = Annotated[Dataset, Depends(_dataset_dependency(ProjectRole.editor))]


def _ready_dataset(dataset: CurrentDataset) -> Dataset:
    return require_ready(dataset)


ReadyDataset = Annotated[Dataset, Depends(_ready_dataset)]


def get_uploader(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    project_id: Annotated[
        uuid.UUID | None,
        Query(description="The project to upload into (preferred over the form field)."),
    ] = None,
) -> Uploader:
    """Authenticate, and check the query's project before any of the body is read."""
    with db.session_scope() as session:
        user = authenticate(request, session, token, settings.jwt_secret_key)
        if project_id is not None:
            require_project(session, user, project_id, ProjectRole.editor)
    return Uploader(user_id=user.id, project_id=project_id)


UploaderDep = Annotated[Uploader, Depends(get_uploader)]
