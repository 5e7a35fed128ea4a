"""Dataset schemas."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AliasPath, BaseModel, Field

from app.core.schemas import InputModel, ReadModel, UpdateModel
from app.trainers.task_types import TASK_TYPES


class DatasetColumn(BaseModel):
    """One column: its name, storage type and inferred kind."""

    name: str
    dtype: str
    inferred_type: Literal["text", "categorical", "numeric", "boolean", "datetime"]


class DatasetError(BaseModel):
    """Why a background conversion failed: a stable code and a message a person can act on."""

    code: str
    message: str
    details: Any = None


class DatasetWarning(BaseModel):
    """Something read from the upload that may not be what the person expects."""

    code: str
    message: str
    cells: list[str] = Field(default_factory=list, description="Spreadsheet cells, like B7.")
    count: int | None = None


class DatasetRead(ReadModel):
    """A dataset as the API shows it."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    description: str
    original_filename: str
    format: str
    encoding: str | None
    size_bytes: int
    sha256: str
    row_count: int
    columns: list[DatasetColumn]
    status: Literal["processing", "ready", "failed"] = Field(
        description="Large uploads are `processing` until converted in the background."
    )
    error: DatasetError | None = Field(None, description="Set when `status` is `failed`.")
    warnings: list[DatasetWarning] = Field(
        default_factory=list,
        validation_alias=AliasPath("profile", "warnings"),
        description="Found while converting the upload (e.g. formulas without a saved value).",
    )
    parent_id: uuid.UUID | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class DatasetUpdate(UpdateModel):
    """Rename or describe a dataset (its data is immutable)."""

    name: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = Field(None, max_length=5000)


class DatasetProfile(BaseModel):
    """Row count and per-column statistics computed at upload."""

    dataset_id: uuid.UUID
    row_count: int
    columns: list[dict[str, Any]]
    warnings: list[DatasetWarning] = Field(default_factory=list)


class DatasetPreview(BaseModel):
    """A window of rows, as JSON objects."""

    offset: int
    limit: int
    total: int
    columns: list[str]
    rows: list[dict[str, Any]]


class ValidateRequest(InputModel):
    """A task type and its column mapping, e.g. {"text": "内容", "label": "类别"}."""

    task_type: str = Field(description=f"One of: {', '.join(TASK_TYPES)}.")
    columns: dict[str, Any]
