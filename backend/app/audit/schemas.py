"""Audit log responses."""

import uuid
from datetime import datetime
from typing import Any

from app.core.schemas import ReadModel


class AuditLogRead(ReadModel):
    """One audit entry."""

    id: uuid.UUID
    created_at: datetime
    actor_id: uuid.UUID | None
    actor_username: str | None
    action: str
    object_type: str | None
    object_id: str | None
    project_id: uuid.UUID | None
    ip: str | None
    details: dict[str, Any]
