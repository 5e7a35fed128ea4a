"""Runs as jobs: submit, list, stop, resume; the labeled rows page by page."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.service import record
from app.core.errors import Conflict, UnprocessableInput
from app.db.models import LabelingRow, LabelingRun, LabelingStatus, TrainingJob, User
from app.db.pagination import SortOrder, Window, keyset_paginate
from app.engine.context import JobEngine
from app.engine.control import CancelRefusedError, request_cancel
from app.labeling.label_job import submit_run
from app.labeling.schemas import LabelingResume
from app.projects.access import scope_to_visible

RUN_ORDER = SortOrder("created_at", LabelingRun.created_at, LabelingRun.id)
ROW_ORDER = SortOrder("row_index", LabelingRow.row_index, LabelingRow.id, descending=False)
RESUMABLE = (LabelingStatus.stopped_budget, LabelingStatus.cancelled, LabelingStatus.failed)


def list_runs(
    session: Session,
    user: User,
    *,
    project_id: uuid.UUID | None,
    status: LabelingStatus | None,
    limit: int,
    offset: int,
    cursor: str | None,
) -> Window:
    """Runs visible to the user, newest first."""
    query = scope_to_visible(session, user, select(LabelingRun), LabelingRun.project_id, project_id)
    if status is not None:
        query = query.where(LabelingRun.status == status)
    return keyset_paginate(
        session, query, order=RUN_ORDER, limit=limit, offset=offset, cursor=cursor
    )


def list_rows(
    session: Session, run: LabelingRun, *, limit: int, offset: int, cursor: str | None
) -> Window:
    """The run's labeled rows in dataset order."""
    query = select(LabelingRow).where(LabelingRow.run_id == run.id)
    return keyset_paginate(
        session, query, order=ROW_ORDER, limit=limit, offset=offset, cursor=cursor
    )


def _active_job(session: Session, run: LabelingRun) -> TrainingJob | None:
    job = session.get(TrainingJob, run.job_id) if run.job_id else None
    return job if job is not None and not job.status.is_finished else None


def stop_run(
    session: Session, engine: JobEngine, run: LabelingRun, *, actor: User, ip: str
) -> LabelingRun:
    """Cancel the run's job: a queued one at once, a running one after its rows in flight."""
    job = _active_job(session, run)
    if job is None:
        raise Conflict(
            f"The run is {run.status.value}; only a pending or running run can be stopped.",
            code="labeling_run_not_active",
        )
    try:
        request_cancel(engine, session, job, f"labeling run stopped by {actor.username}")
    except CancelRefusedError as exc:
        raise Conflict(exc.message, code=exc.code) from exc
    record(
        session,
        action="labeling_run.stop",
        actor=actor,
        object_type="labeling_run",
        object_id=run.id,
        project_id=run.project_id,
        ip=ip,
    )
    return run


def resume_run(
    session: Session,
    engine: JobEngine,
    run: LabelingRun,
    data: LabelingResume,
    *,
    actor: User,
    ip: str,
) -> LabelingRun:
    """Queue a new job for a stopped, failed or budget-stopped run (raised budget optional)."""
    if run.status not in RESUMABLE or _active_job(session, run) is not None:
        raise Conflict(
            f"The run is {run.status.value}; only a stopped, failed or budget-stopped run "
            "can be resumed.",
            code="labeling_run_not_resumable",
        )
    if run.dataset_id is None:
        raise Conflict("The labeled dataset was deleted.", code="dataset_deleted")
    if data.budget is not None:
        if data.budget < run.budget:
            raise UnprocessableInput(
                f"budget {data.budget} is below the run's budget {run.budget}; it can only "
                "be raised.",
                code="budget_lowered",
                details={"field": "budget"},
            )
        run.budget = data.budget
    submit_run(session, engine, run)
    record(
        session,
        action="labeling_run.resume",
        actor=actor,
        object_type="labeling_run",
        object_id=run.id,
        project_id=run.project_id,
        ip=ip,
        details={"budget": str(run.budget), "job_id": str(run.job_id)},
    )
    return run
