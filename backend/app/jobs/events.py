"""Job events: stored rows (the cursor is the id) published on the bus after commit.

Every writer updates the job's row before it records events in the same transaction
(`transition`, the supervisor's heartbeat batch), so the row lock orders one job's
transactions and its event ids grow in commit order: a reader resuming after id N misses none.
"""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models.job import JobEvent
from app.jobs import engine
from app.jobs.outbox import after_commit


def event_payload(event: JobEvent) -> dict[str, Any]:
    """The wire form of an event (REST, WebSocket, bus)."""
    return {
        "id": event.id,
        "job_id": str(event.job_id),
        "type": event.type,
        "data": event.data,
        "created_at": event.created_at.isoformat(),
    }


def record_event(session: Session, job_id: uuid.UUID, type_: str, data: dict[str, Any]) -> JobEvent:
    """Store an event and publish it once the transaction commits."""
    event = JobEvent(job_id=job_id, type=type_, data=data)
    session.add(event)
    session.flush()
    payload = event_payload(event)
    after_commit(session, lambda: engine.publish(job_id, payload))
    return event


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
