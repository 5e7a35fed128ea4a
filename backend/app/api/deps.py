"""Shared route dependencies: DB session (the unit of work), current user, project access."""

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import jwt
from anyio import CancelScope, CapacityLimiter, to_thread
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.errors import Forbidden, Unauthorized
from app.core.logging import user_id_var
from app.core.security import decode_access_token
from app.db.models import Project, ProjectRole, User
from app.db.session import Database
from app.engine.context import JobEngine
from app.projects.access import require_project

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


# Dependencies that touch no I/O are `async def`: FastAPI runs them on the event loop instead
# of sending each through the thread pool (a round trip per dependency per request).


async def get_database(request: Request) -> Database:
    """The process's database handle."""
    db: Database = request.app.state.db
    return db


async def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: commits when the route returns, rolls back on error.

    Opening a session does no I/O (it connects on its first query), so it is opened on the
    event loop; the commit or rollback and the close run in a worker thread, shielded from
    cancellation and outside the pool's limit, as FastAPI runs a sync generator's exit.
    """
    db: Database = request.app.state.db
    unit = db.session_scope()
    session = unit.__enter__()
    try:
        yield session
    except BaseException as exc:
        with CancelScope(shield=True):
            await to_thread.run_sync(
                unit.__exit__, type(exc), exc, exc.__traceback__, limiter=CapacityLimiter(1)
            )
        raise
    with CancelScope(shield=True):
        await to_thread.run_sync(unit.__exit__, None, None, None, limiter=CapacityLimiter(1))


async def get_job_engine(request: Request) -> JobEngine:
    """The process's job engine (built by the app's lifespan)."""
    engine: JobEngine = request.app.state.job_engine
    return engine


SessionDep = Annotated[Session, Depends(get_db, scope="function")]
JobEngineDep = Annotated[JobEngine, Depends(get_job_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def client_ip(request: Request) -> str:
    """The caller's address (uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]


def token_user_id(token: str | None, secret: str) -> uuid.UUID:
    """The user id a valid access token names, or 401."""
    if not token:
        raise Unauthorized("Not authenticated.", headers={"WWW-Authenticate": "Bearer"})
    try:
        return uuid.UUID(decode_access_token(token, secret)["sub"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized(
            "Invalid or expired token.",
            code="invalid_token",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc


def account_unavailable() -> Unauthorized:
    """The 401 for a token whose user is disabled or deleted."""
    return Unauthorized(
        "Account is disabled or no longer exists.",
        code="invalid_token",
        headers={"WWW-Authenticate": "Bearer"},
    )


def user_from_token(session: Session, token: str | None, secret: str) -> User:
    """Resolve a bearer token to an active user, or raise 401."""
    user = session.get(User, token_user_id(token, secret))
    if user is None or not user.is_active:
        raise account_unavailable()
    return user


def note_user(request: Request, user_id: uuid.UUID) -> None:
    """Name the signed-in user on the request and in the log context (for the access log)."""
    request.state.user_id = str(user_id)
    user_id_var.set(str(user_id))


def get_current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The signed-in, active user (also noted on the request for the access log)."""
    return authenticate(request, session, token, settings.jwt_secret_key)


def authenticate(request: Request, session: Session, token: str | None, secret: str) -> User:
    """The token's active user, noted on the request for the access log; 401 otherwise."""
    user = user_from_token(session, token, secret)
    note_user(request, user.id)
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
