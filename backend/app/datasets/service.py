"""Dataset lifecycle: create (after upload), read, list, update, delete, preview, validate."""

import uuid
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import pyarrow.parquet as pq
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.core.config import Settings
from app.core.errors import Conflict, UnprocessableInput
from app.datasets.ingest import Ingested
from app.datasets.receive import Received
from app.datasets.schemas import DatasetPreview, DatasetUpdate
from app.datasets.storage import canonical_path, remove_dataset_files
from app.datasets.validation import ValidationIssue, ValidationReport, validate_for_task
from app.db.models import Dataset, DatasetStatus, User
from app.db.pagination import SortOrder, Window, keyset_paginate
from app.projects.access import scope_to_visible

# Other domains register here what keeps a dataset from being deleted. Each check gets the
# session and the dataset id and returns a human reason ("used by queued job …") or None.
# The jobs domain appends its check at import time; DELETE answers 409 with the reasons.
DATASET_IN_USE_CHECKS: list[Callable[[Session, uuid.UUID], str | None]] = []

SortKey = Literal["created_at", "-created_at", "size_bytes", "-size_bytes", "name", "-name"]
SORT_COLUMNS = {
    "created_at": Dataset.created_at,
    "size_bytes": Dataset.size_bytes,
    "name": Dataset.name,
}


def load_frame(
    settings: Settings, dataset: Dataset, columns: list[str] | None = None
) -> pd.DataFrame:
    """The dataset's rows (all columns, or only `columns`), read from its canonical Parquet file."""
    path = canonical_path(settings, dataset.project_id, dataset.id)
    return pd.read_parquet(path, columns=columns)


def require_ready(dataset: Dataset) -> Dataset:
    """The dataset if its conversion is done; 409 naming its state otherwise."""
    if dataset.status == DatasetStatus.processing:
        raise Conflict(
            f"Dataset '{dataset.name}' is still being converted; try again when its status "
            "is 'ready'.",
            code="dataset_not_ready",
            details={"dataset_id": str(dataset.id), "status": dataset.status.value},
        )
    if dataset.status == DatasetStatus.failed:
        reason = (dataset.error or {}).get("message", "")
        raise Conflict(
            f"Dataset '{dataset.name}' could not be converted: {reason}",
            code="dataset_failed",
            details={"dataset_id": str(dataset.id), "status": dataset.status.value},
        )
    return dataset


def in_use_reasons(session: Session, dataset_id: uuid.UUID) -> list[str]:
    """Why the dataset cannot be deleted now (empty when it can)."""
    reasons = (check(session, dataset_id) for check in DATASET_IN_USE_CHECKS)
    return [reason for reason in reasons if reason]


def create_dataset(
    session: Session,
    *,
    dataset_id: uuid.UUID,
    project_id: uuid.UUID,
    received: Received,
    ingested: Ingested | None,
    creator: User,
    ip: str | None,
) -> Dataset:
    """Add the row of an upload and its audit entry (files are moved by the caller).

    Without `ingested` (a large upload, converted in the background) the row is `processing`.
    """
    fields = received.fields
    parent_id = _parent_in_project(session, fields.get("parent_id"), project_id)
    name = (fields.get("name") or received.filename)[:255]
    dataset = Dataset(
        id=dataset_id,
        project_id=project_id,
        name=name,
        description=fields.get("description", ""),
        original_filename=received.filename,
        format=ingested.format if ingested else "",
        encoding=ingested.encoding if ingested else None,
        size_bytes=received.size,
        sha256=received.sha256,
        row_count=ingested.row_count if ingested else 0,
        columns=ingested.columns if ingested else [],
        profile=ingested.profile if ingested else {},
        status=DatasetStatus.ready if ingested else DatasetStatus.processing,
        parent_id=parent_id,
        created_by_id=creator.id,
    )
    session.add(dataset)
    session.flush()
    audit.record(
        session,
        action="dataset.create",
        actor=creator,
        object_type="dataset",
        object_id=dataset.id,
        project_id=project_id,
        ip=ip,
        details={"name": name, "size_bytes": received.size, "sha256": received.sha256},
    )
    return dataset


