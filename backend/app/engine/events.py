"""Job events: stored rows (the cursor is the id) published on the engine's bus after commit.

Every writer updates the job's row before it records events in the same transaction
(`transition`, the supervisor's heartbeat batch), so the row lock orders one job's
transactions and its event ids grow in commit order: a reader resuming after id N misses none.
"""

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models.job import JobEvent

# Events a session stored, published by the engine once that session commits (dropped on
# rollback); a session without an engine attached to its database publishes nothing.
PENDING_KEY = "job_events_to_publish"


def _wire(
    event_id: int, job_id: uuid.UUID, type_: str, data: dict[str, Any], created_at: datetime
) -> dict[str, Any]:
    return {
        "id": event_id,
        "job_id": str(job_id),
        "type": type_,
        "data": data,
        "created_at": created_at.isoformat(),
    }


def event_payload(event: JobEvent) -> dict[str, Any]:
    """The wire form of an event (REST, WebSocket, bus)."""
    return _wire(event.id, event.job_id, event.type, event.data, event.created_at)


# A Core statement built once: building it for every batch, and the ORM's bulk-insert handling,
# cost more than running it.
EVENTS = cast(Table, JobEvent.__table__)
INSERT_EVENTS = insert(EVENTS).returning(EVENTS.c.id, sort_by_parameter_order=True)


def record_events(
    session: Session, job_id: uuid.UUID, items: list[tuple[str, dict[str, Any]]]
) -> None:
    """Store events (type, data) in one statement; publish them once the transaction commits."""
    if not items:
        return
    created_at = utcnow()
    rows = [
        {"job_id": job_id, "type": type_, "data": data, "created_at": created_at}
        for type_, data in items
    ]
    ids = session.connection().execute(INSERT_EVENTS, rows).scalars().all()
    payloads = [
        _wire(event_id, job_id, type_, data, created_at)
        for event_id, (type_, data) in zip(ids, items, strict=True)
    ]
    session.info.setdefault(PENDING_KEY, []).append((job_id, payloads))


def take_pending(session: Session) -> list[tuple[uuid.UUID, list[dict[str, Any]]]]:
    """The events the session stored since its last commit or rollback (removed from it)."""
    pending: list[tuple[uuid.UUID, list[dict[str, Any]]]] = session.info.pop(PENDING_KEY, [])
    return pending


def record_event(session: Session, job_id: uuid.UUID, type_: str, data: dict[str, Any]) -> None:
    """Store one event and publish it once the transaction commits."""
    record_events(session, job_id, [(type_, data)])


def events_after(
    session: Session,
    job_id: uuid.UUID,
    after_id: int,
    *,
    limit: int,
    types: list[str] | None = None,
) -> list[JobEvent]:
    """The job's events with id > after_id, oldest first."""
    query = select(JobEvent).where(JobEvent.job_id == job_id, JobEvent.id > after_id)
    if types:
        query = query.where(JobEvent.type.in_(types))
    return list(session.scalars(query.order_by(JobEvent.id).limit(limit)))
