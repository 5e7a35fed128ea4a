"""Labeling runs: preview and estimate, create (runs as a `label` job), list, stop, resume, read."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import (
    ClientIP,
    CurrentUser,
    DatabaseDep,
    JobEngineDep,
    SessionDep,
    SettingsDep,
)
from app.core.schemas import Offset, Page
from app.db.models import LabelingStatus
from app.labeling import runs, service
from app.labeling.dependencies import CurrentRun, EditableRun, TargetDataset
from app.labeling.label_job import submit_run
from app.labeling.preview import preview_with_answers
from app.labeling.schemas import (
    LabelingPreview,
    LabelingResume,
    LabelingRowRead,
    LabelingRunCreate,
    LabelingRunRead,
)

router = APIRouter(prefix="/labeling-runs", tags=["labeling"])
PageCursor = Annotated[str | None, Query(max_length=200)]


@router.post("/preview", operation_id="preview_labeling_run")
def preview_run(
    data: LabelingRunCreate,
    dataset: TargetDataset,
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    user: CurrentUser,
    ask_teachers: Annotated[
        bool,
        Query(
            description="Also ask every teacher the previewed prompts (paid within the budget, "
            "recorded and cached: the run reuses the answers)."
        ),
    ] = False,
) -> LabelingPreview:
    """The first 5 rendered prompts and the token and cost estimate; with `ask_teachers`,
    the teachers' parsed answers to them. No run is stored."""
    if ask_teachers:
        return preview_with_answers(session, db, settings, dataset, data, user)
    prompts, estimate = service.preview_and_estimate(session, settings, dataset, data)
    return LabelingPreview(
        prompts=prompts, estimate=estimate, ask_cost=service.ask_cost(session, data, prompts)
    )


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_labeling_run")
def create_run(
    data: LabelingRunCreate,
    dataset: TargetDataset,
    session: SessionDep,
    settings: SettingsDep,
    engine: JobEngineDep,
    user: CurrentUser,
) -> LabelingRunRead:
    """Store the run and queue its `label` job; 422 `over_budget` when the estimate exceeds
    the budget."""
    run = service.create_run(session, settings, dataset, data=data, actor=user)
    submit_run(session, engine, run)
    return LabelingRunRead.model_validate(run)


@router.get("", operation_id="list_labeling_runs")
def list_runs(
    session: SessionDep,
    user: CurrentUser,
    project_id: uuid.UUID | None = None,
    status: LabelingStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    cursor: PageCursor = None,
) -> Page[LabelingRunRead]:
    """Runs the caller can see, newest first; `cursor` (from `next_cursor`) pages by key."""
    window = runs.list_runs(
        session,
        user,
        project_id=project_id,
        status=status,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [LabelingRunRead.model_validate(run) for (run,) in window.rows]
    return Page(
        items=items, total=window.total, limit=limit, offset=offset, next_cursor=window.next_cursor
    )


@router.get("/{run_id}", operation_id="get_labeling_run")
def get_run(run: CurrentRun) -> LabelingRunRead:
    """One run with its progress, tokens, cost and job (follow it on /ws/jobs/{job_id})."""
    return LabelingRunRead.model_validate(run)


@router.get("/{run_id}/rows", operation_id="list_labeling_rows")
def list_rows(
    run: CurrentRun,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
    cursor: PageCursor = None,
) -> Page[LabelingRowRead]:
    """The labeled rows in dataset order: output, votes, agreement, confidence, error."""
    window = runs.list_rows(session, run, limit=limit, offset=offset, cursor=cursor)
    items = [LabelingRowRead.model_validate(row) for (row,) in window.rows]
    return Page(
        items=items, total=window.total, limit=limit, offset=offset, next_cursor=window.next_cursor
    )


@router.post("/{run_id}/stop", operation_id="stop_labeling_run")
def stop_run(
    run: EditableRun, session: SessionDep, engine: JobEngineDep, user: CurrentUser, ip: ClientIP
) -> LabelingRunRead:
    """Stop the run: a queued job at once, a running one once its rows in flight finish."""
    return LabelingRunRead.model_validate(runs.stop_run(session, engine, run, actor=user, ip=ip))


@router.post("/{run_id}/resume", operation_id="resume_labeling_run")
def resume_run(
    data: LabelingResume,
    run: EditableRun,
    session: SessionDep,
    engine: JobEngineDep,
    user: CurrentUser,
    ip: ClientIP,
) -> LabelingRunRead:
    """Queue a stopped, failed or budget-stopped run again (answers already paid are reused)."""
    return LabelingRunRead.model_validate(
        runs.resume_run(session, engine, run, data, actor=user, ip=ip)
    )
