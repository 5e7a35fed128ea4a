"""Background conversion of large uploads: the `convert_dataset` job kind.

Uploads above DATASET_INLINE_MAX_BYTES are stored at once with status `processing` (the bytes
as `upload.bin` in the dataset's folder) and a `convert_dataset` job is queued for them. The
job engine claims, runs, heartbeats, retries and reaps it like any job; this handler says
what the child runs and what its end means: `ready` (canonical Parquet + profile moved into
place) or `failed` (the error a person can act on kept on the row, the files removed).
"""

import json
import logging
import shutil
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.datasets.staging import sweep_staging
from app.datasets.storage import (
    CANONICAL_NAME,
    ORIGINAL_STEM,
    dataset_dir,
    remove_dataset_files,
)
from app.db.models import Dataset, DatasetStatus, JobStatus, TrainingJob
from app.engine.context import JobEngine
from app.engine.kinds import ChildSpec, Ending, JobCannotStartError, Queue
from app.engine.outbox import after_commit

CONVERT_DATASET = "convert_dataset"
UPLOAD_NAME = "upload.bin"
logger = logging.getLogger("app.datasets.conversion_job")


def queue_conversion(
    session: Session, engine: JobEngine, dataset: Dataset, *, filename: str, sheet: str | None
) -> TrainingJob:
    """Queue the conversion of a `processing` dataset (sent once the session commits)."""
    job = TrainingJob(
        kind=CONVERT_DATASET,
        project_id=dataset.project_id,
        name=f"convert {dataset.name}"[:200],
        task_type="",
        trainer="",
        subject_id=dataset.id,
        payload={"filename": filename, "sheet": sheet},
        max_attempts=engine.job_settings.max_attempts,
        created_by_id=dataset.created_by_id,
    )
    return engine.submit(session, job)


def _source(folder: Path) -> Path:
    """The received bytes: `upload.bin`, or the original if an earlier attempt renamed it."""
    upload = folder / UPLOAD_NAME
    if upload.exists():
        return upload
    return next(folder.glob(f"{ORIGINAL_STEM}.*"), upload)


def _error(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}


class ConvertDatasetHandler:
    """Converts one uploaded file in a child process; the dataset row holds the result."""

    kind = CONVERT_DATASET
    queue: Queue = "default"
    process_name = "conversion"
    crash_code = "conversion_crashed"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def prepare(
        self, session: Session, job: TrainingJob, work_dir: Path, attempt: int
    ) -> ChildSpec:
        """The child's spec: the stored upload, its name and sheet, a fresh output folder."""
        dataset = session.get(Dataset, job.subject_id)
        if dataset is None or dataset.status != DatasetStatus.processing:
            raise JobCannotStartError("dataset_gone", "The dataset was deleted.")
        folder = dataset_dir(self.settings, dataset.project_id, dataset.id)
        source = _source(folder)
        if not source.exists():
            raise JobCannotStartError("files_missing", "The uploaded file is gone.")
        for old in folder.glob(".work-*"):  # output of attempts that died
            shutil.rmtree(old, ignore_errors=True)
        sweep_staging(self.settings)
        output = folder / f".work-{attempt}"
        spec = {
            "source": str(source),
            "output_dir": str(output),
            "memory_mb": self.settings.dataset_conversion_memory_mb,
            **job.payload,
        }
        return ChildSpec(
            "app.datasets.conversion_child", json.dumps(spec, ensure_ascii=False), output
        )

    def on_outcome(
        self, session: Session, job: TrainingJob, ending: Ending, output_dir: Path | None
    ) -> Ending:
        """`ready` with the result moved into place, or `failed` with a reason; files removed."""
        dataset = session.get(Dataset, job.subject_id, with_for_update=True)
        if dataset is None or dataset.status != DatasetStatus.processing:
            return ending
        folder = dataset_dir(self.settings, dataset.project_id, dataset.id)
        if ending.status == JobStatus.succeeded and output_dir is not None:
            result = ending.result
            source = _source(folder)
            (output_dir / CANONICAL_NAME).replace(folder / CANONICAL_NAME)
            source.replace(folder / f"{ORIGINAL_STEM}.{result['format']}")
            dataset.format = result["format"]
            dataset.encoding = result["encoding"]
            dataset.row_count = result["row_count"]
            dataset.columns = result["columns"]
            dataset.profile = result["profile"]
            dataset.error = None
            dataset.status = DatasetStatus.ready
            ending.message = (
                f"{result['row_count']} rows (child peak RSS {result['peak_rss_mb']:.0f} MB)"
            )
            _remove_other_attempts(folder, output_dir)
            return ending
        dataset.status = DatasetStatus.failed
        dataset.error = self._error_of(job, ending)
        after_commit(
            session, partial(remove_dataset_files, self.settings, dataset.project_id, dataset.id)
        )
        return ending

    @staticmethod
    def _error_of(job: TrainingJob, ending: Ending) -> dict[str, Any]:
        """The dataset's error: the child's own for bad input, else why the job ended."""
        if ending.result.get("code"):
            return _error(
                ending.result["code"], ending.result["message"], ending.result.get("details")
            )
        if ending.status == JobStatus.cancelled:
            return _error("conversion_cancelled", "The conversion was cancelled.")
        if ending.error_code == "worker_lost":
            return _error(
                "conversion_interrupted",
                f"The conversion was interrupted {job.attempts} times (its process stopped); "
                "upload the file again.",
            )
        if ending.error_code == "conversion_crashed":
            how = (ending.error_message or "").split(" Last log lines")[0]
            return _error(
                "conversion_crashed",
                f"{how} The file may be too large for this server's memory; split it and "
                "upload the parts.",
            )
        return _error(ending.error_code or "conversion_failed", ending.error_message or "")


def _remove_other_attempts(folder: Path, output_dir: Path) -> None:
    """Delete the output folders of earlier attempts (the engine removes this attempt's).

    An attempt whose worker lost its lease can write its `.work-N` after the next attempt
    started, so a folder the next attempt's start removed may be back by now.
    """
    for old in folder.glob(".work-*"):
        if old != output_dir:
            shutil.rmtree(old, ignore_errors=True)


def conversion_of(session: Session, dataset_id: uuid.UUID) -> TrainingJob | None:
    """The latest conversion job of a dataset."""
    return session.scalar(
        select(TrainingJob)
        .where(TrainingJob.kind == CONVERT_DATASET, TrainingJob.subject_id == dataset_id)
        .order_by(TrainingJob.created_at.desc())
        .limit(1)
    )
