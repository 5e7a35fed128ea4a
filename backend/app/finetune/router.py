"""The console's fine-tuning helpers: LLM base models, chat preview, memory estimate, chat."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from app.api.deps import CurrentUser, DatabaseDep, SessionDep, SettingsDep
from app.base_models.schemas import BaseModelRead
from app.datasets.dependencies import get_dataset_or_404
from app.datasets.service import require_ready
from app.db.models import ProjectRole
from app.finetune import service
from app.finetune.chat import start_chat
from app.finetune.schemas import (
    ChatPreview,
    ChatPreviewRequest,
    MemoryEstimateRead,
    MemoryEstimateRequest,
    PlaygroundChatRequest,
)
from app.model_registry.dependencies import CurrentModel
from app.serving.backends import Generator
from app.serving.openai_router import SSE_HEADERS, get_serving

router = APIRouter(prefix="/finetune", tags=["finetune"])


@router.get("/base-models", operation_id="list_llm_base_models")
def list_llm_base_models(settings: SettingsDep, _user: CurrentUser) -> list[BaseModelRead]:
    """The causal LMs under the base-model folder, checked (any signed-in user picks from them)."""
    return service.llm_base_models(settings)


@router.post("/chat-preview", operation_id="preview_chat_data")
def preview_chat_data(
    body: ChatPreviewRequest, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> ChatPreview:
    """The dataset's chat format and first rows rendered through the base model's template."""
    dataset = require_ready(get_dataset_or_404(session, user, body.dataset_id, ProjectRole.viewer))
    return service.chat_preview(settings, dataset, body)


@router.post("/memory-estimate", operation_id="estimate_finetune_memory")
def estimate_memory(
    body: MemoryEstimateRequest, settings: SettingsDep, _user: CurrentUser
) -> MemoryEstimateRead:
    """Memory a LoRA run needs with these settings, what is free, and what to lower."""
    return service.estimate(settings, body)


@router.post(
    "/models/{model_id}/chat",
    operation_id="chat_with_model",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def chat_with_model(
    body: PlaygroundChatRequest,
    version: CurrentModel,
    db: DatabaseDep,
    settings: SettingsDep,
    client: Annotated[Generator, Depends(get_serving)],
) -> StreamingResponse:
    """Stream a chat answer of an LLM version as server-sent events (`delta`, then `done`)."""
    events = await start_chat(db, settings, client, version, body)
    return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
