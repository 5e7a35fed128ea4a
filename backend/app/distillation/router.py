"""Distillations: create (the student's training starts), list, read, report downloads."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ClientIP, CurrentUser, JobEngineDep, SessionDep
from app.core.errors import Conflict
from app.core.schemas import Offset, Page
from app.db.models import Distillation
from app.distillation import export, service
from app.distillation.dependencies import CurrentDistillation, SourceRun
from app.distillation.schemas import DistillationCreate, DistillationRead, DistillationSummary

router = APIRouter(prefix="/distillations", tags=["distillations"])


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_distillation")
def create_distillation(
    data: DistillationCreate,
    run: SourceRun,
    session: SessionDep,
    engine: JobEngineDep,
    user: CurrentUser,
    ip: ClientIP,
) -> DistillationRead:
    """Submit the student's training on the run's output; the report follows in the background."""
    distillation = service.create_distillation(session, engine, run, data=data, actor=user, ip=ip)
    return DistillationRead.model_validate(distillation)


@router.get("", operation_id="list_distillations")
def list_distillations(
    session: SessionDep,
    user: CurrentUser,
    project_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[DistillationSummary]:
    """Distillations the caller can see, newest first (the report is in `GET /{id}`)."""
    window = service.list_distillations(
        session, user=user, project_id=project_id, limit=limit, offset=offset, cursor=cursor
    )
    return Page(
        items=[DistillationSummary.model_validate(row[0]) for row in window.rows],
        total=window.total,
        limit=limit,
        offset=offset,
        next_cursor=window.next_cursor,
    )


@router.get("/{distillation_id}", operation_id="get_distillation")
def get_distillation(distillation: CurrentDistillation) -> DistillationRead:
    """One distillation: its stage and, once evaluated, its report."""
    return DistillationRead.model_validate(distillation)


def _reported(distillation: Distillation) -> Distillation:
    if distillation.report is None:
        raise Conflict(
            f"The distillation is {distillation.status.value}; its report is not ready.",
            code="report_not_ready",
        )
    return distillation


def _attachment(body: str, media_type: str, filename: str) -> Response:
    return Response(
        body.encode(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/{distillation_id}/report.md",
    operation_id="download_distillation_report_md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}, "description": "The report"}},
)
def download_report_markdown(distillation: CurrentDistillation) -> Response:
    """The report as Markdown (Chinese headings with English); 409 before it is ready."""
    text = export.to_markdown(_reported(distillation))
    return _attachment(text, "text/markdown; charset=utf-8", f"distillation-{distillation.id}.md")


@router.get(
    "/{distillation_id}/report.csv",
    operation_id="download_distillation_report_csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The report's figures"}},
)
def download_report_csv(distillation: CurrentDistillation) -> Response:
    """The report's figures as CSV; 409 before it is ready."""
    text = export.to_csv(_reported(distillation))
    return _attachment(text, "text/csv; charset=utf-8", f"distillation-{distillation.id}.csv")
