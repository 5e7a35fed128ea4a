"""The `merge` job kind: fold an `llm_sft` version's LoRA adapter into its base model.

`POST /api/v1/models/{id}/merge` queues it; the child (`app.trainers.llm.merge`) writes a
self-contained Hugging Face folder (safetensors, config, tokenizer with its chat template); a
success moves it to the version's `merged/` folder and records its files (size, sha256) in
`info["merge"]`. The adapter stays what serving loads, so the version's own artifacts and checksums
do not change.
"""

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.errors import Conflict, UnprocessableInput
from app.db.base import utcnow
from app.db.models import JobStatus, ModelVersion, TrainingJob, User
from app.engine.context import JobEngine
from app.engine.kinds import ChildSpec, Ending, JobCannotStartError, Queue
from app.model_registry import storage
from app.model_registry.schemas import MergeStatus
from app.trainers.text.transformer.base_model import base_root

MERGE = "merge"
MERGED_DIR = "merged"
ACTIVE = frozenset({JobStatus.queued, JobStatus.running, JobStatus.cancelling})


def version_root(settings: Settings, version: ModelVersion) -> Path:
    """The folder of a version's files."""
    return Path(settings.model_storage_path) / version.artifact_dir


def merge_of(session: Session, version_id: uuid.UUID) -> TrainingJob | None:
    """The latest merge job of a version."""
    return session.scalar(
        select(TrainingJob)
        .where(TrainingJob.kind == MERGE, TrainingJob.subject_id == version_id)
        .order_by(TrainingJob.queued_at.desc())
        .limit(1)
    )


def queue_merge(
    session: Session, engine: JobEngine, version: ModelVersion, *, actor: User
) -> TrainingJob:
    """Queue the merge of a LoRA version (422 not a LoRA version, 409 merging or merged)."""
    if version.model_format != "peft_lora":
        raise UnprocessableInput(
            f"Only LoRA fine-tuned chat models can be merged; this one is {version.model_format}.",
            code="not_mergeable",
        )
    latest = merge_of(session, version.id)
    if latest is not None and latest.status in ACTIVE:
        raise Conflict("The model is already being merged.", code="merge_in_progress")
    if version.info.get("merge"):
        raise Conflict("The model is already merged.", code="already_merged")
    job = TrainingJob(
        kind=MERGE,
        project_id=version.project_id,
        name=f"merge {version.name}"[:200],
        task_type=version.task_type,
        trainer=version.trainer,
        subject_id=version.id,
        payload={},
        max_attempts=engine.job_settings.max_attempts,
        created_by_id=actor.id,
    )
    return engine.submit(session, job)


class MergeHandler:
    """Runs the merge child; a success records the merged folder on the version."""

    kind = MERGE
    queue: Queue = "training"
    process_name = "merge"
    crash_code = "merge_crashed"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def prepare(
        self, session: Session, job: TrainingJob, work_dir: Path, attempt: int
    ) -> ChildSpec:
        """The child's spec: the version's folder, its base model folder, a fresh output folder."""
        version = session.get(ModelVersion, job.subject_id)
        if version is None:
            raise JobCannotStartError("model_gone", "The model version was deleted.")
        root = version_root(self.settings, version)
        try:
            llm = json.loads((root / "llm.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise JobCannotStartError("model_broken", f"llm.json is unreadable: {exc}") from exc
        name = llm.get("base_model")
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise JobCannotStartError("model_broken", "llm.json names no valid base model.")
        output = work_dir / f"merged-{attempt}"
        spec = {
            "version_dir": str(root),
            "base_dir": str(base_root(Path(self.settings.model_storage_path)) / name),
            "output_dir": str(output),
        }
        return ChildSpec("app.trainers.llm.merge", json.dumps(spec), output)

    def on_outcome(
        self, session: Session, job: TrainingJob, ending: Ending, output_dir: Path | None
    ) -> Ending:
        """A success moves the merged folder into the version's store and records its files."""
        version = session.get(ModelVersion, job.subject_id, with_for_update=True)
        if version is None or ending.status != JobStatus.succeeded or output_dir is None:
            return ending
        target = version_root(self.settings, version) / MERGED_DIR
        shutil.rmtree(target, ignore_errors=True)
        artifacts = storage.inventory(output_dir, list(ending.result.get("files") or []))
        storage.move_in(output_dir, target)
        version.info = {**version.info, "merge": merge_record(job, ending.result, artifacts)}
        ending.message = f"merged into {MERGED_DIR}/ ({len(artifacts)} files)"
        return ending


def merge_record(
    job: TrainingJob, result: dict[str, Any], artifacts: list[dict[str, Any]]
) -> dict[str, Any]:
    """What `info["merge"]` keeps: the job, when, the dtype, and each file with its sha256."""
    return {
        "job_id": str(job.id),
        "merged_at": utcnow().isoformat(),
        "dtype": result.get("dtype"),
        "seconds": result.get("seconds"),
        "size_bytes": sum(a["size"] for a in artifacts),
        "artifacts": [{**a, "path": f"{MERGED_DIR}/{a['path']}"} for a in artifacts],
    }


def merge_status(session: Session, version: ModelVersion) -> MergeStatus | None:
    """The version's merge as the API shows it (None when never merged)."""
    job = merge_of(session, version.id)
    record = version.info.get("merge") or {}
    if job is None:
        return None
    return MergeStatus(
        job_id=job.id,
        status=job.status.value,
        progress=job.progress,
        error_code=job.error_code,
        error_message=job.error_message,
        merged=bool(record),
        dtype=record.get("dtype"),
        size_bytes=record.get("size_bytes"),
        merged_at=record.get("merged_at"),
    )
