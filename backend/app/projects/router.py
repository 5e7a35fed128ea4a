"""Projects and their members."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import (
    AdminUser,
    ClientIP,
    CurrentUser,
    ProjectOwner,
    ProjectViewer,
    SessionDep,
    SettingsDep,
)
from app.core.schemas import Offset, Page
from app.db.models import ProjectMember
from app.projects import quotas, service
from app.projects.schemas import (
    MemberAdd,
    MemberRead,
    MemberUpdate,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    QuotaLimits,
    QuotaUpdate,
    UsageRead,
)

router = APIRouter(prefix="/projects", tags=["projects"])


def _member_read(member: ProjectMember) -> MemberRead:
    return MemberRead(
        user_id=member.user_id,
        username=member.user.username,
        display_name=member.user.display_name,
        role=member.role,
        created_at=member.created_at,
    )


@router.get("", operation_id="list_projects")
def list_projects(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> Page[ProjectRead]:
    """Projects the caller belongs to (all, for admins)."""
    items, total = service.list_projects(session, user=user, limit=limit, offset=offset)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("", status_code=201, operation_id="create_project")
def create_project(
    data: ProjectCreate, session: SessionDep, user: CurrentUser, ip: ClientIP
) -> ProjectRead:
    """Create a team project; the caller becomes owner."""
    project = service.create_project(session, data=data, creator=user, ip=ip)
    return service.to_read(session, project, user)


@router.get("/{project_id}", operation_id="get_project")
def get_project(project: ProjectViewer, session: SessionDep, user: CurrentUser) -> ProjectRead:
    """One project."""
    return service.to_read(session, project, user)


@router.patch("/{project_id}", operation_id="update_project")
def update_project(
    data: ProjectUpdate,
    project: ProjectOwner,
    session: SessionDep,
    user: CurrentUser,
    ip: ClientIP,
) -> ProjectRead:
    """Rename or re-describe a project (owner)."""
    service.update_project(session, project=project, data=data, actor=user, ip=ip)
    return service.to_read(session, project, user)


@router.get("/{project_id}/usage", operation_id="get_project_usage")
def get_usage(project: ProjectOwner, session: SessionDep, settings: SettingsDep) -> UsageRead:
    """Each quota's limit and the project's usage (owners and admins)."""
    return quotas.usage(session, settings, project.id)


@router.patch("/{project_id}/quotas", operation_id="update_project_quotas")
def update_quotas(
    data: QuotaUpdate,
    project: ProjectOwner,
    admin: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
    ip: ClientIP,
) -> QuotaLimits:
    """Set the project's quotas (admins); `null` = unlimited, left out = kept."""
    return quotas.update_limits(session, settings, project.id, data, actor=admin, ip=ip)


@router.get("/{project_id}/members", operation_id="list_project_members")
def list_members(project: ProjectViewer, session: SessionDep) -> list[MemberRead]:
    """Members and their roles."""
    return [_member_read(m) for m in service.list_members(session, project=project)]


@router.post("/{project_id}/members", status_code=201, operation_id="add_project_member")
def add_member(
    data: MemberAdd, project: ProjectOwner, session: SessionDep, user: CurrentUser, ip: ClientIP
) -> MemberRead:
    """Add a member (owner)."""
    return _member_read(service.add_member(session, project=project, data=data, actor=user, ip=ip))


@router.patch("/{project_id}/members/{user_id}", operation_id="update_project_member")
def update_member(
    user_id: uuid.UUID,
    data: MemberUpdate,
    project: ProjectOwner,
    session: SessionDep,
    user: CurrentUser,
    ip: ClientIP,
) -> MemberRead:
    """Change a member's role (owner)."""
    member = service.change_member_role(
        session, project=project, user_id=user_id, role=data.role, actor=user, ip=ip
    )
    return _member_read(member)


@router.delete(
    "/{project_id}/members/{user_id}", status_code=204, operation_id="remove_project_member"
)
def remove_member(
    user_id: uuid.UUID,
    project: ProjectOwner,
    session: SessionDep,
    user: CurrentUser,
    ip: ClientIP,
) -> Response:
    """Remove a member (owner)."""
    service.remove_member(session, project=project, user_id=user_id, actor=user, ip=ip)
    return Response(status_code=204)
