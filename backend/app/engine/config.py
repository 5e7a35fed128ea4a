"""Job engine settings (environment variables prefixed `JOB_`)."""

from functools import lru_cache
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.engine.kinds import Queue


class JobSettings(BaseSettings):
    """Timings and names of the job engine; defaults suit production."""

    model_config = SettingsConfigDict(env_prefix="JOB_", env_file=".env", extra="ignore")

    heartbeat_seconds: float = Field(5.0, gt=0, description="Runner heartbeat period.")
    stale_after_seconds: float = Field(60.0, gt=0, description="Heartbeat age that means lost.")
    max_attempts: int = Field(3, ge=1, description="Attempts before a lost job fails.")
    cancel_grace_seconds: float = Field(10.0, ge=0, description="Stop flag → kill delay.")
    reaper_interval_seconds: float = Field(15.0, gt=0, description="Reaper period.")
    training_queue: str = Field("training", description="Celery queue of training tasks.")
    default_queue: str = Field("default", description="Celery queue of short tasks.")
    labeling_queue: str = Field("labeling", description="Celery queue of labeling runs.")
    labeling_runners: int = Field(
        2, ge=1, description="Embedded mode: labeling runs at once (threads of its queue)."
    )
    visibility_timeout: int = Field(3600, ge=1, description="Redis broker visibility timeout.")
    restore_interval: int = Field(10, ge=1, description="Redis unacked-restore period.")
    events_prefix: str = Field("tp:jobs", description="Redis pub/sub channel prefix.")
    log_event_cap: int = Field(2000, ge=0, description="Log lines stored as events per attempt.")
    python: str = Field("", description="Interpreter for trainer processes (default: this one).")
    worker_slots: int = Field(1, ge=1, description="Jobs a queue runs at once (for estimates).")
    estimate_sample: int = Field(20, ge=1, description="Recent successes an estimate uses.")
    estimate_default_seconds: float = Field(
        300.0, gt=0, description="Run time assumed for a trainer with no success yet."
    )

    def queue_names(self) -> dict[Queue, str]:
        """The broker's name of each queue."""
        return {
            "training": self.training_queue,
            "default": self.default_queue,
            "labeling": self.labeling_queue,
        }

    @model_validator(mode="after")
    def _reaper_sees_stale_jobs_in_time(self) -> Self:
        """A stale job must be reaped within twice the stale limit."""
        if self.reaper_interval_seconds > self.stale_after_seconds:
            raise ValueError("JOB_REAPER_INTERVAL_SECONDS must not exceed JOB_STALE_AFTER_SECONDS")
        return self


@lru_cache
def get_job_settings() -> JobSettings:
    """The process-wide job settings, read once."""
    return JobSettings()
