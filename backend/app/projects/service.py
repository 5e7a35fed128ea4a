"""Projects and memberships; owners manage members, the last owner stays."""

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.core.errors import Conflict, NotFound
from app.db.models import Project, ProjectMember, ProjectRole, User
from app.db.pagination import paginate
from app.projects.access import role_in_project, visible_project_ids
from app.projects.schemas import MemberAdd, ProjectCreate, ProjectRead, ProjectUpdate


def create_personal_project(session: Session, *, owner: User) -> Project:
    """The personal workspace every new user gets."""
    project = Project(
        name=f"{owner.username} 的个人项目",
        is_personal=True,
        created_by_id=owner.id,
    )
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=owner.id, role=ProjectRole.owner))
    return project


def create_project(
    session: Session, *, data: ProjectCreate, creator: User, ip: str | None
) -> Project:
    """A team project owned by its creator."""
    project = Project(name=data.name, description=data.description, created_by_id=creator.id)
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=creator.id, role=ProjectRole.owner))
    audit.record(
        session,
        action="project.create",
        actor=creator,
        object_type="project",
        object_id=project.id,
        project_id=project.id,
        ip=ip,
    )
    return project


def to_read(session: Session, project: Project, user: User) -> ProjectRead:
    """A project as seen by this user."""
    read = ProjectRead.model_validate(project)
    read.my_role = role_in_project(session, user, project.id)
    return read


def list_projects(
    session: Session, *, user: User, limit: int, offset: int
) -> tuple[list[ProjectRead], int]:
    """Projects the user belongs to (all for admins), by name."""
    query = select(Project)
    ids = visible_project_ids(session, user)
    if ids is not None:
        query = query.where(Project.id.in_(ids))
    rows, total = paginate(
        session, query, order_by=(Project.name, Project.id), limit=limit, offset=offset
    )
    return [to_read(session, p, user) for p in rows], total


def update_project(
    session: Session, *, project: Project, data: ProjectUpdate, actor: User, ip: str | None
) -> Project:
    """Rename or re-describe a project."""
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(project, key, value)
    audit.record(
        session,
        action="project.update",
        actor=actor,
        object_type="project",
        object_id=project.id,
        project_id=project.id,
        ip=ip,
        details=changes,
    )
    return project


def list_members(session: Session, *, project: Project) -> list[ProjectMember]:
    """Members of a project by username."""
    return list(
        session.scalars(
            select(ProjectMember)
            .join(User, ProjectMember.user_id == User.id)
            .where(ProjectMember.project_id == project.id)
            .order_by(User.username)
        )
    )


def _member(session: Session, project: Project, user_id: uuid.UUID) -> ProjectMember:
    member = session.scalar(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == user_id
        )
    )
    if member is None:
        raise NotFound("That user is not a member of this project.", code="member_not_found")
    return member


def _guard_last_owner(session: Session, member: ProjectMember) -> None:
    if member.role != ProjectRole.owner:
        return
    owners = session.scalar(
        select(func.count()).where(
            ProjectMember.project_id == member.project_id, ProjectMember.role == ProjectRole.owner
        )
    )
    if (owners or 0) <= 1:
        raise Conflict("A project must keep at least one owner.", code="last_owner")


def _addable_user(data: MemberAdd, actor: User) -> Select[User]:
    """The active user `data` names, among those the actor may name."""
    if data.user_id is not None:
        return select(User).where(User.id == data.user_id, User.is_active.is_(True))
    query = select(User).where(User.username == data.username, User.is_active.is_(True))
    if actor.is_admin:
        return query
    actor_projects = select(ProjectMember.project_id).where(ProjectMember.user_id == actor.id)
    co_members = select(ProjectMember.user_id).where(ProjectMember.project_id.in_(actor_projects))
    return query.where(User.id.in_(co_members))


def add_member(
    session: Session, *, project: Project, data: MemberAdd, actor: User, ip: str | None
) -> ProjectMember:
    """Add a user to a team project with a role.

    Personal projects have no other members. A non-admin names by username only people they
    already share a project with (anyone else answers like a name that does not exist, so
    names cannot be probed); a user id, which cannot be guessed, may name anyone active.
    """
    if project.is_personal:
        raise Conflict(
            "A personal project has no other members; create a team project to share work.",
            code="personal_project",
        )
    user = session.scalar(_addable_user(data, actor))
    if user is None:
        raise NotFound(
            "No active user with that name or id that you can add; ask an administrator, "
            "or give the person's user id.",
            code="user_not_found",
        )
    exists = session.scalar(
        select(ProjectMember.id).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == user.id
        )
    )
    if exists:
        raise Conflict(f"{user.username} is already a member.", code="already_member")
    member = ProjectMember(project_id=project.id, user_id=user.id, role=data.role, user=user)
    session.add(member)
    session.flush()
    audit.record(
        session,
        action="project.member_add",
        actor=actor,
        object_type="user",
        object_id=user.id,
        project_id=project.id,
        ip=ip,
        details={"username": user.username, "role": data.role.value},
    )
    return member


def change_member_role(
    session: Session,
    *,
    project: Project,
    user_id: uuid.UUID,
    role: ProjectRole,
    actor: User,
    ip: str | None,
) -> ProjectMember:
    """Change a member's role; the last owner cannot be demoted."""
    member = _member(session, project, user_id)
    if role != ProjectRole.owner:
        _guard_last_owner(session, member)
    old = member.role
    member.role = role
    audit.record(
        session,
        action="project.member_role_change",
        actor=actor,
        object_type="user",
        object_id=user_id,
        project_id=project.id,
        ip=ip,
        details={"from": old.value, "to": role.value},
    )
    return member


def remove_member(
    session: Session, *, project: Project, user_id: uuid.UUID, actor: User, ip: str | None
) -> None:
    """Remove a member; the last owner cannot be removed."""
    member = _member(session, project, user_id)
    _guard_last_owner(session, member)
    session.delete(member)
    audit.record(
        session,
        action="project.member_remove",
        actor=actor,
        object_type="user",
        object_id=user_id,
        project_id=project.id,
        ip=ip,
    )
