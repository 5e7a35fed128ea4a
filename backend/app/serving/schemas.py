"""API key schemas (the console's API)."""

import uuid
from datetime import datetime

from pydantic import Field

from app.core.schemas import InputModel, ReadModel


class ApiKeyCreate(InputModel):
    """A new key's display name."""

    name: str = Field(min_length=1, max_length=100)


class ApiKeyRead(ReadModel):
    """A key as listed: never the secret, only its first characters."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    created_by_id: uuid.UUID | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    calls: int
    prompt_tokens: int
    completion_tokens: int


class ApiKeyCreated(ApiKeyRead):
    """The answer to a creation: the only time the full key is shown."""

    key: str
