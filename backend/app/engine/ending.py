"""An attempt's claim and the end of a job: the kind applies the ending, then the row moves.

Shared by the runner, the outcome of an attempt, the reaper and cancel.
"""

import contextlib
import os
import signal
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db.models.job import JobStatus, TrainingJob
from app.engine.kinds import ChildSpec, Ending, JobHandler
from app.engine.states import transition


@dataclass
class Claim:
    """What a successful claim hands the runner."""

    job_id: uuid.UUID
    attempt: int
    work_dir: Path
    handler: JobHandler
    child: ChildSpec


def end_job(
    session: Session,
    handler: JobHandler,
    job: TrainingJob,
    ending: Ending,
    output_dir: Path | None,
    *,
    where: tuple = (),
    reason: str | None = None,
) -> bool:
    """Let the kind apply the ending, then move the row to its final status."""
    final = handler.on_outcome(session, job, ending, output_dir)
    values: dict[str, Any] = {"error_code": final.error_code, "error_message": final.error_message}
    if final.status == JobStatus.succeeded:
        values["progress"] = 1.0
    if final.message:
        values["message"] = final.message
    return transition(
        session, job.id, job.status, final.status, where=where, reason=reason, **values
    )


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the child's process group (it runs in its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
