"""The one place a job's status changes: allowed transitions, applied atomically."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.engine.events import record_event

S = JobStatus
ALLOWED: dict[JobStatus, frozenset[JobStatus]] = {
    S.queued: frozenset({S.running, S.cancelled, S.failed}),
    S.running: frozenset({S.succeeded, S.failed, S.cancelling, S.cancelled, S.queued}),
    S.cancelling: frozenset({S.cancelled, S.failed}),
    S.succeeded: frozenset(),
    S.failed: frozenset({S.queued}),
    S.cancelled: frozenset({S.queued}),
}


class IllegalTransitionError(Exception):
    """A status change the state machine forbids."""

    def __init__(self, current: JobStatus, target: JobStatus) -> None:
        super().__init__(f"illegal job transition {current.value} → {target.value}")
        self.current = current
        self.target = target


def transition(
    session: Session,
    job_id: uuid.UUID,
    current: JobStatus,
    target: JobStatus,
    *,
    where: tuple[ColumnElement[bool], ...] = (),
    reason: str | None = None,
    **values: Any,
) -> bool:
    """Move the job `current → target` if its row still says `current`; False if it changed.

    The conditional UPDATE is the claim: of two workers, exactly one sees `True`.
    """
    if target not in ALLOWED[current]:
        raise IllegalTransitionError(current, target)
    now = utcnow()
    if target.is_finished:
        values.setdefault("finished_at", now)
    statement = (
        update(TrainingJob)
        .where(TrainingJob.id == job_id, TrainingJob.status == current, *where)
        .values(status=target, updated_at=now, **values)
        .execution_options(synchronize_session="fetch")
    )
    if session.execute(statement).rowcount != 1:  # type: ignore[attr-defined]
        return False
    data: dict[str, Any] = {"status": target.value, "previous": current.value}
    if reason:
        data["reason"] = reason
    if values.get("error_code"):
        data["error"] = {"code": values["error_code"], "message": values.get("error_message")}
    record_event(session, job_id, "status", data)
    return True
