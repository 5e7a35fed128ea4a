"""Job kinds: each kind of work is one handler, living in its own domain, registered here.

The engine claims, runs, supervises, cancels, retries and reaps every job the same way; a
handler only says what its child process runs (`prepare`) and what an ending means for its
domain (`on_outcome`: register a model version, mark a dataset ready or failed, ...).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from sqlalchemy.orm import Session

from app.db.models.job import JobStatus, TrainingJob

# training: trainers and merges (long, may need a GPU); default: short jobs (dataset conversions,
# evaluations); labeling: labeling runs (minutes to hours of waiting on teacher APIs), apart so
# that they never hold up a conversion or each other's queue of short jobs.
Queue = Literal["training", "default", "labeling"]
QUEUES: tuple[Queue, ...] = get_args(Queue)


@dataclass(frozen=True)
class ChildSpec:
    """One attempt's child process: `python -m <module> <spec file>`."""

    module: str
    spec: str  # the spec file's content (JSON the child reads)
    output_dir: Path  # emptied before the attempt, removed after it
    # Variables added to the child's environment (settings it must share with its parent,
    # secrets included: the environment is neither stored nor logged, the spec file is).
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Ending:
    """How a job ends; a handler may change it (e.g. a result it cannot apply fails the job)."""

    status: JobStatus  # succeeded | failed | cancelled
    result: dict[str, Any] = field(default_factory=dict)  # the child's result message
    error_code: str | None = None
    error_message: str | None = None
    message: str | None = None


class JobCannotStartError(Exception):
    """A handler refuses to prepare an attempt (its inputs are gone); the job fails."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class JobHandler(Protocol):
    """What a kind of job means to its domain."""

    kind: str
    queue: Queue  # the Celery queue its messages go to
    process_name: str  # how messages name its child ("training", "conversion")
    crash_code: str  # the error code when its child dies without a word

    def prepare(
        self, session: Session, job: TrainingJob, work_dir: Path, attempt: int
    ) -> ChildSpec:
        """The child process of this attempt (raise JobCannotStartError when it cannot run)."""

    def on_outcome(
        self, session: Session, job: TrainingJob, ending: Ending, output_dir: Path | None
    ) -> Ending:
        """Apply the ending to the domain (inside the engine's unit of work); the final ending."""


class UnknownKindError(LookupError):
    """A job names a kind no handler is registered for."""


class JobKinds:
    """The registry: kind name → handler."""

    def __init__(self, handlers: list[JobHandler] | None = None) -> None:
        self._handlers: dict[str, JobHandler] = {}
        for handler in handlers or []:
            self.register(handler)

    def register(self, handler: JobHandler) -> None:
        """Add a kind (a name registered twice is a programming error)."""
        if handler.kind in self._handlers:
            raise ValueError(f"job kind {handler.kind!r} is already registered")
        if len(handler.kind) > 16:
            raise ValueError(f"job kind {handler.kind!r} is longer than 16 characters")
        self._handlers[handler.kind] = handler

    def get(self, kind: str) -> JobHandler:
        """The kind's handler."""
        try:
            return self._handlers[kind]
        except KeyError:
            raise UnknownKindError(f"no handler for job kind {kind!r}") from None

    def kinds_on(self, queue: Queue) -> list[str]:
        """Kinds whose messages go to `queue`."""
        return [kind for kind, handler in self._handlers.items() if handler.queue == queue]

    def __iter__(self) -> Iterator[str]:
        return iter(self._handlers)
