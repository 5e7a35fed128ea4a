"""User schemas."""

import uuid
from datetime import datetime

from pydantic import EmailStr, Field

from app.core.schemas import InputModel, ReadModel, UpdateModel
from app.db.models import UserRole

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,64}$"


class UserCreate(InputModel):
    """An admin creates a user."""

    username: str = Field(pattern=USERNAME_PATTERN, description="3–64 letters, digits, _ . -")
    password: str = Field(min_length=1, max_length=256)
    email: EmailStr | None = None
    display_name: str = Field("", max_length=128)
    role: UserRole = UserRole.member


class UserUpdate(UpdateModel):
    """An admin changes a user; unset fields stay as they are (`email: null` clears it)."""

    nullable = frozenset({"email"})

    email: EmailStr | None = None
    display_name: str | None = Field(None, max_length=128)
    role: UserRole | None = None
    is_active: bool | None = None


class MeUpdate(UpdateModel):
    """A user changes their own profile (`email: null` clears it)."""

    nullable = frozenset({"email"})

    email: EmailStr | None = None
    display_name: str | None = Field(None, max_length=128)


class PasswordChange(InputModel):
    """A user changes their own password."""

    current_password: str
    new_password: str = Field(max_length=256)


class PasswordReset(InputModel):
    """An admin sets a user's password."""

    new_password: str = Field(max_length=256)


class UserRead(ReadModel):
    """A user as shown to clients (never the hash)."""

    id: uuid.UUID
    username: str
    email: str | None
    display_name: str
    role: UserRole
    is_active: bool
    created_at: datetime
