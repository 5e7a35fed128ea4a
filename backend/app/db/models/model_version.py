"""Registered model versions: what a succeeded job produced, with its provenance."""

import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TimestampMixin


class ModelVersion(IdMixin, TimestampMixin, Base):
    """One trained model: metrics, params, data lineage, artifacts (files with sha256)."""

    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("project_id", "alias", name="uq_model_versions_project_alias"),
        UniqueConstraint("project_id", "name", "version", name="uq_model_versions_name_version"),
        # the models list: a project's versions newest first
        Index("ix_model_versions_project_created", "project_id", "created_at", "id"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    alias: Mapped[str | None] = mapped_column(String(64))
    task_type: Mapped[str] = mapped_column(String(32), index=True)
    trainer: Mapped[str] = mapped_column(String(64))
    model_format: Mapped[str] = mapped_column(String(32))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL")
    )
    dataset_sha256: Mapped[str | None] = mapped_column(String(64))
    split_seed: Mapped[int] = mapped_column(Integer, default=42)
    library_versions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    artifacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    artifact_dir: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
