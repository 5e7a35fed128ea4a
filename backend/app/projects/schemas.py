"""Project and membership schemas."""

import uuid
from datetime import datetime

from pydantic import Field, model_validator

from app.core.schemas import InputModel, ReadModel, UpdateModel
from app.db.models import ProjectRole


class ProjectCreate(InputModel):
    """A new team project; the creator becomes its owner."""

    name: str = Field(min_length=1, max_length=128)
    description: str = Field("", max_length=2000)


class ProjectUpdate(UpdateModel):
    """Rename or describe a project."""

    name: str | None = Field(None, min_length=1, max_length=128)
    description: str | None = Field(None, max_length=2000)


class ProjectRead(ReadModel):
    """A project with the caller's role in it."""

    id: uuid.UUID
    name: str
    description: str
    is_personal: bool
    created_at: datetime
    my_role: ProjectRole | None = None


class MemberAdd(InputModel):
    """Add a user (by username or id) with a role."""

    username: str | None = None
    user_id: uuid.UUID | None = None
    role: ProjectRole = ProjectRole.viewer

    @model_validator(mode="after")
    def _one_identity(self) -> "MemberAdd":
        if (self.username is None) == (self.user_id is None):
            raise ValueError("give exactly one of username or user_id")
        return self


class MemberUpdate(InputModel):
    """Change a member's role."""

    role: ProjectRole


class MemberRead(ReadModel):
    """A member of a project."""

    user_id: uuid.UUID
    username: str
    display_name: str
    role: ProjectRole
    created_at: datetime
