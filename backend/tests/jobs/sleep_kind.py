"""A job kind only the tests register: its child counts steps (`tests.jobs.sleep_child`).

Its handler appends each ending it is given to `outcomes.txt` in the job's folder, so a test
sees that the domain heard of an ending exactly once.
"""

import json
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.db.models import JobStatus, TrainingJob
from app.engine.kinds import ChildSpec, Ending, JobKinds, Queue
from app.job_kinds import job_kinds

SLEEP = "test_sleep"
SLEEP_DEFAULT = "test_sleep_d"
OUTCOMES = "outcomes.txt"


class SleepHandler:
    """Runs `tests.jobs.sleep_child` with the job's payload (steps, step_seconds)."""

    kind = SLEEP
    queue: Queue = "training"
    process_name = "sleep"
    crash_code = "sleep_crashed"

    def prepare(
        self, session: Session, job: TrainingJob, work_dir: Path, attempt: int
    ) -> ChildSpec:
        """The child's spec: the payload, its output folder and the stop flag's folder."""
        output = work_dir / "output"
        spec = {**job.payload, "output_dir": str(output), "work_dir": str(work_dir)}
        return ChildSpec("tests.jobs.sleep_child", json.dumps(spec), output)

    def on_outcome(
        self, session: Session, job: TrainingJob, ending: Ending, output_dir: Path | None
    ) -> Ending:
        """Note the ending; a success keeps the child's output as the job's message."""
        folder = _folder(job)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / OUTCOMES).open("a", encoding="utf-8") as notes:
            notes.write(f"{ending.status.value}\n")
        if ending.status == JobStatus.succeeded and output_dir is not None:
            ending.message = (output_dir / "done.txt").read_text(encoding="utf-8")
        return ending


class DefaultQueueSleepHandler(SleepHandler):
    """The sleep kind on the default queue: it runs beside a sleep job on the embedded engine."""

    kind = SLEEP_DEFAULT
    queue: Queue = "default"


def _folder(job: TrainingJob) -> Path:
    return Path(job.payload["notes_dir"])


def kinds_with_sleep(settings: Settings) -> JobKinds:
    """The platform's kinds plus the sleep kind."""
    kinds = job_kinds(settings)
    kinds.register(SleepHandler())
    kinds.register(DefaultQueueSleepHandler())
    return kinds
