"""Labeling runs: teachers answer a prompt per dataset row; one result per row."""

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TimestampMixin, utcnow
from app.db.models.llm import MONEY
from app.db.types import UTCDateTime


class LabelingStatus(enum.StrEnum):
    """pending → running → succeeded | stopped_budget | cancelled | failed (all but succeeded
    resumable)."""

    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    stopped_budget = "stopped_budget"
    cancelled = "cancelled"
    failed = "failed"


class ReviewStatus(enum.StrEnum):
    """A row's review: pending until a reviewer accepts, corrects or skips it."""

    pending = "pending"
    accepted = "accepted"
    corrected = "corrected"
    skipped = "skipped"


class LabelingRun(IdMixin, TimestampMixin, Base):
    """A dataset labeled by one or several teachers under a prompt template and a budget."""

    __tablename__ = "labeling_runs"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    text_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    task: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template: Mapped[str] = mapped_column(Text)
    teachers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    budget: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    estimate: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[LabelingStatus] = mapped_column(
        Enum(LabelingStatus, native_enum=False, length=16), default=LabelingStatus.pending
    )
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    output_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL")
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="SET NULL"), index=True
    )  # the latest `label` job that runs (or ran) it
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    review_threshold: Mapped[float | None] = mapped_column(Float)
    gold_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL")
    )


class LabelingRow(IdMixin, Base):
    """One row's outcome: the voted output, each teacher's vote, agreement, confidence."""

    __tablename__ = "labeling_rows"
    # the review queue: a run's rows by review status in row order
    __table_args__ = (
        UniqueConstraint("run_id", "row_index"),
        Index("ix_labeling_rows_run_review", "run_id", "review_status", "row_index"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("labeling_runs.id", ondelete="CASCADE"), index=True
    )
    row_index: Mapped[int] = mapped_column(Integer)
    output: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    votes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    agreement: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_status: Mapped[ReviewStatus] = mapped_column(
        Enum(ReviewStatus, native_enum=False, length=16),
        default=ReviewStatus.pending,
        server_default=ReviewStatus.pending.value,
    )
    reviewed_output: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
