"""Run callbacks after the session's transaction commits (dropped on rollback).

Used to enqueue job ids and publish events only once their rows are committed (rule 4).
"""

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "after_commit_callbacks"
logger = logging.getLogger("app.engine.outbox")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call `callback` once this session's current transaction has committed."""
    session.info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            # The row is committed; the reaper re-sends queued jobs and clients resync by cursor.
            logger.exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_callbacks(session: Session) -> None:
    session.info.pop(_KEY, None)
