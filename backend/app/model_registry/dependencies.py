"""Load-or-404 dependencies for model version routes."""

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import NotFound
from app.db.models import ModelVersion, ProjectRole
from app.projects.access import require_project_role


def _version_dependency(minimum: ProjectRole) -> Callable[..., ModelVersion]:
    def dependency(model_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> ModelVersion:
        version = session.get(ModelVersion, model_id)
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

    return dependency


CurrentModel = Annotated[ModelVersion, Depends(_version_dependency(ProjectRole.viewer))]
EditableModel = Annotated[ModelVersion, Depends(_version_dependency(ProjectRole.editor))]
