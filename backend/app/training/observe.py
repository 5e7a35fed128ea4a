"""Reading a job's history: events by cursor, metric time series, log tail and file."""

from collections import deque
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.errors import NotFound
from app.db.models import JobEvent, TrainingJob
from app.engine.events import events_after
from app.engine.runner import job_dir
from app.training.schemas import EventPage, JobEventRead, LogTail, MetricPoint

LOG_FILE = "train.log"


def event_page(
    session: Session, job: TrainingJob, *, after: int, limit: int, types: list[str] | None
) -> EventPage:
    """Events with id > after, oldest first."""
    rows = events_after(session, job.id, after, limit=limit + 1, types=types)
    items = [JobEventRead.model_validate(row) for row in rows[:limit]]
    cursor = items[-1].id if items else after
    return EventPage(items=items, next_cursor=cursor, has_more=len(rows) > limit)


def metric_series(session: Session, job: TrainingJob) -> dict[str, list[MetricPoint]]:
    """Every metric as a time series, keyed `split/name` (e.g. `validation/binary_logloss`)."""
    series: dict[str, list[MetricPoint]] = {}
    rows = session.scalars(
        select(JobEvent)
        .where(JobEvent.job_id == job.id, JobEvent.type == "metrics")
        .order_by(JobEvent.id)
    )
    for row in rows:
        data: dict[str, Any] = row.data
        split = str(data.get("split") or "train")
        for name, value in (data.get("metrics") or {}).items():
            series.setdefault(f"{split}/{name}", []).append(
                MetricPoint(
                    value=value,
                    step=data.get("step"),
                    epoch=data.get("epoch"),
                    split=split,
                    at=row.created_at,
                )
            )
    return series


def log_path(settings: Settings, job: TrainingJob) -> Path:
    """The job's log file, or 404 before anything was logged."""
    path = job_dir(settings, job.id) / LOG_FILE
    if not path.is_file():
        raise NotFound("This job has no log yet.", code="log_not_found")
    return path


def log_tail(settings: Settings, job: TrainingJob, *, lines: int) -> LogTail:
    """The last `lines` lines of the log."""
    path = log_path(settings, job)
    with path.open(encoding="utf-8", errors="replace") as handle:
        total = 0
        tail: deque[str] = deque(maxlen=lines)
        for line in handle:
            total += 1
            tail.append(line.rstrip("\n"))
    return LogTail(lines=list(tail), truncated=total > lines)
