"""Prediction's access check: token, active user, model and project role in one prebuilt query.

A prediction is the platform's most frequent request, and for small batches the checks cost
more than the model. The routes' dependencies load the user and the object as ORM instances
in three queries; here one statement, built once at import, returns only the columns the
checks and the predictor cache need (building a `select()` per request cost more than running
it). The rules are the same: 401 for a bad token or a disabled user, 404 for a model that does
not exist or lives in a project the user cannot see, 403 for a role that is too weak.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import defer

from app.api.deps import account_unavailable, token_user_id
from app.core.errors import NotFound
from app.db.models import ModelVersion, ProjectMember, ProjectRole, User, UserRole
from app.db.session import Database
from app.projects.access import check_role

NOT_FOUND_MESSAGE = "Model not found."
NOT_FOUND_CODE = "model_not_found"


@dataclass(frozen=True)
class ServedModel:
    """What serving needs of a model version once access is granted."""

    id: uuid.UUID
    artifact_dir: str
    size_bytes: int
    task_type: str


_ACCESS = (
    select(
        User.is_active,
        User.role.label("user_role"),
        ModelVersion.id,
        ModelVersion.artifact_dir,
        ModelVersion.size_bytes,
        ModelVersion.task_type,
        ProjectMember.role.label("member_role"),
    )
    .select_from(User)
    .outerjoin(ModelVersion, ModelVersion.id == bindparam("model_id"))
    .outerjoin(
        ProjectMember,
        and_(
            ProjectMember.project_id == ModelVersion.project_id,
            ProjectMember.user_id == User.id,
        ),
    )
    .where(User.id == bindparam("user_id"))
)


def authorize_prediction(
    db: Database, token: str | None, secret: str, model_id: uuid.UUID, minimum: ProjectRole
) -> tuple[uuid.UUID, ServedModel]:
    """The caller's user id and the model, if the token's active user has `minimum` on it."""
    user_id = token_user_id(token, secret)
    with db.engine.connect() as connection:
        row = connection.execute(_ACCESS, {"user_id": user_id, "model_id": model_id}).first()
    if row is None or not row.is_active:
        raise account_unavailable()
    if row.id is None:
        raise NotFound(NOT_FOUND_MESSAGE, code=NOT_FOUND_CODE)
    # as in `role_in_project`: platform admins act as owners of every project
    role = ProjectRole.owner if row.user_role == UserRole.admin else row.member_role
    check_role(role, minimum, not_found_message=NOT_FOUND_MESSAGE, not_found_code=NOT_FOUND_CODE)
    return user_id, ServedModel(row.id, row.artifact_dir, row.size_bytes, row.task_type)


def load_version(db: Database, model_id: uuid.UUID) -> ModelVersion:
    """The full model version (artifacts, columns, params) for loading its predictor."""
    with db.session_scope() as session:
        version = session.get(ModelVersion, model_id, options=[defer(ModelVersion.report)])
    if version is None:  # deleted since the access check
        raise NotFound(NOT_FOUND_MESSAGE, code=NOT_FOUND_CODE)
    return version
