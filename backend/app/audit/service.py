"""Write and query the audit log."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import AuditLog, User
from app.db.pagination import paginate


def record(
    session: Session,
    *,
    action: str,
    actor: User | None = None,
    actor_username: str | None = None,
    object_type: str | None = None,
    object_id: uuid.UUID | str | None = None,
    project_id: uuid.UUID | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add one audit entry to the current unit of work."""
    entry = AuditLog(
        action=action,
        actor_id=actor.id if actor else None,
        actor_username=actor.username if actor else actor_username,
        object_type=object_type,
        object_id=str(object_id) if object_id else None,
        project_id=project_id,
        ip=ip,
        details=details or {},
    )
    session.add(entry)
    return entry


def list_entries(
    session: Session,
    *,
    limit: int,
    offset: int,
    action: str | None = None,
    actor_username: str | None = None,
    object_type: str | None = None,
    project_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AuditLog], int]:
    """Entries matching the filters, newest first, and their total count."""
    query = select(AuditLog)
    if action:
        query = query.where(AuditLog.action == action)
    if actor_username:
        query = query.where(AuditLog.actor_username == actor_username)
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    if project_id:
        query = query.where(AuditLog.project_id == project_id)
    if since:
        query = query.where(AuditLog.created_at >= since)
    if until:
        query = query.where(AuditLog.created_at < until)
    return paginate(
        session,
        query,
        order_by=(AuditLog.created_at.desc(), AuditLog.id),
        limit=limit,
        offset=offset,
    )
