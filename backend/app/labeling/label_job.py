"""The `label` job kind: a labeling run's loop in a child process; success stores the output.

The child's spec names only the run: it reads the run, its teachers and their keys from the
database with the settings it inherits in its environment (never written to the spec file).
A stop request reaches the loop through the engine's stop flag; a child killed mid-run is
retried by the engine and resumes from the committed rows and cached answers.
"""

import json
import logging
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.db.models import JobStatus, LabelingRun, LabelingStatus, TrainingJob
from app.engine.context import JobEngine
from app.engine.kinds import ChildSpec, Ending, JobCannotStartError, Queue
from app.labeling.output import store_output
from app.labeling.store import recount
from app.trainers.base import STOP_FILE_NAME

LABEL = "label"
CHILD_MODULE = "app.labeling.label_child"
# Settings the child reads from its environment: the same database, storage, keys and hosts.
CHILD_SETTINGS = (
    "environment",
    "secret_key",
    "data_storage_path",
    "llm_provider_allowed_hosts",
    "qwen_api_key",
    "deepseek_api_key",
    "doubao_api_key",
    "log_level",
)
UNFINISHED = (LabelingStatus.pending, LabelingStatus.running)
logger = logging.getLogger("app.labeling.label_job")


def submit_run(session: Session, engine: JobEngine, run: LabelingRun) -> TrainingJob:
    """Queue a `label` job for the run (sent once the session commits) and link it."""
    job = TrainingJob(
        kind=LABEL,
        project_id=run.project_id,
        name=f"label {run.name}"[:200],
        task_type="",
        trainer="",
        subject_id=run.id,
        payload={},
        max_attempts=engine.job_settings.max_attempts,
        created_by_id=run.created_by_id,
    )
    engine.submit(session, job)
    run.job_id = job.id
    run.status = LabelingStatus.pending
    run.error = None
    return job


def child_env(settings: Settings) -> dict[str, str]:
    """The environment that makes the child's `Settings()` match its parent's."""
    env = {name.upper(): str(getattr(settings, name)) for name in CHILD_SETTINGS}
    env["DATABASE_URL"] = settings.sqlalchemy_url
    return env


class LabelHandler:
    """Labeling runs: `python -m app.labeling.label_child spec.json` (the spec: the run id)."""

    kind = LABEL
    queue: Queue = "labeling"
    process_name = "labeling"
    crash_code = "labeling_crashed"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def prepare(
        self, session: Session, job: TrainingJob, work_dir: Path, attempt: int
    ) -> ChildSpec:
        """The run id and the stop flag's path; the settings travel in the environment."""
        run = session.get(LabelingRun, job.subject_id)
        if run is None:
            raise JobCannotStartError("labeling_run_gone", "The labeling run was deleted.")
        if run.dataset_id is None:
            raise JobCannotStartError("dataset_deleted", "The labeled dataset was deleted.")
        spec = {"run_id": str(run.id), "stop_file": str(work_dir / STOP_FILE_NAME)}
        return ChildSpec(
            CHILD_MODULE,
            json.dumps(spec),
            work_dir / f"attempt-{attempt}",
            env=child_env(self.settings),
        )

    def on_outcome(
        self, session: Session, job: TrainingJob, ending: Ending, output_dir: Path | None
    ) -> Ending:
        """Success stores the output dataset; any other end leaves the run resumable."""
        run = session.get(LabelingRun, job.subject_id, with_for_update=True)
        if run is None:
            return ending
        recount(session, run)  # a killed child's last counts may not have been written
        if ending.status == JobStatus.succeeded:
            return self._store(session, run, ending)
        if run.status in UNFINISHED:  # the child never said how the run ended
            if ending.status == JobStatus.cancelled:
                run.status = LabelingStatus.cancelled
                run.error = {"code": "cancelled", "message": "The run was stopped."}
            else:
                run.status = LabelingStatus.failed
                run.error = {
                    "code": ending.error_code or "labeling_failed",
                    "message": ending.error_message or "The labeling job failed.",
                }
        return ending

    def _store(self, session: Session, run: LabelingRun, ending: Ending) -> Ending:
        try:
            dataset_id = run.output_dataset_id or store_output(session, self.settings, run)
        except Exception as exc:  # files unreadable or unwritable: the run can be resumed
            logger.exception("labeling run %s: storing the output failed", run.id)
            message = f"The labeled rows could not be stored as a dataset: {exc}"
            run.status = LabelingStatus.failed
            run.error = {"code": "output_failed", "message": message}
            return Ending(JobStatus.failed, error_code="output_failed", error_message=message)
        ending.message = f"output dataset {dataset_id}"
        return ending
