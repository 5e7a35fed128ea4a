"""List and validate the base models (pure filesystem checks; nothing is downloaded)."""

from pathlib import Path

from app.base_models.schemas import BaseModelRead
from app.core.config import Settings
from app.core.errors import NotFound
from app.trainers.text.transformer.base_model import (
    NAME_PATTERN,
    base_root,
    inspect_base_model,
    list_base_models,
)


def list_models(settings: Settings) -> list[BaseModelRead]:
    """Every folder under MODEL_STORAGE_PATH/base/, checked."""
    return [
        BaseModelRead(**info.as_dict())
        for info in list_base_models(Path(settings.model_storage_path))
    ]


def get_model(settings: Settings, name: str) -> BaseModelRead:
    """One base model, checked; 404 when no such folder exists."""
    folder = base_root(Path(settings.model_storage_path)) / name
    if not NAME_PATTERN.match(name) or not folder.is_dir():
        raise NotFound(f"Base model '{name}' not found.", code="base_model_not_found")
    return BaseModelRead(**inspect_base_model(folder).as_dict())
