"""Training job use cases (services never commit; the request's unit of work does)."""

import shutil
import uuid
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.core.config import Settings
from app.core.errors import Conflict, NotFound, UnprocessableInput
from app.datasets import service as datasets_service
from app.datasets.validation import validate_for_task
from app.db.base import utcnow
from app.db.models import Dataset, JobStatus, ModelVersion, ProjectRole, TrainingJob, User
from app.db.models.job import ACTIVE_STATES
from app.db.pagination import SortOrder, keyset_paginate
from app.engine.context import JobEngine
from app.engine.control import CancelRefusedError, request_cancel
from app.engine.outbox import after_commit
from app.engine.runner import job_dir
from app.engine.schedule import QueueSpot, queue_outlook
from app.engine.states import transition
from app.projects import quotas
from app.projects.access import require_project_role, scope_to_visible
from app.trainers.base import TrainerError
from app.trainers.registry import UnknownTrainerError, get_trainer, missing_libraries
from app.training.schemas import JobCreate, JobRead
from app.training.train_job import TRAIN

JOB_ORDER = SortOrder("created_at", TrainingJob.created_at, TrainingJob.id)


def _dataset(session: Session, project_id: uuid.UUID, dataset_id: uuid.UUID, field: str) -> Dataset:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or dataset.project_id != project_id:
        raise NotFound(f"{field}: dataset not found in this project.", code="dataset_not_found")
    return datasets_service.require_ready(dataset)


def _params(task_type: str, trainer_name: str | None) -> Any:
    try:
        trainer = get_trainer(task_type, trainer_name)
    except UnknownTrainerError as exc:
        raise UnprocessableInput(str(exc), code="unknown_trainer") from exc
    missing = missing_libraries(trainer)
    if missing:
        raise UnprocessableInput(
            f"Trainer '{trainer.name}' needs {', '.join(missing)}, not installed on this server.",
            code="trainer_unavailable",
        )
    return trainer


def _check_data(settings: Settings, dataset: Dataset, data: JobCreate, field: str) -> None:
    frame = datasets_service.load_frame(settings, dataset)
    report = validate_for_task(frame, data.task_type, data.columns)
    if not report.ok:
        first = report.errors[0].message if report.errors else "invalid"
        raise UnprocessableInput(
            f"{field} is not usable for {data.task_type}: {first}",
            code="dataset_invalid_for_task",
            details=report.model_dump(mode="json"),
        )


def create_job(
    session: Session, engine: JobEngine, *, data: JobCreate, actor: User, ip: str
) -> TrainingJob:
    """Validate dataset and params, store a queued job, send it after commit."""
    settings = engine.settings
    require_project_role(session, actor, data.project_id, ProjectRole.editor)
    trainer = _params(data.task_type, data.trainer)
    try:
        params = trainer.Params.model_validate(data.params)
    except ValidationError as exc:
        raise UnprocessableInput(
            f"Invalid params for trainer '{trainer.name}': "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
            code="invalid_params",
            details=exc.errors(include_url=False, include_context=False),
        ) from exc
    try:
        trainer.check_params(params, model_storage_path=Path(settings.model_storage_path))
    except TrainerError as exc:
        raise UnprocessableInput(exc.message, code=exc.code) from exc
    if abs(sum(data.split_ratios) - 1) > 1e-6 or data.split_ratios[0] <= 0:
        raise UnprocessableInput(
            "split_ratios must sum to 1 with a positive train part.", code="invalid_split"
        )
    quotas.check_queued_jobs(session, settings, data.project_id)
    dataset = _dataset(session, data.project_id, data.dataset_id, "dataset_id")
    _check_data(settings, dataset, data, "dataset_id")
    if data.validation_dataset_id is not None:
        validation = _dataset(
            session, data.project_id, data.validation_dataset_id, "validation_dataset_id"
        )
        _check_data(settings, validation, data, "validation_dataset_id")
    job = TrainingJob(
        kind=TRAIN,
        project_id=data.project_id,
        name=data.name,
        task_type=data.task_type,
        trainer=trainer.name,
        dataset_id=dataset.id,
        validation_dataset_id=data.validation_dataset_id,
        columns=data.columns,
        params=params.model_dump(mode="json"),
        seed=data.seed,
        split_ratios=list(data.split_ratios),
        max_attempts=data.max_attempts,
        priority=data.priority,
        needs_gpu=trainer.needs_gpu(params),
        created_by_id=actor.id,
    )
    engine.submit(session, job)
    record(
        session,
        action="job.create",
        actor=actor,
        object_type="job",
        object_id=job.id,
        project_id=job.project_id,
        ip=ip,
        details={"name": job.name, "task_type": job.task_type, "trainer": job.trainer},
    )
    return job


def cancel_job(
    session: Session, engine: JobEngine, job: TrainingJob, *, actor: User, ip: str
) -> TrainingJob:
    """Queued → cancelled now; running → cancelling (the runner stops it)."""
    try:
        cancelled = request_cancel(engine, session, job, f"cancelled by {actor.username}")
    except CancelRefusedError as exc:
        raise Conflict(exc.message, code=exc.code) from exc
    if cancelled:
        record(
            session,
            action="job.cancel",
            actor=actor,
            object_type="job",
            object_id=job.id,
            project_id=job.project_id,
            ip=ip,
        )
    return job


