"""The `train` job kind: run a trainer in a child process; success registers a model version."""

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.datasets.storage import canonical_path
from app.db.models import JobStatus, TrainingJob
from app.engine.kinds import ChildSpec, Ending, JobCannotStartError, Queue
from app.model_registry.service import register_model_version
from app.trainers.base import JobSpec

TRAIN = "train"
# Called with every train job's final ending, inside the engine's unit of work, after a success
# registered its model version: other domains follow up on training (distillation reports)
# without the training domain knowing them.
TrainEndListener = Callable[[Session, TrainingJob, Ending], None]
TRAIN_END_LISTENERS: list[TrainEndListener] = []


class TrainHandler:
    """Training runs: `python -m app.trainers job.json`, checkpoints kept across attempts."""

    kind = TRAIN
    queue: Queue = "training"
    process_name = "training"
    crash_code = "trainer_crashed"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def prepare(
        self, session: Session, job: TrainingJob, work_dir: Path, attempt: int
    ) -> ChildSpec:
        """The trainer's JobSpec (data paths, columns, params, seed, folders)."""
        if job.dataset_id is None:
            raise JobCannotStartError("dataset_deleted", "The job's dataset was deleted.")
        validation = None
        if job.validation_dataset_id is not None:
            validation = canonical_path(self.settings, job.project_id, job.validation_dataset_id)
        spec = JobSpec.in_work_dir(
            work_dir,
            job_id=str(job.id),
            task_type=job.task_type,
            trainer=job.trainer,
            dataset_path=canonical_path(self.settings, job.project_id, job.dataset_id),
            validation_dataset_path=validation,
            columns=job.columns,
            params=job.params,
            seed=job.seed,
            split_ratios=tuple(job.split_ratios),
            model_storage_path=Path(self.settings.model_storage_path),
        )
        spec.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        return ChildSpec("app.trainers", spec.model_dump_json(), spec.output_dir)

    def on_outcome(
        self, session: Session, job: TrainingJob, ending: Ending, output_dir: Path | None
    ) -> Ending:
        """A success registers the model version (its files move into the model store)."""
        if ending.status == JobStatus.succeeded and output_dir is not None:
            version = register_model_version(
                session, self.settings, job=job, result=ending.result, staging_dir=output_dir
            )
            ending.message = f"model version {version.id}"
        for listener in TRAIN_END_LISTENERS:
            listener(session, job, ending)
        return ending
