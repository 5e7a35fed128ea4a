"""OpenAI-compatible endpoints at /v1, authenticated by a project's API key."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.deps import DatabaseDep, SettingsDep
from app.serving.backends import Generator
from app.serving.chat_models import list_chat_models
from app.serving.completions import start_completion
from app.serving.keys import KeyOwner, authenticate_key, count_usage
from app.serving.openai_errors import OpenAIRoute, error_responses
from app.serving.openai_schemas import ChatCompletionRequest

OPENAI_PREFIX = "/v1"
router = APIRouter(prefix=OPENAI_PREFIX, tags=["openai"], route_class=OpenAIRoute)
bearer = HTTPBearer(auto_error=False)
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def get_key_owner(
    db: DatabaseDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> KeyOwner:
    """The live API key's project, or 401."""
    return authenticate_key(db, credentials.credentials if credentials else None)


ApiKeyOwner = Annotated[KeyOwner, Depends(get_key_owner)]


async def get_serving(request: Request) -> Generator:
    """The process's serving worker client."""
    client: Generator = request.app.state.serving
    return client


@router.get("/models", operation_id="openai_list_models", responses=error_responses(401))
def list_models(db: DatabaseDep, owner: ApiKeyOwner) -> dict[str, Any]:
    """The key's project's chat models, each by version id and by alias."""
    models = list_chat_models(db, owner.project_id)
    count_usage(db, owner.key_id, prompt=0, completion=0)
    return {"object": "list", "data": models}


@router.post(
    "/chat/completions",
    operation_id="openai_chat_completion",
    response_model=None,
    responses=error_responses(400, 401, 404, 429, 503),
)
async def chat_completion(
    body: ChatCompletionRequest,
    db: DatabaseDep,
    settings: SettingsDep,
    owner: ApiKeyOwner,
    client: Annotated[Generator, Depends(get_serving)],
) -> StreamingResponse | dict[str, Any]:
    """A chat completion, streamed as server-sent events when `stream` is true."""
    completion = await start_completion(db, settings, client, owner, body)
    if body.stream:
        return StreamingResponse(
            completion.events(), media_type="text/event-stream", headers=SSE_HEADERS
        )
    return await completion.whole()
