"""Project quotas: the limits in force, what a project uses, and the checks that refuse work.

A project without its own row (`project_quotas`) has the `QUOTA_*` settings; a null limit is
unlimited. Running and GPU limits hold jobs back in the engine's fair order; here are the
limits that refuse a request: queued jobs (429), storage (413), monthly teacher spend (429).
"""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.core.config import Settings
from app.core.errors import PayloadTooLarge, TooManyRequests
from app.db.base import utcnow
from app.db.models import (
    Dataset,
    JobStatus,
    LabelingRun,
    LLMCall,
    ModelVersion,
    TrainingJob,
    User,
)
from app.db.models.quota import ProjectQuota
from app.projects.schemas import QUOTA_FIELDS, QuotaLimits, QuotaUpdate, QuotaUsage, UsageRead

RAISE_HINT = "Ask a platform admin to raise it (project settings → quotas)."
RUNNING = (JobStatus.running, JobStatus.cancelling)


class QuotaExceeded(TooManyRequests):
    """A request would take a project past one of its quotas."""

    code = "quota_exceeded"


class StorageQuotaExceeded(PayloadTooLarge):
    """An upload would take a project past its storage quota."""

    code = "quota_exceeded"


def limits(session: Session, settings: Settings, project_id: uuid.UUID) -> QuotaLimits:
    """The limits in force: the project's own row, else the settings' defaults."""
    row = session.get(ProjectQuota, project_id)
    if row is not None:
        return QuotaLimits.model_validate(row)
    return QuotaLimits(**{name: getattr(settings, f"quota_{name}") for name in QUOTA_FIELDS})


def update_limits(
    session: Session,
    settings: Settings,
    project_id: uuid.UUID,
    data: QuotaUpdate,
    *,
    actor: User,
    ip: str | None,
) -> QuotaLimits:
    """Set some limits (admins); the others keep what is in force now (defaults included)."""
    row = session.get(ProjectQuota, project_id)
    if row is None:
        current = limits(session, settings, project_id)
        row = ProjectQuota(project_id=project_id, **current.model_dump())
        session.add(row)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    record(
        session,
        action="project.quotas",
        actor=actor,
        object_type="project",
        object_id=project_id,
        project_id=project_id,
        ip=ip,
        details={name: _plain(value) for name, value in changes.items()},
    )
    return QuotaLimits.model_validate(row)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _count_jobs(session: Session, project_id: uuid.UUID, *statuses: JobStatus) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(TrainingJob)
            .where(TrainingJob.project_id == project_id, TrainingJob.status.in_(statuses))
        )
        or 0
    )


def storage_bytes(session: Session, project_id: uuid.UUID) -> int:
    """Bytes of the project's datasets and model versions."""
    datasets = session.scalar(
        select(func.coalesce(func.sum(Dataset.size_bytes), 0)).where(
            Dataset.project_id == project_id
        )
    )
    models = session.scalar(
        select(func.coalesce(func.sum(ModelVersion.size_bytes), 0)).where(
            ModelVersion.project_id == project_id
        )
    )
    return int(datasets or 0) + int(models or 0)


def month_start(now: datetime) -> datetime:
    """Midnight UTC of the first day of `now`'s calendar month."""
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def teacher_spend(session: Session, project_id: uuid.UUID) -> Decimal:
    """What the project's labeling calls cost this calendar month (UTC)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LLMCall.cost), 0))
        .join(LabelingRun, LabelingRun.id == LLMCall.run_id)
        .where(LabelingRun.project_id == project_id, LLMCall.created_at >= month_start(utcnow()))
    )
    return Decimal(total or 0)


def usage(session: Session, settings: Settings, project_id: uuid.UUID) -> UsageRead:
    """Each quota's limit next to what the project uses now."""
    limit = limits(session, settings, project_id)
    gpu = session.scalar(
        select(func.count()).where(
            TrainingJob.project_id == project_id,
            TrainingJob.status.in_(RUNNING),
            TrainingJob.needs_gpu.is_(True),
        )
    )
    used: dict[str, Any] = {
        "running_jobs": _count_jobs(session, project_id, *RUNNING),
        "queued_jobs": _count_jobs(session, project_id, JobStatus.queued),
        "gpu_jobs": gpu or 0,
        "storage_bytes": storage_bytes(session, project_id),
        "monthly_teacher_spend": teacher_spend(session, project_id),
    }
    return UsageRead(
        **{name: QuotaUsage(limit=getattr(limit, name), used=used[name]) for name in QUOTA_FIELDS}
    )


def check_queued_jobs(session: Session, settings: Settings, project_id: uuid.UUID) -> None:
    """Refuse (429) a job that would take the project past its queued-jobs quota."""
    limit = limits(session, settings, project_id).queued_jobs
    if limit is None:
        return
    queued = _count_jobs(session, project_id, JobStatus.queued)
    if queued >= limit:
        raise QuotaExceeded(
            f"Queued-jobs quota reached: this project has {queued} queued jobs and its limit "
            f"is {limit}. Wait for some to start or cancel some. {RAISE_HINT}",
            details={"quota": "queued_jobs", "limit": limit, "used": queued},
        )


def check_storage(
    session: Session, settings: Settings, project_id: uuid.UUID, incoming: int
) -> None:
    """Refuse (413) an upload of `incoming` bytes past the project's storage quota."""
    limit = limits(session, settings, project_id).storage_bytes
    if limit is None:
        return
    used = storage_bytes(session, project_id)
    if used + incoming > limit:
        raise StorageQuotaExceeded(
            f"Storage quota exceeded: this project stores {used} bytes, the upload adds "
            f"{incoming} and its limit is {limit} bytes. Delete datasets or model versions. "
            f"{RAISE_HINT}",
            details={"quota": "storage_bytes", "limit": limit, "used": used, "incoming": incoming},
        )


def check_teacher_spend(
    session: Session, settings: Settings, project_id: uuid.UUID, estimate: Decimal
) -> None:
    """Refuse (429) a labeling run whose estimate exceeds what is left of this month's spend."""
    limit = limits(session, settings, project_id).monthly_teacher_spend
    if limit is None:
        return
    spent = teacher_spend(session, project_id)
    left = max(limit - spent, Decimal(0))
    if estimate > left:
        raise QuotaExceeded(
            f"Monthly teacher-spend quota: the estimate {estimate:.4f} exceeds the {left:.4f} "
            f"left this month (limit {limit}, spent {spent:.4f}). {RAISE_HINT}",
            details={
                "quota": "monthly_teacher_spend",
                "limit": str(limit),
                "used": str(spent),
                "estimate": str(estimate),
            },
        )
