"""Admin endpoints: the local base models available for fine-tuning, validated."""

from fastapi import APIRouter, status

from app.api.deps import AdminUser, SessionDep, SettingsDep
from app.audit import service as audit
from app.base_models import service
from app.base_models.register import register_folder
from app.base_models.schemas import BaseModelRead, BaseModelRegister

router = APIRouter(prefix="/base-models", tags=["base-models"])


@router.get("", operation_id="list_base_models")
def list_base_models(settings: SettingsDep, _admin: AdminUser) -> list[BaseModelRead]:
    """Folders under MODEL_STORAGE_PATH/base/ with what each lacks (config, tokenizer, weights)."""
    return service.list_models(settings)


@router.get("/{name}", operation_id="get_base_model")
def get_base_model(name: str, settings: SettingsDep, _admin: AdminUser) -> BaseModelRead:
    """One base model, validated."""
    return service.get_model(settings, name)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="register_base_model")
def register_base_model(
    body: BaseModelRegister, settings: SettingsDep, session: SessionDep, admin: AdminUser
) -> BaseModelRead:
    """Copy a Hugging Face folder already on the server in as base/<name> (checked first)."""
    created = register_folder(settings, body)
    audit.record(
        session,
        action="base_model.register",
        actor=admin,
        object_type="base_model",
        object_id=body.name,
        details={"path": body.path},
    )
    return created
