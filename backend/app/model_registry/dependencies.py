"""Load-or-404 dependencies for model version routes."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session, defer

from app.api.deps import CurrentUser, SessionDep
from app.db.models import ModelVersion, ProjectRole, User
from app.projects.access import get_in_project


def load_model_version(
    session: Session, user: User, model_id: uuid.UUID, minimum: ProjectRole
) -> ModelVersion:
    """The model version if `user` has at least `minimum` in its project; 404 otherwise."""
    return get_in_project(
        session,
        user,
        ModelVersion,
        model_id,
        minimum,
        not_found_message="Model not found.",
        not_found_code="model_not_found",
        # the held-out report (tens of kB of JSON) is loaded only by the routes that read it
        options=[defer(ModelVersion.report)],
    )


def _version_dependency(minimum: ProjectRole) -> Callable[..., ModelVersion]:
    def dependency(model_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ModelVersion:
        return load_model_version(session, user, model_id, minimum)

    return dependency


CurrentModel = Annotated[ModelVersion, Depends(_version_dependency(ProjectRole.viewer))]
EditableModel = Annotated[ModelVersion, Depends(_version_dependency(ProjectRole.editor))]
