"""Project and membership schemas."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, Field, model_validator

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


QUOTA_FIELDS = ("running_jobs", "queued_jobs", "gpu_jobs", "storage_bytes", "monthly_teacher_spend")


class QuotaLimits(ReadModel):
    """A project's limits in force; null = unlimited."""

    running_jobs: int | None
    queued_jobs: int | None
    gpu_jobs: int | None
    storage_bytes: int | None
    monthly_teacher_spend: Decimal | None = Field(
        description="Teacher spend per calendar month (UTC), in the providers' price currency."
    )


class QuotaUpdate(UpdateModel):
    """New limits (admins): leave a field out to keep it, `null` for unlimited."""

    nullable: ClassVar[frozenset[str]] = frozenset(QUOTA_FIELDS)

    running_jobs: int | None = Field(None, ge=0, le=100_000)
    queued_jobs: int | None = Field(None, ge=0, le=1_000_000)
    gpu_jobs: int | None = Field(None, ge=0, le=100_000)
    storage_bytes: int | None = Field(None, ge=0, le=2**62)
    monthly_teacher_spend: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=8)


class QuotaUsage(BaseModel):
    """One quota: its limit (null = unlimited) and what the project uses now."""

    limit: int | Decimal | None
    used: int | Decimal


class UsageRead(BaseModel):
    """Each quota of a project next to its usage."""

    running_jobs: QuotaUsage
    queued_jobs: QuotaUsage
    gpu_jobs: QuotaUsage
    storage_bytes: QuotaUsage
    monthly_teacher_spend: QuotaUsage
