"""The `distill_eval` job kind: measure a trained student against its teacher on the gold set.

It is submitted when the student's train job ends (a listener of the training domain), so no
job waits for another; its child (`app.distillation.eval_child`) predicts the gold set through
the inference service and builds the report, which `on_outcome` stores on the distillation.
"""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.datasets.storage import canonical_path
from app.db.models import (
    Dataset,
    Distillation,
    DistillationStatus,
    JobStatus,
    LabelingRun,
    LLMCall,
    ModelVersion,
    TrainingJob,
)
from app.engine.context import engine_of
from app.engine.kinds import ChildSpec, Ending, JobCannotStartError, Queue
from app.training.train_job import TRAIN_END_LISTENERS

DISTILL_EVAL = "distill_eval"
VERSION_FIELDS = (
    "artifact_dir",
    "artifacts",
    "size_bytes",
    "task_type",
    "trainer",
    "columns",
    "params",
    "info",
)


def _teacher_usage(session: Session, run: LabelingRun) -> dict[str, Any]:
    """The run's recorded calls: counts, tokens, cost, latencies, and the rows it labeled."""
    calls = select(LLMCall).where(LLMCall.run_id == run.id)
    totals = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(LLMCall.input_tokens), 0),
            func.coalesce(func.sum(LLMCall.cached_input_tokens), 0),
            func.coalesce(func.sum(LLMCall.output_tokens), 0),
            func.coalesce(func.sum(LLMCall.cost), 0),
        ).where(LLMCall.run_id == run.id)
    ).one()
    latencies = session.scalars(calls.with_only_columns(LLMCall.latency_ms)).all()
    return {
        "calls": int(totals[0]),
        "input_tokens": int(totals[1]),
        "cached_input_tokens": int(totals[2]),
        "output_tokens": int(totals[3]),
        "cost": str(Decimal(totals[4])),
        "latencies_ms": [float(ms) for ms in latencies],
        "predictions": run.rows_done,
        "models": [teacher["model"] for teacher in run.teachers],
    }


def _training_seconds(job: TrainingJob | None) -> float:
    """The student's training time (its job's running time, all attempts' last run)."""
    if job is None or job.started_at is None or job.finished_at is None:
        return 0.0
    return max((job.finished_at - job.started_at).total_seconds(), 0.0)


def _student_spec(student: dict[str, Any]) -> dict[str, Any]:
    """What the child needs to ask the student: its kind and, for an LLM, the prompt."""
    spec = {"task_type": student.get("task_type", "text_classification")}
    if spec["task_type"] == "llm_sft":
        spec |= {"instruction": student["instruction"], "labels": student["labels"]}
    return spec


class DistillEvalHandler:
    """Evaluates one distillation's student; the distillation row holds the report."""

    kind = DISTILL_EVAL
    queue: Queue = "default"
    process_name = "evaluation"
    crash_code = "evaluation_crashed"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def prepare(
        self, session: Session, job: TrainingJob, work_dir: Path, attempt: int
    ) -> ChildSpec:
        """The child's spec: model version, gold set, teacher data and calls, price."""
        distillation = session.get(Distillation, job.subject_id)
        if distillation is None:
            raise JobCannotStartError("distillation_gone", "The distillation was deleted.")
        version = session.get(ModelVersion, distillation.model_version_id)
        gold = session.get(Dataset, distillation.gold_dataset_id)
        labeled = session.get(Dataset, distillation.training_dataset_id)
        run = session.get(LabelingRun, distillation.labeling_run_id)
        gone = [
            name
            for name, row in (("model", version), ("gold set", gold), ("labeled data", labeled))
            if row is None
        ] + (["labeling run"] if run is None else [])
        if version is None or gold is None or labeled is None or run is None:
            raise JobCannotStartError("inputs_gone", f"Deleted since: {', '.join(gone)}.")
        teacher_columns = distillation.student.get("teacher_columns") or version.columns
        text_column = teacher_columns["text"]
        output = work_dir / "evaluation"
        spec = {
            "model_storage_path": str(self.settings.model_storage_path),
            "version": {"id": str(version.id), **{f: getattr(version, f) for f in VERSION_FIELDS}},
            "student_text_column": text_column,
            "student": _student_spec(distillation.student),
            "gold": {
                "path": str(canonical_path(self.settings, gold.project_id, gold.id)),
                "text_column": distillation.gold_text_column,
                "label_column": distillation.gold_label_column,
            },
            "teacher_data": {
                "path": str(canonical_path(self.settings, labeled.project_id, labeled.id)),
                "text_column": text_column,
                "label_column": teacher_columns["label"],
            },
            "teacher": _teacher_usage(session, run),
            "training_seconds": _training_seconds(
                session.get(TrainingJob, distillation.train_job_id)
            ),
            "cpu_hour_price": str(self.settings.student_cpu_hour_price),
            "currency": self.settings.student_cpu_hour_currency,
        }
        return ChildSpec(
            "app.distillation.eval_child", json.dumps(spec, ensure_ascii=False), output
        )

    def on_outcome(
        self, session: Session, job: TrainingJob, ending: Ending, output_dir: Path | None
    ) -> Ending:
        """Store the report (succeeded), or why there is none (failed)."""
        distillation = session.get(Distillation, job.subject_id, with_for_update=True)
        if distillation is None:
            return ending
        if ending.status == JobStatus.succeeded:
            distillation.report = ending.result["report"]
            distillation.status = DistillationStatus.succeeded
            distillation.error = None
        else:
            distillation.status = DistillationStatus.failed
            distillation.error = {
                "code": ending.error_code or "evaluation_cancelled",
                "message": ending.error_message or "The evaluation was cancelled.",
            }
        return ending


def follow_training(session: Session, job: TrainingJob, ending: Ending) -> None:
    """A distilled student's training ended: queue its evaluation, or record the failure."""
    distillation = session.scalar(
        select(Distillation).where(Distillation.train_job_id == job.id).with_for_update()
    )
    if distillation is None:
        return
    version_id = session.scalar(select(ModelVersion.id).where(ModelVersion.job_id == job.id))
    if ending.status != JobStatus.succeeded or version_id is None:
        distillation.status = DistillationStatus.failed
        distillation.error = {
            "code": ending.error_code or "student_training_cancelled",
            "message": ending.error_message or "The student's training did not succeed.",
        }
        return
    engine = engine_of(session)
    evaluation = TrainingJob(
        kind=DISTILL_EVAL,
        project_id=distillation.project_id,
        name=f"evaluate {distillation.name}"[:200],
        task_type="",
        trainer="",
        subject_id=distillation.id,
        max_attempts=engine.job_settings.max_attempts,
        created_by_id=distillation.created_by_id,
    )
    engine.submit(session, evaluation)
    distillation.model_version_id = version_id
    distillation.eval_job_id = evaluation.id
    distillation.status = DistillationStatus.evaluating


TRAIN_END_LISTENERS.append(follow_training)