def _parent_in_project(
    session: Session, raw: str | None, project_id: uuid.UUID
) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        parent_id = uuid.UUID(raw)
    except ValueError as exc:
        raise UnprocessableInput("parent_id is not a valid id.", code="bad_parent") from exc
    parent = session.get(Dataset, parent_id)
    if parent is None or parent.project_id != project_id:
        raise UnprocessableInput(
            "parent_id must name a dataset of the same project.", code="bad_parent"
        )
    return parent_id


def list_datasets(
    session: Session,
    *,
    user: User,
    project_id: uuid.UUID | None,
    search: str | None,
    sort: SortKey,
    limit: int,
    offset: int,
    cursor: str | None = None,
) -> Window:
    """Datasets the user can see, filtered, searched by name and sorted."""
    query = scope_to_visible(session, user, select(Dataset), Dataset.project_id, project_id)
    if search:
        query = query.where(Dataset.name.ilike(f"%{_escape_like(search)}%", escape="\\"))
    name = sort.lstrip("-")
    order = SortOrder(sort, SORT_COLUMNS[name], Dataset.id, descending=sort.startswith("-"))
    return keyset_paginate(session, query, order=order, limit=limit, offset=offset, cursor=cursor)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def update_dataset(session: Session, dataset: Dataset, *, data: DatasetUpdate) -> Dataset:
    """Change the name or description."""
    for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(dataset, key, value)
    session.flush()
    return dataset


def delete_dataset(
    session: Session, settings: Settings, dataset: Dataset, *, actor: User, ip: str | None
) -> None:
    """Delete the row, and the files once committed; 409 while a queued or running job uses it."""
    reasons = in_use_reasons(session, dataset.id)
    if reasons:
        raise Conflict(
            "The dataset is in use: " + "; ".join(reasons), code="dataset_in_use", details=reasons
        )
    audit.record(
        session,
        action="dataset.delete",
        actor=actor,
        object_type="dataset",
        object_id=dataset.id,
        project_id=dataset.project_id,
        ip=ip,
        details={"name": dataset.name, "sha256": dataset.sha256},
    )
    session.delete(dataset)
    session.flush()
    project_id, dataset_id = dataset.project_id, dataset.id
    event.listen(
        session,
        "after_commit",
        lambda _s: remove_dataset_files(settings, project_id, dataset_id),
        once=True,
    )


def preview(settings: Settings, dataset: Dataset, *, offset: int, limit: int) -> DatasetPreview:
    """Rows offset..offset+limit, reading only the row groups that hold them."""
    source = pq.ParquetFile(canonical_path(settings, dataset.project_id, dataset.id))
    groups: list[int] = []
    first_row, start = 0, 0
    for index in range(source.metadata.num_row_groups):
        rows = source.metadata.row_group(index).num_rows
        if first_row + rows > offset and first_row < offset + limit:
            if not groups:
                start = offset - first_row
            groups.append(index)
        first_row += rows
    names = source.schema_arrow.names
    records: list[dict[str, Any]] = []
    if groups:
        table = source.read_row_groups(groups).slice(start, limit)
        records = (
            table.to_pandas().astype(object).where(lambda f: f.notna(), None).to_dict("records")
        )
    return DatasetPreview(
        offset=offset, limit=limit, total=source.metadata.num_rows, columns=names, rows=records
    )


def validate(
    settings: Settings, dataset: Dataset, *, task_type: str, columns: dict[str, Any]
) -> ValidationReport:
    """The validation report for a task, reading only the columns the mapping names.

    Warnings found at upload (kept in the profile) come first among the report's warnings.
    """
    report = validate_for_task(
        load_frame(settings, dataset, _mapped_columns(dataset, columns)), task_type, columns
    )
    stored = [
        ValidationIssue(code=w["code"], message=w["message"], count=w.get("count"))
        for w in dataset.profile.get("warnings", [])
    ]
    report.warnings = stored + report.warnings
    return report


def _mapped_columns(dataset: Dataset, mapping: dict[str, Any]) -> list[str] | None:
    """Existing columns named by the mapping; None (all) when features are left open or the
    mapping names no column (chat data is recognised by its column names)."""
    if "target" in mapping and mapping.get("features") is None:
        return None
    if not any(isinstance(v, str | list) for k, v in mapping.items() if k != "format"):
        return None
    named = [v for v in mapping.values() if isinstance(v, str)]
    named += [f for f in mapping.get("features") or [] if isinstance(f, str)]
    existing = {c["name"] for c in dataset.columns}
    return [name for name in dict.fromkeys(named) if name in existing]
