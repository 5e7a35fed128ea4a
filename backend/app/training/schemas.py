"""Request and response bodies of the jobs API."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, computed_field

from app.core.schemas import InputModel, ReadModel
from app.db.models.job import JobStatus


class JobCreate(InputModel):
    """A training request; params are validated by the trainer's own model."""

    project_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    task_type: str = Field(min_length=1, max_length=32)
    trainer: str | None = Field(None, max_length=64, description="Default: the task's default.")
    dataset_id: uuid.UUID
    validation_dataset_id: uuid.UUID | None = None
    columns: dict[str, Any]
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = Field(42, ge=0, le=2**31 - 1)
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    max_attempts: int = Field(3, ge=1, le=10)
    priority: int = Field(
        0, ge=-10, le=10, description="Among this project's queued jobs, higher starts first."
    )


class JobError(ReadModel):
    """Why a job failed."""

    code: str
    message: str | None


class JobRead(ReadModel):
    """A job's state, progress and timings."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    kind: str
    task_type: str
    trainer: str
    dataset_id: uuid.UUID | None
    validation_dataset_id: uuid.UUID | None
    columns: dict[str, Any]
    params: dict[str, Any]
    seed: int
    split_ratios: list[float]
    status: JobStatus
    progress: float
    epoch: int | None
    step: int | None
    total_steps: int | None
    message: str | None
    attempts: int
    max_attempts: int
    error_code: str | None = Field(exclude=True)
    error_message: str | None = Field(exclude=True)
    worker: str | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    cpu_seconds: float | None = Field(
        description="CPU-seconds (user + system) the job's child processes used, the "
        "descendants they waited for included, summed over its attempts that ended; null "
        "before the first ends."
    )
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    model_version_id: uuid.UUID | None = None
    priority: int
    queue_position: int | None = Field(
        None, description="Queued jobs ahead of this one in the fair order (0 = next)."
    )
    estimated_start_at: datetime | None = Field(
        None, description="When a queued job should start, from recent run times."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def error(self) -> JobError | None:
        """`{code, message}` for failed jobs."""
        if not self.error_code:
            return None
        return JobError(code=self.error_code, message=self.error_message)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to finish (or to the last heartbeat while running)."""
        end = self.finished_at or self.heartbeat_at
        if self.started_at is None or end is None:
            return None
        return max((end - self.started_at).total_seconds(), 0.0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def eta_seconds(self) -> float | None:
        """Estimated seconds left, from the progress rate so far."""
        elapsed = self.duration_seconds
        if self.status != JobStatus.running or not elapsed or not 0.01 < self.progress < 1:
            return None
        return elapsed * (1 - self.progress) / self.progress


class JobEventRead(ReadModel):
    """One event; `id` is the cursor."""

    id: int
    job_id: uuid.UUID
    type: str
    data: dict[str, Any]
    created_at: datetime


class EventPage(ReadModel):
    """Events after a cursor; pass `next_cursor` as `after` for the next page."""

    items: list[JobEventRead]
    next_cursor: int
    has_more: bool


class MetricPoint(ReadModel):
    """One value of a metric."""

    value: float | None
    step: int | None
    epoch: int | None
    split: str
    at: datetime


class LogTail(ReadModel):
    """The last lines of the job log."""

    lines: list[str]
    truncated: bool
