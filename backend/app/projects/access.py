"""The one project access check used by every route: 404 when invisible, 403 when too weak."""

import uuid
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from app.core.errors import Forbidden, NotFound
from app.db.models import Project, ProjectMember, ProjectRole, User


def role_in_project(session: Session, user: User, project_id: uuid.UUID) -> ProjectRole | None:
    """The user's role in the project; admins act as owners everywhere."""
    if user.is_admin:
        return ProjectRole.owner
    return session.scalar(
        select(ProjectMember.role).where(
            ProjectMember.project_id == project_id, ProjectMember.user_id == user.id
        )
    )


def require_project_role(
    session: Session,
    user: User,
    project_id: uuid.UUID,
    minimum: ProjectRole,
    *,
    not_found_message: str = "Project not found.",
    not_found_code: str = "project_not_found",
) -> ProjectRole:
    """Check access to anything in a project; the caller names what was not found."""
    return check_role(
        role_in_project(session, user, project_id),
        minimum,
        not_found_message=not_found_message,
        not_found_code=not_found_code,
    )


def check_role(
    role: ProjectRole | None,
    minimum: ProjectRole,
    *,
    not_found_message: str,
    not_found_code: str,
) -> ProjectRole:
    """The access rule: no role → 404 (the project stays invisible), too weak → 403."""
    if role is None:
        raise NotFound(not_found_message, code=not_found_code)
    if role.rank < minimum.rank:
        raise Forbidden(
            f"This needs the '{minimum.value}' role in the project; you are '{role.value}'.",
            code="insufficient_project_role",
        )
    return role


class _InProject(Protocol):
    @property
    def project_id(self) -> uuid.UUID: ...


Owned = TypeVar("Owned", bound=_InProject)


def get_in_project(
    session: Session,
    user: User,
    entity: type[Owned],
    object_id: uuid.UUID,
    minimum: ProjectRole,
    *,
    not_found_message: str,
    not_found_code: str,
    options: Sequence[ORMOption] = (),
) -> Owned:
    """Load a project's object (dataset, job, model…) the user may act on with `minimum`.

    404 when it does not exist or its project is invisible to the user, 403 when the role is
    too weak.
    """
    found = session.get(entity, object_id, options=options)
    if found is None:
        raise NotFound(not_found_message, code=not_found_code)
    require_project_role(
        session,
        user,
        found.project_id,
        minimum,
        not_found_message=not_found_message,
        not_found_code=not_found_code,
    )
    return found


def require_project(
    session: Session, user: User, project_id: uuid.UUID, minimum: ProjectRole
) -> Project:
    """Load a project the user may act on with at least `minimum`, or raise 404/403."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("Project not found.", code="project_not_found")
    require_project_role(session, user, project_id, minimum)
    return project


def visible_project_ids(session: Session, user: User) -> list[uuid.UUID] | None:
    """Ids of projects the user belongs to; None means all (admin)."""
    if user.is_admin:
        return None
    return list(
        session.scalars(select(ProjectMember.project_id).where(ProjectMember.user_id == user.id))
    )


def scope_to_visible(
    session: Session,
    user: User,
    query: Select[Any],
    project_column: Any,
    project_id: uuid.UUID | None = None,
) -> Select[Any]:
    """Limit a list query to the user's projects, and to one project when given."""
    visible = visible_project_ids(session, user)
    if visible is not None:
        query = query.where(project_column.in_(visible))
    if project_id is not None:
        query = query.where(project_column == project_id)
    return query
