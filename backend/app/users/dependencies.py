"""Load-or-404 for users (admin routes)."""

import uuid
from typing import Annotated

from fastapi import Depends

from app.api.deps import AdminUser, SessionDep
from app.core.errors import NotFound
from app.db.models import User


def get_user_or_404(user_id: uuid.UUID, session: SessionDep, _admin: AdminUser) -> User:
    """The user with this id (admins only)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.", code="user_not_found")
    return user


TargetUser = Annotated[User, Depends(get_user_or_404)]
