"""Request and response bodies of the model registry."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from app.core.schemas import InputModel, ReadModel

ALIAS_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"


class ModelVersionUpdate(InputModel):
    """Editable fields (all optional); `alias` is unique per project and moves on reuse."""

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    tags: list[str] | None = Field(None, max_length=50)
    alias: str | None = Field(None, pattern=ALIAS_PATTERN, description="e.g. production")


class ArtifactRead(ReadModel):
    """One stored file."""

    path: str
    size: int
    sha256: str


class ModelVersionRead(ReadModel):
    """A registered model version with its provenance."""

    id: uuid.UUID
    project_id: uuid.UUID
    job_id: uuid.UUID | None
    name: str
    version: int
    description: str
    tags: list[str]
    alias: str | None
    task_type: str
    trainer: str
    model_format: str
    metrics: dict[str, Any]
    params: dict[str, Any]
    columns: dict[str, Any]
    report: dict[str, Any]
    info: dict[str, Any]
    dataset_id: uuid.UUID | None
    dataset_sha256: str | None
    split_seed: int
    library_versions: dict[str, str]
    artifacts: list[ArtifactRead]
    size_bytes: int
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class PredictRequest(InputModel):
    """Rows to predict: each an object of column → value (text models also take plain strings)."""

    inputs: list[dict[str, Any] | str] = Field(min_length=1, max_length=1000)


class PredictResponse(ReadModel):
    """One result per input row, in order."""

    model_version_id: uuid.UUID
    predictions: list[dict[str, Any]]
