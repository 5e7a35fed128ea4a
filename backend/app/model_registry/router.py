"""Model registry API: /api/v1/models."""

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from app.api.deps import (
    ClientIP,
    CurrentUser,
    JobEngineDep,
    SessionDep,
    SettingsDep,
)
from app.core.config import Settings
from app.core.errors import Conflict
from app.core.schemas import Offset, Page
from app.db.models import ModelVersion
from app.inference.service import predict
from app.model_registry import card, service, storage
from app.model_registry.archive import tar_stream
from app.model_registry.dependencies import CurrentModel, EditableModel
from app.model_registry.merge_job import MERGED_DIR, merge_status, queue_merge, version_root
from app.model_registry.schemas import (
    DownloadArtifact,
    MergeStatus,
    ModelVersionRead,
    ModelVersionSummary,
    ModelVersionUpdate,
    PredictRequest,
    PredictResponse,
    parse_predict_request,
)

router = APIRouter(prefix="/models", tags=["models"])


@router.get("", operation_id="list_models")
def list_models(
    session: SessionDep,
    user: CurrentUser,
    project_id: uuid.UUID | None = None,
    task_type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ModelVersionSummary]:
    """Model versions the caller can see, newest first (the report is in `GET /models/{id}`)."""
    window = service.list_versions(
        session,
        user=user,
        project_id=project_id,
        task_type=task_type,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page(
        items=[ModelVersionSummary.model_validate(row[0]) for row in window.rows],
        total=window.total,
        limit=limit,
        offset=offset,
        next_cursor=window.next_cursor,
    )


@router.get("/{model_id}", operation_id="get_model")
def get_model(version: CurrentModel, session: SessionDep) -> ModelVersionRead:
    """One model version (chat models: with the state of their merge)."""
    read = ModelVersionRead.model_validate(version)
    read.merge = merge_status(session, version)
    return read


@router.patch("/{model_id}", operation_id="update_model")
def update_model(
    data: ModelVersionUpdate,
    version: EditableModel,
    session: SessionDep,
    user: CurrentUser,
    ip: ClientIP,
) -> ModelVersionRead:
    """Rename, describe, tag or alias (e.g. `production`) a model version."""
    updated = service.update_version(session, version, data, actor=user, ip=ip)
    return ModelVersionRead.model_validate(updated)


@router.delete("/{model_id}", status_code=204, operation_id="delete_model")
def delete_model(
    version: EditableModel,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    ip: ClientIP,
) -> Response:
    """Delete a model version and its files."""
    service.delete_version(session, settings, version, actor=user, ip=ip)
    return Response(status_code=204)


@router.get("/{model_id}/download", operation_id="download_model", response_model=None)
def download_model(
    version: CurrentModel,
    settings: SettingsDep,
    artifact: Annotated[
        DownloadArtifact | None,
        Query(description="Chat models: only the LoRA adapter, or the merged model, as a tar"),
    ] = None,
) -> Response | StreamingResponse:
    """A zip: artifacts, metadata.json and a bilingual model card README.md; or one artifact."""
    if artifact is not None:
        return _artifact_tar(settings, version, artifact)
    body = card.package(settings, version)
    filename = f"model-{version.id}.zip"
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _artifact_tar(
    settings: Settings, version: ModelVersion, artifact: DownloadArtifact
) -> StreamingResponse:
    """The adapter (with tokenizer and llm.json) or the merged folder, checked, as a tar stream."""
    if artifact == "adapter":
        if version.model_format != "peft_lora":
            raise Conflict("This model has no LoRA adapter.", code="no_adapter")
        entries = version.artifacts
    else:
        entries = (version.info.get("merge") or {}).get("artifacts") or []
        if not entries:
            raise Conflict(
                "The model is not merged: POST /api/v1/models/{id}/merge first.", code="not_merged"
            )
    root = version_root(settings, version)
    bad = storage.verify(root, entries)
    if bad:
        raise Conflict(
            f"Model files are missing or changed: {', '.join(bad)}.", code="model_files_corrupt"
        )
    prefix = f"model-{version.id}-{artifact}"
    paths = [e["path"] for e in entries]
    if artifact == "merged":  # the folder's own files at the archive's top
        root, paths = root / MERGED_DIR, [p.removeprefix(f"{MERGED_DIR}/") for p in paths]
    return StreamingResponse(
        tar_stream(root, paths, prefix),
        media_type="application/x-tar",
        headers={"Content-Disposition": f'attachment; filename="{prefix}.tar"'},
    )


@router.post("/{model_id}/merge", status_code=202, operation_id="merge_model")
def merge_model(
    version: EditableModel, session: SessionDep, engine: JobEngineDep, user: CurrentUser
) -> MergeStatus:
    """Merge a LoRA chat model into its base model in a background job."""
    job = queue_merge(session, engine, version, actor=user)
    session.flush()
    return MergeStatus(
        job_id=job.id,
        status=job.status.value,
        progress=0.0,
        error_code=None,
        error_message=None,
        merged=False,
    )


def _parse_rows(body: bytes) -> list[Any]:
    """The rows of a predict body (orjson and a shape check); 422 naming what is wrong."""
    try:
        return list(parse_predict_request(body).inputs)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc


def predict_json(settings: Settings, version: ModelVersion, body: bytes) -> bytes:
    """Predict the body's rows and render `PredictResponse` with orjson (FastAPI's JSON)."""
    rows = predict(settings, version, body, _parse_rows)
    return orjson.dumps({"model_version_id": version.id, "predictions": rows})


PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": PredictRequest.model_json_schema()}},
    }
}


@router.post(
    "/{model_id}/predict",
    operation_id="predict",
    response_model=PredictResponse,
    openapi_extra=PREDICT_BODY,
)
async def predict_rows(version: CurrentModel, request: Request, settings: SettingsDep) -> Response:
    """Predict up to 1,000 rows: label + probabilities per row, or the value (regression)."""
    body = await request.body()
    content = await run_in_threadpool(predict_json, settings, version, body)
    return Response(content, media_type="application/json")
