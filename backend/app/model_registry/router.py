"""Model registry API: /api/v1/models."""

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.api.deps import (
    ClientIP,
    CurrentUser,
    SessionDep,
    SettingsDep,
)
from app.core.config import Settings
from app.core.schemas import Offset, Page
from app.db.models import ModelVersion
from app.inference.service import predict
from app.model_registry import card, service
from app.model_registry.dependencies import CurrentModel, EditableModel
from app.model_registry.schemas import (
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
def get_model(version: CurrentModel) -> ModelVersionRead:
    """One model version."""
    return ModelVersionRead.model_validate(version)


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


@router.get("/{model_id}/download", operation_id="download_model")
def download_model(version: CurrentModel, settings: SettingsDep) -> Response:
    """A zip: artifacts, metadata.json and a bilingual model card README.md."""
    body = card.package(settings, version)
    filename = f"model-{version.id}.zip"
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
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
