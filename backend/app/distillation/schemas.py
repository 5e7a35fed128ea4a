"""Distillation requests and views."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from app.core.schemas import InputModel, ReadModel

STUDENT_TRAINERS = {"text_classification": "tfidf_linear", "llm_sft": "lora_sft"}


class StudentSpec(InputModel):
    """The student: a text classifier, or an LLM fine-tuned (LoRA) to answer with the label."""

    task_type: Literal["text_classification", "llm_sft"] = "text_classification"
    trainer: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Default: tfidf_linear for a text classifier, lora_sft for an LLM.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="The trainer's params (an LLM's include base_model)."
    )
    seed: int = Field(42, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _default_trainer(self) -> "StudentSpec":
        if self.trainer is None:
            self.trainer = STUDENT_TRAINERS[self.task_type]
        return self


class DistillationCreate(InputModel):
    """Distil a succeeded classify labeling run into a student, judged on a gold set."""

    name: str = Field(min_length=1, max_length=200)
    labeling_run_id: uuid.UUID
    student: StudentSpec = Field(default_factory=StudentSpec)
    gold_dataset_id: uuid.UUID
    gold_text_column: str = Field(min_length=1, max_length=255)
    gold_label_column: str = Field(min_length=1, max_length=255)


class DistillationError(ReadModel):
    """Why a distillation failed."""

    code: str
    message: str


class DistillationRead(ReadModel):
    """A distillation, its stage and (once evaluated) its report."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    labeling_run_id: uuid.UUID | None
    training_dataset_id: uuid.UUID | None
    gold_dataset_id: uuid.UUID | None
    gold_text_column: str
    gold_label_column: str
    student: dict[str, Any]
    train_job_id: uuid.UUID | None
    eval_job_id: uuid.UUID | None
    model_version_id: uuid.UUID | None
    status: Literal["training", "evaluating", "succeeded", "failed"]
    error: DistillationError | None
    report: dict[str, Any] | None = Field(
        description="Quality (with bootstrap 95 % intervals), latency and cost; null until "
        "the student is evaluated."
    )
    created_at: datetime
    updated_at: datetime


class DistillationSummary(ReadModel):
    """A distillation in a list (without its report)."""

    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    labeling_run_id: uuid.UUID | None
    model_version_id: uuid.UUID | None
    status: Literal["training", "evaluating", "succeeded", "failed"]
    created_at: datetime
