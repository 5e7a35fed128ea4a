"""Admin endpoints: the local base models available for fine-tuning, validated."""

from fastapi import APIRouter

from app.api.deps import AdminUser, SettingsDep
from app.base_models import service
from app.base_models.schemas import BaseModelRead

router = APIRouter(prefix="/base-models", tags=["base-models"])


@router.get("", operation_id="list_base_models")
def list_base_models(settings: SettingsDep, _admin: AdminUser) -> list[BaseModelRead]:
    """Folders under MODEL_STORAGE_PATH/base/ with what each lacks (config, tokenizer, weights)."""
    return service.list_models(settings)


@router.get("/{name}", operation_id="get_base_model")
def get_base_model(name: str, settings: SettingsDep, _admin: AdminUser) -> BaseModelRead:
    """One base model, validated."""
    return service.get_model(settings, name)
