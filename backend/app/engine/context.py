"""The job engine of a process: database, settings, kinds, event bus, sender (+ services).

Built once where a process starts (`app.engine.build.build_engine`: the app's lifespan, a
Celery worker's or beat's start) and handed to whoever needs it (`app.state.job_engine` and a
FastAPI dependency, the Celery app).
"""

import logging
import uuid
from typing import Any, Protocol

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.db.session import Database
from app.engine.bus import EventBus
from app.engine.config import JobSettings
from app.engine.events import take_pending
from app.engine.kinds import JobKinds, Queue, UnknownKindError
from app.engine.outbox import after_commit

logger = logging.getLogger("app.engine.context")
_ENGINE_KEY = "job_engine"


class Sender(Protocol):
    """Hands a committed job id to whatever runs jobs of its queue."""

    def send(self, job_id: uuid.UUID, queue: Queue) -> None:
        """Queue the job for execution (ids only); raises when the broker is unreachable."""

    def liveness(self) -> dict[str, str | int]:
        """`backend`, `broker` ('ok' or why not) and `workers_alive`."""


class Service(Protocol):
    """A background part of the engine (runner thread, reaper timer, worker beacon)."""

    def start(self) -> None:
        """Start it."""

    def stop(self) -> None:
        """Stop it."""


class JobEngine:
    """Everything a process needs to submit, run and observe jobs."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        job_settings: JobSettings,
        kinds: JobKinds,
        bus: EventBus,
        sender: Sender,
    ) -> None:
        self.settings = settings
        self.db = db
        self.job_settings = job_settings
        self.kinds = kinds
        self.bus = bus
        self.sender = sender
        self.services: list[Service] = []
        # Every session of this database knows its engine, so that a handler ending one job
        # inside the engine's unit of work can submit the next one (`engine_of`).
        db.session_factory.configure(info={_ENGINE_KEY: self})

    def submit(self, session: Session, job: TrainingJob) -> TrainingJob:
        """Add a queued job to the unit of work; it is sent once that commits."""
        self.kinds.get(job.kind)
        job.status = JobStatus.queued
        job.queued_at = utcnow()
        session.add(job)
        session.flush()
        self.send_after_commit(session, job.id, job.kind)
        return job

    def send_after_commit(self, session: Session, job_id: uuid.UUID, kind: str) -> None:
        """Send the job id once the session's transaction commits (nothing on rollback)."""

        def send() -> None:
            self.send_now(job_id, kind)

        after_commit(session, send)

    def send_now(self, job_id: uuid.UUID, kind: str) -> bool:
        """Send a committed job and record when; False (logged) when it could not be sent.

        A job that could not be sent keeps its old `last_sent_at`: the reaper sends it again.
        """
        try:
            self.sender.send(job_id, self.kinds.get(kind).queue)
        except UnknownKindError:
            logger.error("job %s has kind %r, which no handler serves", job_id, kind)
            return False
        except Exception as exc:  # the broker's errors are not one type (kombu, redis, OS)
            logger.warning(
                "job %s not sent (%s: %s); the reaper sends it again",
                job_id,
                type(exc).__name__,
                exc,
            )
            return False
        with self.db.session_scope() as session:
            session.execute(
                update(TrainingJob)
                .where(TrainingJob.id == job_id, TrainingJob.status == JobStatus.queued)
                .values(last_sent_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        return True

    def publish(self, job_id: uuid.UUID, payload: dict[str, Any]) -> None:
        """Publish one event on the bus (fire and forget; readers resync from the DB)."""
        try:
            self.bus.publish(job_id, payload)
        except Exception as exc:  # a bus that is down must not fail the writer
            logger.warning("event for job %s not published: %s", job_id, type(exc).__name__)

    def _publish_committed(self, session: Session) -> None:
        for job_id, payloads in take_pending(session):
            for payload in payloads:
                self.publish(job_id, payload)

    @staticmethod
    def _drop_pending(session: Session) -> None:
        take_pending(session)

    def start(self) -> None:
        """Publish the events of this database's commits; start the background services."""
        event.listen(self.db.session_factory, "after_commit", self._publish_committed)
        event.listen(self.db.session_factory, "after_rollback", self._drop_pending)
        for service in self.services:
            service.start()

    def stop(self) -> None:
        """Stop the background services, stop publishing, release connections."""
        for service in reversed(self.services):
            service.stop()
        event.remove(self.db.session_factory, "after_commit", self._publish_committed)
        event.remove(self.db.session_factory, "after_rollback", self._drop_pending)
        self.bus.close()


def engine_of(session: Session) -> JobEngine:
    """The job engine of the database this session belongs to."""
    engine = session.info.get(_ENGINE_KEY)
    if not isinstance(engine, JobEngine):
        raise RuntimeError("this session's database has no job engine")
    return engine
