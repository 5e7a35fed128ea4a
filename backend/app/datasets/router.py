"""Dataset endpoints: upload, browse, manage, preview, profile, download, validate."""

import uuid
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from app.api.deps import ClientIP, CurrentUser, JobEngineDep, SessionDep, SettingsDep
from app.core.schemas import Page
from app.datasets import export, service
from app.datasets.dependencies import (
    CurrentDataset,
    EditableDataset,
    ReadyDataset,
    UploaderDep,
)
from app.datasets.schemas import (
    DatasetPreview,
    DatasetProfile,
    DatasetRead,
    DatasetUpdate,
    ValidateRequest,
)
from app.datasets.upload import upload_dataset
from app.datasets.validation import ValidationReport

upload_router = APIRouter(prefix="/data", tags=["datasets"])
router = APIRouter(prefix="/datasets", tags=["datasets"])


@upload_router.post("/upload", status_code=201, operation_id="upload_dataset")
async def upload(
    request: Request,
    uploader: UploaderDep,
    engine: JobEngineDep,
    settings: SettingsDep,
    ip: ClientIP,
) -> DatasetRead:
    """Upload a file (multipart `file`; `name`, `description`, `sheet`, `parent_id` optional).

    Give `?project_id=` in the query so access is checked before the body is read; a
    `project_id` form field is accepted only when it comes before the file. Files larger than
    DATASET_INLINE_MAX_BYTES come back with status `processing` and are converted in the
    background: poll `GET /datasets/{id}` until `ready` (or `failed`, with `error`).
    """
    return await upload_dataset(request, uploader=uploader, engine=engine, settings=settings, ip=ip)


@router.get("", operation_id="list_datasets")
def list_datasets(
    session: SessionDep,
    user: CurrentUser,
    project_id: uuid.UUID | None = None,
    search: Annotated[str | None, Query(max_length=255)] = None,
    sort: service.SortKey = "-created_at",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[DatasetRead]:
    """Datasets of the caller's projects; filter by project, search by name, sort."""
    items, total = service.list_datasets(
        session,
        user=user,
        project_id=project_id,
        search=search,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return Page(
        items=[DatasetRead.model_validate(d) for d in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{dataset_id}", operation_id="get_dataset")
def get_dataset(dataset: CurrentDataset) -> DatasetRead:
    """One dataset."""
    return DatasetRead.model_validate(dataset)


@router.patch("/{dataset_id}", operation_id="update_dataset")
def update_dataset(
    data: DatasetUpdate, dataset: EditableDataset, session: SessionDep
) -> DatasetRead:
    """Rename or describe a dataset."""
    return DatasetRead.model_validate(service.update_dataset(session, dataset, data=data))


@router.delete("/{dataset_id}", status_code=204, operation_id="delete_dataset")
def delete_dataset(
    dataset: EditableDataset,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    ip: ClientIP,
) -> Response:
    """Delete a dataset and its files (409 while a queued or running job uses it)."""
    service.delete_dataset(session, settings, dataset, actor=user, ip=ip)
    return Response(status_code=204)


@router.get("/{dataset_id}/preview", operation_id="preview_dataset")
def preview_dataset(
    dataset: ReadyDataset,
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> DatasetPreview:
    """A window of rows as JSON objects."""
    return service.preview(settings, dataset, offset=offset, limit=limit)


@router.get("/{dataset_id}/profile", operation_id="get_dataset_profile")
def get_profile(dataset: ReadyDataset) -> DatasetProfile:
    """Row count and per-column statistics computed at upload."""
    return DatasetProfile(
        dataset_id=dataset.id, row_count=dataset.row_count, columns=dataset.profile["columns"]
    )


@router.get("/{dataset_id}/download", operation_id="download_dataset", response_model=None)
def download_dataset(
    dataset: ReadyDataset,
    settings: SettingsDep,
    format: Literal["original", "csv"] = "original",
) -> FileResponse | StreamingResponse:
    """The original file, or (`format=csv`) the rows as CSV escaped against formula injection."""
    if format == "original":
        return FileResponse(
            export.original_file(settings, dataset),
            filename=dataset.original_filename,
            media_type="application/octet-stream",
        )
    stem = dataset.original_filename.rsplit(".", 1)[0] or "dataset"
    disposition = f"attachment; filename*=utf-8''{quote(stem + '.csv')}"
    return StreamingResponse(
        export.csv_rows(settings, dataset),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@router.post("/{dataset_id}/validate", operation_id="validate_dataset")
def validate_dataset(
    body: ValidateRequest, dataset: ReadyDataset, settings: SettingsDep
) -> ValidationReport:
    """Check the dataset for a task and column mapping: errors block training, warnings don't."""
    return service.validate(settings, dataset, task_type=body.task_type, columns=body.columns)
