"""Jobs API: /api/v1/jobs and /api/v1/task-types."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse

from app.api.deps import ClientIP, CurrentUser, JobEngineDep, SessionDep, SettingsDep
from app.core.schemas import Cursor, Offset, Page
from app.db.models import JobStatus
from app.trainers.registry import TaskTypeInfo, describe_task_types
from app.training import observe, service
from app.training.dependencies import CurrentJob, EditableJob
from app.training.schemas import EventPage, JobCreate, JobRead, LogTail, MetricPoint

router = APIRouter(tags=["jobs"])


@router.get("/task-types", operation_id="list_task_types")
def list_task_types(user: CurrentUser) -> list[TaskTypeInfo]:
    """Every task type: labels, column roles, predict input, trainers with their params schema."""
    return describe_task_types()


@router.post("/jobs", status_code=201, operation_id="create_job")
def create_job(
    data: JobCreate, session: SessionDep, engine: JobEngineDep, user: CurrentUser, ip: ClientIP
) -> JobRead:
    """Queue a training job (dataset validated for the task, params by the trainer)."""
    return service.to_read(
        session, engine, service.create_job(session, engine, data=data, actor=user, ip=ip)
    )


@router.get("/jobs", operation_id="list_jobs")
def list_jobs(
    session: SessionDep,
    engine: JobEngineDep,
    user: CurrentUser,
    project_id: uuid.UUID | None = None,
    status: JobStatus | None = None,
    task_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[JobRead]:
    """Jobs the caller can see, newest first; `cursor` (from `next_cursor`) pages by key."""
    items, total, next_cursor = service.list_jobs(
        session,
        engine,
        user,
        project_id=project_id,
        status=status,
        task_type=task_type,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page(items=items, total=total, limit=limit, offset=offset, next_cursor=next_cursor)


@router.get("/jobs/{job_id}", operation_id="get_job")
def get_job(job: CurrentJob, session: SessionDep, engine: JobEngineDep) -> JobRead:
    """A job's status, progress, timings, attempts and error; queued: its place and start."""
    return service.to_read(session, engine, job)


@router.post("/jobs/{job_id}/cancel", operation_id="cancel_job")
def cancel_job(
    job: EditableJob, session: SessionDep, engine: JobEngineDep, user: CurrentUser, ip: ClientIP
) -> JobRead:
    """Cancel: queued jobs at once, running ones at their next step."""
    cancelled = service.cancel_job(session, engine, job, actor=user, ip=ip)
    return service.to_read(session, engine, cancelled)


@router.post("/jobs/{job_id}/retry", operation_id="retry_job")
def retry_job(
    job: EditableJob, session: SessionDep, engine: JobEngineDep, user: CurrentUser, ip: ClientIP
) -> JobRead:
    """Queue a failed or cancelled job again."""
    retried = service.retry_job(session, engine, job, actor=user, ip=ip)
    return service.to_read(session, engine, retried)


@router.delete("/jobs/{job_id}", status_code=204, operation_id="delete_job")
def delete_job(
    job: EditableJob, session: SessionDep, settings: SettingsDep, user: CurrentUser, ip: ClientIP
) -> Response:
    """Delete a finished job (its model versions stay)."""
    service.delete_job(session, settings, job, actor=user, ip=ip)
    return Response(status_code=204)


@router.get("/jobs/{job_id}/events", operation_id="list_job_events")
def list_events(
    job: CurrentJob,
    session: SessionDep,
    after: Cursor = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    type: Annotated[list[str] | None, Query()] = None,
) -> EventPage:
    """Status changes, progress, metrics and log lines after a cursor (event id)."""
    return observe.event_page(session, job, after=after, limit=limit, types=type)


@router.get("/jobs/{job_id}/metrics", operation_id="get_job_metrics")
def get_metrics(job: CurrentJob, session: SessionDep) -> dict[str, list[MetricPoint]]:
    """Each metric's time series, keyed `split/name`."""
    return observe.metric_series(session, job)


@router.get("/jobs/{job_id}/logs", operation_id="get_job_logs")
def get_logs(
    job: CurrentJob, settings: SettingsDep, lines: Annotated[int, Query(ge=1, le=10000)] = 200
) -> LogTail:
    """The last lines of the job's log."""
    return observe.log_tail(settings, job, lines=lines)


@router.get("/jobs/{job_id}/logs/download", operation_id="download_job_logs")
def download_logs(job: CurrentJob, settings: SettingsDep) -> FileResponse:
    """The whole log file."""
    return FileResponse(
        observe.log_path(settings, job),
        media_type="text/plain; charset=utf-8",
        filename=f"job-{job.id}.log",
    )
