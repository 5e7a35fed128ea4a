"""The signed-in user's profile, and user administration."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import AdminUser, ClientIP, CurrentUser, SessionDep
from app.core.schemas import Offset, Page
from app.users import service
from app.users.dependencies import TargetUser
from app.users.schemas import (
    MeUpdate,
    PasswordChange,
    PasswordReset,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", operation_id="get_me")
def get_me(user: CurrentUser) -> UserRead:
    """The signed-in user."""
    return UserRead.model_validate(user)


@router.patch("/me", operation_id="update_me")
def update_me(data: MeUpdate, session: SessionDep, user: CurrentUser) -> UserRead:
    """Change one's own display name or email."""
    return UserRead.model_validate(service.update_me(session, user=user, data=data))


@router.post("/me/password", status_code=204, operation_id="change_my_password")
def change_my_password(
    data: PasswordChange, session: SessionDep, user: CurrentUser, ip: ClientIP
) -> Response:
    """Change one's own password (needs the current one)."""
    service.change_own_password(session, user=user, data=data, ip=ip)
    return Response(status_code=204)


@router.get("", operation_id="list_users")
def list_users(
    session: SessionDep,
    _admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    search: str | None = None,
) -> Page[UserRead]:
    """All users (admin)."""
    rows, total = service.list_users(session, limit=limit, offset=offset, search=search)
    return Page(
        items=[UserRead.model_validate(u) for u in rows], total=total, limit=limit, offset=offset
    )


@router.post("", status_code=201, operation_id="create_user")
def create_user(data: UserCreate, session: SessionDep, admin: AdminUser, ip: ClientIP) -> UserRead:
    """Create a user with a personal project (admin)."""
    return UserRead.model_validate(service.create_user(session, data=data, actor=admin, ip=ip))


@router.get("/{user_id}", operation_id="get_user")
def get_user(user: TargetUser) -> UserRead:
    """One user (admin)."""
    return UserRead.model_validate(user)


@router.patch("/{user_id}", operation_id="update_user")
def update_user(
    data: UserUpdate, user: TargetUser, session: SessionDep, admin: AdminUser, ip: ClientIP
) -> UserRead:
    """Change a user's profile, role or active flag (admin)."""
    return UserRead.model_validate(
        service.update_user(session, user=user, data=data, actor=admin, ip=ip)
    )


@router.post("/{user_id}/password", status_code=204, operation_id="reset_user_password")
def reset_user_password(
    data: PasswordReset, user: TargetUser, session: SessionDep, admin: AdminUser, ip: ClientIP
) -> Response:
    """Set a user's password (admin)."""
    service.reset_password(session, user=user, new_password=data.new_password, actor=admin, ip=ip)
    return Response(status_code=204)