def retry_job(
    session: Session, engine: JobEngine, job: TrainingJob, *, actor: User, ip: str
) -> TrainingJob:
    """Failed or cancelled → queued again (attempts reset)."""
    if job.status not in (JobStatus.failed, JobStatus.cancelled):
        raise Conflict(
            f"Only failed or cancelled jobs can be retried; this one is {job.status.value}.",
            code="job_not_retryable",
        )
    if job.dataset_id is None:
        raise Conflict("The job's dataset was deleted.", code="dataset_deleted")
    quotas.check_queued_jobs(session, engine.settings, job.project_id)
    transition(
        session,
        job.id,
        job.status,
        JobStatus.queued,
        attempts=0,
        progress=0.0,
        error_code=None,
        error_message=None,
        finished_at=None,
        started_at=None,
        cancel_requested_at=None,
        heartbeat_at=None,
        worker=None,
        last_sent_at=None,
        queued_at=utcnow(),
        reason=f"retried by {actor.username}",
    )
    record(
        session,
        action="job.retry",
        actor=actor,
        object_type="job",
        object_id=job.id,
        project_id=job.project_id,
        ip=ip,
    )
    engine.send_after_commit(session, job.id, job.kind)
    session.refresh(job)
    return job


def delete_job(
    session: Session, settings: Settings, job: TrainingJob, *, actor: User, ip: str
) -> None:
    """Delete a finished job, its events and its working files (models stay)."""
    if not job.status.is_finished:
        raise Conflict(
            "Only finished jobs can be deleted; cancel it first.", code="job_not_finished"
        )
    folder = job_dir(settings, job.id)
    record(
        session,
        action="job.delete",
        actor=actor,
        object_type="job",
        object_id=job.id,
        project_id=job.project_id,
        ip=ip,
        details={"name": job.name},
    )
    session.delete(job)
    after_commit(session, lambda: shutil.rmtree(folder, ignore_errors=True))


def list_jobs(
    session: Session,
    engine: JobEngine,
    user: User,
    *,
    project_id: uuid.UUID | None,
    status: JobStatus | None,
    task_type: str | None,
    limit: int,
    offset: int,
    cursor: str | None = None,
) -> tuple[list[JobRead], int, str | None]:
    """Jobs visible to the user, newest first, each with the model version it registered.

    One SELECT for the page (the version id comes from an outer join) and one count; the
    queue's outlook is read only when the page holds a queued job.
    """
    registered = and_(
        ModelVersion.job_id == TrainingJob.id, TrainingJob.status == JobStatus.succeeded
    )
    joined = cast(
        Select[Any],
        select(TrainingJob, ModelVersion.id)
        .where(TrainingJob.kind == TRAIN)
        .outerjoin(ModelVersion, registered),
    )
    query = scope_to_visible(session, user, joined, TrainingJob.project_id, project_id)
    if status is not None:
        query = query.where(TrainingJob.status == status)
    if task_type:
        query = query.where(TrainingJob.task_type == task_type)
    window = keyset_paginate(
        session, query, order=JOB_ORDER, limit=limit, offset=offset, cursor=cursor
    )
    outlook: dict[uuid.UUID, QueueSpot] = {}
    if any(job.status == JobStatus.queued for job, _ in window.rows):
        outlook = _outlook(session, engine)
    reads = [
        _with_spot(JobRead.model_validate(job), outlook).model_copy(
            update={"model_version_id": version_id}
        )
        for job, version_id in window.rows
    ]
    return reads, window.total, window.next_cursor


def _outlook(session: Session, engine: JobEngine) -> dict[uuid.UUID, QueueSpot]:
    kinds = engine.kinds.kinds_on(engine.kinds.get(TRAIN).queue)
    return queue_outlook(session, engine.job_settings, kinds)


def _with_spot(read: JobRead, outlook: dict[uuid.UUID, QueueSpot]) -> JobRead:
    spot = outlook.get(read.id)
    if spot is not None:
        read.queue_position = spot.position
        read.estimated_start_at = spot.estimated_start_at
    return read


def to_read(session: Session, engine: JobEngine, job: TrainingJob) -> JobRead:
    """The API view of a job, with the model version it registered or its place in the queue."""
    read = JobRead.model_validate(job)
    if job.status == JobStatus.succeeded:
        read.model_version_id = session.scalar(
            select(ModelVersion.id).where(ModelVersion.job_id == job.id)
        )
    if job.status == JobStatus.queued:
        _with_spot(read, _outlook(session, engine))
    return read


def dataset_in_use(session: Session, dataset_id: uuid.UUID) -> str | None:
    """Reason a dataset cannot be deleted: a queued or running job uses it."""
    job = session.scalar(
        select(TrainingJob)
        .where(
            TrainingJob.kind == TRAIN,
            TrainingJob.status.in_(ACTIVE_STATES),
            (TrainingJob.dataset_id == dataset_id)
            | (TrainingJob.validation_dataset_id == dataset_id),
        )
        .limit(1)
    )
    if job is None:
        return None
    return f"used by {job.status.value} training job '{job.name}' ({job.id})"


datasets_service.DATASET_IN_USE_CHECKS.append(dataset_in_use)
