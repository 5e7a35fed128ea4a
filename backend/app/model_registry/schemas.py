"""Request and response bodies of the model registry."""

import uuid
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import ConfigDict, Field

from app.core.schemas import InputModel, ReadModel, UpdateModel

ALIAS_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"


class ModelVersionUpdate(UpdateModel):
    """Editable fields (all optional); `alias` is unique per project and moves on reuse."""

    nullable = frozenset({"alias"})

    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    tags: list[str] | None = Field(None, max_length=50)
    alias: str | None = Field(None, pattern=ALIAS_PATTERN, description="e.g. production")


class ArtifactRead(ReadModel):
    """One stored file."""

    path: str
    size: int
    sha256: str


class ModelVersionSummary(ReadModel):
    """A model version as lists show it: identity, task, scores and size (no report)."""

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
    dataset_id: uuid.UUID | None
    size_bytes: int
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class MergeStatus(ReadModel):
    """The merge of a LoRA chat model into its base: the latest merge job and its result."""

    job_id: uuid.UUID
    status: str = Field(description="queued, running, cancelling, succeeded, failed, cancelled")
    progress: float
    error_code: str | None
    error_message: str | None
    merged: bool = Field(description="`merged/` is stored: `download?artifact=merged` serves it")
    dtype: str | None = None
    size_bytes: int | None = None
    merged_at: datetime | None = None


class ModelVersionRead(ModelVersionSummary):
    """A registered model version with its provenance and held-out report."""

    params: dict[str, Any]
    columns: dict[str, Any]
    report: dict[str, Any]
    info: dict[str, Any]
    dataset_sha256: str | None
    split_seed: int
    library_versions: dict[str, str]
    artifacts: list[ArtifactRead]
    merge: MergeStatus | None = Field(None, description="Chat models: the merge, if any")


DownloadArtifact = Literal["adapter", "merged"]


MAX_PREDICT_ROWS = 1000
ROW_TYPES = frozenset({dict, str})


class PredictRequest(InputModel):
    """Rows to predict: each an object of column → value (text models also take plain strings)."""

    model_config = ConfigDict(str_strip_whitespace=False)  # texts are predicted as sent

    inputs: list[dict[str, Any] | str] = Field(min_length=1, max_length=MAX_PREDICT_ROWS)


def parse_predict_request(body: bytes) -> PredictRequest:
    """Parse a predict body; pydantic validates only a body that fails the fast shape check.

    orjson builds the rows about twice as fast as a pydantic-core validating parse of
    `list[dict | str]` (which also copies every row); the shape check below accepts exactly
    what `PredictRequest` accepts, so pydantic runs only to name what is wrong (or to parse
    what orjson refuses, e.g. NaN literals). Columns and types are checked by the predictor.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return PredictRequest.model_validate_json(body)
    inputs = data.get("inputs") if type(data) is dict and len(data) == 1 else None
    if (
        type(inputs) is list
        and 0 < len(inputs) <= MAX_PREDICT_ROWS
        and set(map(type, inputs)) <= ROW_TYPES
    ):
        return PredictRequest.model_construct(inputs=inputs)
    return PredictRequest.model_validate(data)


class PredictResponse(ReadModel):
    """One result per input row, in order."""

    model_version_id: uuid.UUID
    predictions: list[dict[str, Any]]
