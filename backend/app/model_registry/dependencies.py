"""Load-or-404 dependencies for model version routes."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session, defer

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import NotFound
from app.db.models import ModelVersion, ProjectRole, User
from app.projects.access import require_project_role


def load_model_version(
    session: Session, user: User, model_id: uuid.UUID, minimum: ProjectRole
) -> ModelVersion:
    """The model version if `user` has at least `minimum` in its project; 404 otherwise."""
    # the held-out report (tens of kB of JSON) is loaded only by the routes that read it
    version = session.get(ModelVersion, model_id, options=[defer(ModelVersion.report)])
    if version is None:
        raise NotFound("Model not found.", code="model_not_found")
    require_project_role(
        session,
        user,
        version.project_id,
        minimum,
        not_found_message="Model not found.",
        not_found_code="model_not_found",
    )
    return version


def _version_dependency(minimum: ProjectRole) -> Callable[..., ModelVersion]:
    def dependency(model_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ModelVersion:
        return load_model_version(session, user, model_id, minimum)

    return dependency


CurrentModel = Annotated[ModelVersion, Depends(_version_dependency(ProjectRole.viewer))]
EditableModel = Annotated[ModelVersion, Depends(_version_dependency(ProjectRole.editor))]
