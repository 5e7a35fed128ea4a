"""Admin-only audit log endpoint."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import AdminUser, SessionDep
from app.audit import service
from app.audit.schemas import AuditLogRead
from app.core.schemas import Offset, Page

router = APIRouter(prefix="/audit-logs", tags=["audit"])


@router.get("", operation_id="list_audit_logs")
def list_audit_logs(
    session: SessionDep,
    _admin: AdminUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    project_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[AuditLogRead]:
    """Audit entries, newest first, filterable."""
    rows, total = service.list_entries(
        session,
        limit=limit,
        offset=offset,
        action=action,
        actor_username=actor,
        object_type=object_type,
        project_id=project_id,
        since=since,
        until=until,
    )
    items = [AuditLogRead.model_validate(r) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)
