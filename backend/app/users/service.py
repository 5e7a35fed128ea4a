"""User accounts: creation (with a personal project), changes, passwords."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.service import revoke_user_tokens
from app.core.errors import Conflict, Unauthorized
from app.core.security import check_password_policy, hash_password, verify_password
from app.db.models import User, UserRole
from app.db.pagination import paginate
from app.projects.service import create_personal_project
from app.users.schemas import MeUpdate, PasswordChange, UserCreate, UserUpdate


def _ensure_unique(session: Session, *, username: str | None, email: str | None) -> None:
    if username and session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(
            f"Username '{username}' is taken.", code="username_taken", details={"field": "username"}
        )
    if email and session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(
            f"Email '{email}' is already used.", code="email_taken", details={"field": "email"}
        )


def create_user(session: Session, *, data: UserCreate, actor: User | None, ip: str | None) -> User:
    """Create a user and their personal project."""
    check_password_policy(data.password, data.username, data.email or "", data.display_name)
    _ensure_unique(session, username=data.username, email=data.email)
    user = User(
        username=data.username,
        email=data.email,
        display_name=data.display_name or data.username,
        password_hash=hash_password(data.password),
        role=data.role,
        is_active=True,
    )
    session.add(user)
    session.flush()
    create_personal_project(session, owner=user)
    audit.record(
        session,
        action="user.create",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={"username": user.username, "role": user.role.value},
    )
    return user


def list_users(
    session: Session, *, limit: int, offset: int, search: str | None
) -> tuple[list[User], int]:
    """Users ordered by username, optionally filtered by a search string."""
    query = select(User)
    if search:
        like = f"%{search}%"
        query = query.where(User.username.ilike(like) | User.display_name.ilike(like))
    return paginate(session, query, order_by=(User.username,), limit=limit, offset=offset)


def update_user(
    session: Session, *, user: User, data: UserUpdate, actor: User, ip: str | None
) -> User:
    """Admin change of profile, role or active flag; disabling revokes every session."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] != user.email:
        _ensure_unique(session, username=None, email=changes["email"])
    if user.id == actor.id and (
        changes.get("is_active") is False or changes.get("role") == "member"
    ):
        raise Conflict("You cannot disable or demote yourself.", code="self_lockout")
    for key, value in changes.items():
        setattr(user, key, value)
    if changes.get("is_active") is False:
        revoke_user_tokens(session, user.id)
    action = "user.update"
    if "role" in changes:
        action = "user.role_change"
    if "is_active" in changes:
        action = "user.enable" if changes["is_active"] else "user.disable"
    audit.record(
        session,
        action=action,
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={k: str(v) for k, v in changes.items()},
    )
    return user


def update_me(session: Session, *, user: User, data: MeUpdate) -> User:
    """A user changes their own display name or email."""
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] != user.email:
        _ensure_unique(session, username=None, email=changes["email"])
    for key, value in changes.items():
        setattr(user, key, value)
    return user


def change_own_password(
    session: Session, *, user: User, data: PasswordChange, ip: str | None
) -> None:
    """Change one's password after proving the current one; other sessions end."""
    if not verify_password(user.password_hash, data.current_password):
        raise Unauthorized("Current password is incorrect.", code="invalid_credentials")
    check_password_policy(data.new_password, user.username, user.email or "", user.display_name)
    user.password_hash = hash_password(data.new_password)
    revoke_user_tokens(session, user.id)
    audit.record(
        session,
        action="user.password_change",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )


def reset_password(
    session: Session, *, user: User, new_password: str, actor: User, ip: str | None
) -> None:
    """Admin sets a user's password; the user's sessions end."""
    check_password_policy(new_password, user.username, user.email or "", user.display_name)
    user.password_hash = hash_password(new_password)
    revoke_user_tokens(session, user.id)
    audit.record(
        session,
        action="user.password_reset",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )


def admin_exists(session: Session) -> bool:
    """True when at least one admin account exists."""
    return session.scalar(select(User.id).where(User.role == UserRole.admin).limit(1)) is not None
