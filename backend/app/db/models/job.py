"""Jobs of every kind (the DB row is the truth of a job's state) and their events."""

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, TimestampMixin, utcnow
from app.db.types import UTCDateTime


class JobStatus(enum.StrEnum):
    """Lifecycle of a job; `app.engine.states.transition` is the only way to change it."""

    queued = "queued"
    running = "running"
    cancelling = "cancelling"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def is_finished(self) -> bool:
        """True for the terminal states."""
        return self in FINISHED_STATES


FINISHED_STATES = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})
ACTIVE_STATES = frozenset({JobStatus.queued, JobStatus.running, JobStatus.cancelling})


class TrainingJob(IdMixin, TimestampMixin, Base):
    """One job and its live state; `kind` names the handler that gives it meaning.

    A training run fills the training columns; other kinds keep what they need in `payload`
    and name the object they work on in `subject_id`.
    """

    __tablename__ = "training_jobs"
    # the jobs list: a project's jobs newest first, optionally of one status
    __table_args__ = (
        Index("ix_training_jobs_project_created", "project_id", "created_at", "id"),
        Index("ix_training_jobs_project_status_created", "project_id", "status", "created_at"),
        # the fair order: a project's latest start
        Index("ix_training_jobs_project_started", "project_id", "started_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="train", index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    task_type: Mapped[str] = mapped_column(String(32), index=True)
    trainer: Mapped[str] = mapped_column(String(64))
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True
    )
    validation_dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), index=True
    )
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=42)
    split_ratios: Mapped[list[float]] = mapped_column(JSON, default=lambda: [0.8, 0.1, 0.1])
    status: Mapped[JobStatus] = mapped_column(
        SAEnum(JobStatus, native_enum=False, length=16), default=JobStatus.queued, index=True
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    epoch: Mapped[int | None] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer)
    total_steps: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    # higher first among a project's queued jobs (the fair order picks the project first)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # its params ask for a CUDA device: counted against the project's GPU quota
    needs_gpu: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(200))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # CPU-seconds its child processes used (user + system, waited descendants included),
    # summed over the attempts this engine saw end
    cpu_seconds: Mapped[float | None] = mapped_column(Float)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class JobEvent(Base):
    """A status change, progress, metrics or log line of a job; `id` is the resume cursor."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
