"""API keys of a project: editors create and revoke them, every member lists them."""

import uuid

from fastapi import APIRouter, Response

from app.api.deps import ClientIP, CurrentUser, ProjectEditor, ProjectViewer, SessionDep
from app.serving import keys
from app.serving.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = APIRouter(prefix="/projects/{project_id}/api-keys", tags=["api-keys"])


@router.post("", status_code=201, operation_id="create_api_key")
def create_api_key(
    data: ApiKeyCreate, project: ProjectEditor, session: SessionDep, user: CurrentUser, ip: ClientIP
) -> ApiKeyCreated:
    """Create a key for the project's models; the answer is the only time the key is shown."""
    key, secret = keys.create_key(session, project=project, name=data.name, actor=user, ip=ip)
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@router.get("", operation_id="list_api_keys")
def list_api_keys(project: ProjectViewer, session: SessionDep) -> list[ApiKeyRead]:
    """The project's keys (prefix, name, last use, calls and tokens), revoked ones included."""
    return [ApiKeyRead.model_validate(key) for key in keys.list_keys(session, project)]


@router.delete("/{key_id}", status_code=204, operation_id="revoke_api_key")
def revoke_api_key(
    key_id: uuid.UUID, project: ProjectEditor, session: SessionDep, user: CurrentUser, ip: ClientIP
) -> Response:
    """Revoke a key: calls with it answer 401 from now on."""
    keys.revoke_key(session, keys.get_key(session, project, key_id), actor=user, ip=ip)
    return Response(status_code=204)
