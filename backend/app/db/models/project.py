"""Projects (team workspaces) and their members."""

import enum
import uuid

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin, TimestampMixin
from app.db.models.user import User


class ProjectRole(enum.StrEnum):
    """A member's role inside one project, weakest first."""

    viewer = "viewer"
    editor = "editor"
    owner = "owner"

    @property
    def rank(self) -> int:
        """Order of privilege: viewer < editor < owner."""
        return list(ProjectRole).index(self)


class Project(IdMixin, TimestampMixin, Base):
    """A workspace that owns datasets, jobs and models."""

    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    is_personal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class ProjectMember(IdMixin, TimestampMixin, Base):
    """One user's role in one project."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ProjectRole] = mapped_column(SAEnum(ProjectRole, native_enum=False, length=16))

    user: Mapped[User] = relationship(lazy="joined")
