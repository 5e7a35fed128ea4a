"""Distillations: a student trained on a teacher's labels, and the report comparing the two."""

import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TimestampMixin


class DistillationStatus(enum.StrEnum):
    """training → evaluating → succeeded; failed from either stage."""

    training = "training"
    evaluating = "evaluating"
    succeeded = "succeeded"
    failed = "failed"


class Distillation(IdMixin, TimestampMixin, Base):
    """A labeling run's output used to train a student, and its report on a gold set."""

    __tablename__ = "distillations"
    __table_args__ = (Index("ix_distillations_project_created", "project_id", "created_at", "id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    labeling_run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("labeling_runs.id", ondelete="SET NULL"), index=True
    )
    training_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL")
    )
    gold_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL")
    )
    # rows of the training set, and labeled rows left out because their text is a gold text
    training_rows: Mapped[int | None] = mapped_column(Integer)
    gold_overlap_removed: Mapped[int | None] = mapped_column(Integer)
    gold_text_column: Mapped[str] = mapped_column(String(255))
    gold_label_column: Mapped[str] = mapped_column(String(255))
    student: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    train_job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="SET NULL"), index=True
    )
    eval_job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="SET NULL")
    )
    model_version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL")
    )
    status: Mapped[DistillationStatus] = mapped_column(
        Enum(DistillationStatus, native_enum=False, length=16),
        default=DistillationStatus.training,
    )
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
