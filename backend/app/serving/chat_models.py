"""Which chat models a key reaches: its project's LLM versions, named by id or alias."""

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from app.core.config import Settings
from app.core.errors import BadRequest, NotFound
from app.db.models import ModelVersion
from app.db.session import Database
from app.trainers.registry import TaskType

# Task types whose versions are chat models (artifacts: llm.json + adapter/ or model/).
CHAT_TASK_TYPES = (TaskType.llm_sft.value,)


_COLUMNS = (
    ModelVersion.id,
    ModelVersion.task_type,
    ModelVersion.artifact_dir,
    ModelVersion.artifacts,
)


def _named(project_id: uuid.UUID, name: str) -> Any:
    """The query for a project's version called `name` (its id or its alias)."""
    query = select(*_COLUMNS).where(ModelVersion.project_id == project_id)
    try:
        return query.where(or_(ModelVersion.id == uuid.UUID(name), ModelVersion.alias == name))
    except ValueError:
        return query.where(ModelVersion.alias == name)


def resolve_chat_model(
    db: Database, settings: Settings, project_id: uuid.UUID, name: str
) -> dict[str, Any]:
    """What the worker needs to load the named model; 404 outside the key's project."""
    with db.engine.connect() as connection:
        version = connection.execute(_named(project_id, name)).first()
    if version is None:
        raise NotFound(
            f"The model '{name}' does not exist or is not in this API key's project.",
            code="model_not_found",
        )
    if version.task_type not in CHAT_TASK_TYPES:
        raise BadRequest(
            f"The model '{name}' is a {version.task_type} model, not a chat model.",
            code="model_not_chat",
        )
    storage = Path(settings.model_storage_path)
    return {
        "id": str(version.id),
        "root": str(storage / version.artifact_dir),
        "base_root": str(storage / "base"),
        "artifacts": list(version.artifacts),
    }


def list_chat_models(db: Database, project_id: uuid.UUID) -> list[dict[str, Any]]:
    """The project's chat models in OpenAI's model list shape: each by id, and by alias."""
    with db.session_scope() as session:
        versions = session.execute(
            select(ModelVersion.id, ModelVersion.alias, ModelVersion.created_at)
            .where(
                ModelVersion.project_id == project_id,
                ModelVersion.task_type.in_(CHAT_TASK_TYPES),
            )
            .order_by(ModelVersion.created_at.desc(), ModelVersion.id)
        ).all()
    entries = []
    for version_id, alias, created_at in versions:
        for name in filter(None, (alias, str(version_id))):
            entries.append(
                {
                    "id": name,
                    "object": "model",
                    "created": int(created_at.timestamp()),
                    "owned_by": str(project_id),
                    "root": str(version_id),
                }
            )
    return entries
