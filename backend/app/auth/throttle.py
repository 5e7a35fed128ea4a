"""Sign-in throttling: per account and address, and per account across addresses with backoff.

Each attempt is stored (and committed) before its password is checked, then the stored rows
are counted: the k-th attempt to commit sees at least k rows, so parallel guesses cannot all
pass the limit. An attempt refused here is deleted again, so refusals do not extend a lock.
"""

import math
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.errors import TooManyRequests
from app.db.models import LoginAttempt
from app.db.session import Database

# The column's width; NUL bytes cannot be stored by PostgreSQL.
_KEY_LENGTH = 64


def attempt_key(username: str) -> str:
    """The username as stored in the attempts table."""
    return username.replace("\x00", "")[:_KEY_LENGTH]


def _now() -> datetime:
    return datetime.now(UTC)


def _refused(retry_after: float) -> TooManyRequests:
    seconds = max(1, math.ceil(retry_after))
    return TooManyRequests(
        f"Too many failed sign-ins; try again in {seconds} seconds.",
        code="login_throttled",
        headers={"Retry-After": str(seconds)},
    )


def _check(
    rows: list[tuple[uuid.UUID, str, datetime]], settings: Settings, attempt_id: uuid.UUID, ip: str
) -> TooManyRequests | None:
    """The refusal for this attempt given the window's failed or pending attempts, if any."""
    now = _now()
    window = timedelta(minutes=settings.login_failure_window_minutes)
    same_address = [created for _id, row_ip, created in rows if row_ip == ip]
    if len(same_address) > settings.login_max_failures:
        return _refused((min(same_address) + window - now).total_seconds())
    excess = len(rows) - settings.login_account_max_failures
    others = [created for row_id, _ip, created in rows if row_id != attempt_id]
    if excess > 0 and others:
        gap = min(window.total_seconds(), settings.login_backoff_base_seconds * 2 ** (excess - 1))
        wait = gap - (now - max(others)).total_seconds()
        if wait > 0:
            return _refused(wait)
    return None


def begin_attempt(db: Database, settings: Settings, *, username: str, ip: str) -> uuid.UUID:
    """Store a pending attempt, then refuse it (429, deleted) when a limit is reached."""
    key = attempt_key(username)
    with db.session_scope() as session:
        attempt = LoginAttempt(username=key, ip=ip, succeeded=False)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    window_start = _now() - timedelta(minutes=settings.login_failure_window_minutes)
    with db.session_scope() as session:
        rows = session.execute(
            select(LoginAttempt.id, LoginAttempt.ip, LoginAttempt.created_at).where(
                LoginAttempt.username == key,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.created_at >= window_start,
            )
        ).all()
        refusal = _check([tuple(row) for row in rows], settings, attempt_id, ip)  # type: ignore[misc]
        if refusal is not None:
            session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
    if refusal is not None:
        raise refusal
    return attempt_id


def mark_succeeded(session: Session, attempt_id: uuid.UUID) -> None:
    """The attempt was a successful sign-in: it no longer counts as a failure."""
    session.execute(
        update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True)
    )
