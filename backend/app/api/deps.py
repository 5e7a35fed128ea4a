"""Shared route dependencies: DB session (the unit of work), current user, project access."""

import uuid
from collections.abc import Callable, Iterator
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.errors import Forbidden, Unauthorized
from app.core.logging import user_id_var
from app.core.security import decode_access_token
from app.db.models import Project, ProjectRole, User
from app.db.session import Database
from app.projects.access import require_project

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


def get_database(request: Request) -> Database:
    """The process's database handle."""
    db: Database = request.app.state.db
    return db


def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """The request's unit of work: commits when the route returns, rolls back on error."""
    with get_database(request).session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]


def client_ip(request: Request) -> str:
    """The caller's address (uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]


def user_from_token(session: Session, token: str | None, secret: str) -> User:
    """Resolve a bearer token to an active user, or raise 401."""
    if not token:
        raise Unauthorized("Not authenticated.", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = decode_access_token(token, secret)
        user_id = uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized(
            "Invalid or expired token.",
            code="invalid_token",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized(
            "Account is disabled or no longer exists.",
            code="invalid_token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def get_current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The signed-in, active user (also noted on the request for the access log)."""
    user = user_from_token(session, token, settings.jwt_secret_key)
    request.state.user_id = str(user.id)
    user_id_var.set(str(user.id))
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_admin(user: CurrentUser) -> User:
    """The signed-in user, who must be a platform admin."""
    if not user.is_admin:
        raise Forbidden("Administrator role required.", code="admin_required")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


def _project_dependency(minimum: ProjectRole) -> Callable[..., Project]:
    """A dependency loading the path's project with at least `minimum` role."""

    def dependency(project_id: uuid.UUID, session: SessionDep, user: CurrentUser) -> Project:
        return require_project(session, user, project_id, minimum)

    return dependency


ProjectViewer = Annotated[Project, Depends(_project_dependency(ProjectRole.viewer))]
ProjectEditor = Annotated[Project, Depends(_project_dependency(ProjectRole.editor))]
ProjectOwner = Annotated[Project, Depends(_project_dependency(ProjectRole.owner))]
