"""Model registry API: /api/v1/models."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.api.deps import (
    ClientIP,
    CurrentUser,
    DatabaseDep,
    SessionDep,
    SettingsDep,
    note_user,
    oauth2_scheme,
)
from app.core.config import Settings
from app.core.schemas import Page
from app.db.models import ModelVersion, ProjectRole
from app.db.session import Database
from app.inference.service import predict
from app.model_registry import card, service
from app.model_registry.dependencies import CurrentModel, EditableModel
from app.model_registry.predict_access import ServedModel, authorize_prediction, load_version
from app.model_registry.schemas import (
    ModelVersionRead,
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
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ModelVersionRead]:
    """Model versions the caller can see, newest first."""
    items, total = service.list_versions(
        session,
        user=user,
        project_id=project_id,
        task_type=task_type,
        limit=limit,
        offset=offset,
    )
    return Page(
        items=[ModelVersionRead.model_validate(v) for v in items],
        total=total,
        limit=limit,
        offset=offset,
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


def predict_json(
    settings: Settings,
    model: ServedModel,
    body: bytes,
    load: Callable[[], ModelVersion],
) -> bytes:
    """Predict the body's rows and render `PredictResponse` with orjson (FastAPI's JSON)."""
    rows = predict(settings, model, body, _parse_rows, load)
    return orjson.dumps({"model_version_id": model.id, "predictions": rows})


def _authorized_predict(
    request: Request, db: Database, token: str | None, model_id: uuid.UUID, body: bytes
) -> bytes:
    """Access check in one query (see `predict_access`), then predict: one thread hop in all."""
    settings: Settings = request.app.state.settings
    user_id, model = authorize_prediction(
        db, token, settings.jwt_secret_key, model_id, ProjectRole.viewer
    )
    note_user(request, user_id)
    return predict_json(settings, model, body, lambda: load_version(db, model.id))


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
async def predict_rows(
    model_id: uuid.UUID,
    request: Request,
    db: DatabaseDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Response:
    """Predict up to 1,000 rows: label + probabilities per row, or the value (regression)."""
    body = await request.body()
    content = await run_in_threadpool(_authorized_predict, request, db, token, model_id, body)
    return Response(content, media_type="application/json")
