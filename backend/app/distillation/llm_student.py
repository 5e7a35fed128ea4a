"""An LLM student of a classify run: it learns prompt → label, and its answers are read as labels.

A text classifier student trains on the labeled dataset itself (`StudentData` with its text and
label columns). An LLM student's prompt is the text under an instruction that lists the label
set; the distillation stores the instruction, so the evaluation asks the gold rows exactly as
the training data did. Its training data is the teacher-labeled rows as a prompt column and a
response column (the teacher's label), the table layout the `llm_sft` trainer reads.
"""

import shutil
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.errors import UnprocessableInput
from app.datasets.service import load_frame
from app.datasets.storage import dataset_dir
from app.db.models import Dataset, LabelingRun
from app.labeling.output import stage_dataset
from app.trainers.base import TrainerError
from app.trainers.registry import UnknownTrainerError, get_trainer
from app.trainers.text.tokens import HAN_RUN

PROMPT_COLUMN = "prompt"
RESPONSE_COLUMN = "response"
BASE_MODEL_FIELD = "student.params.base_model"


def instruction(labels: list[str], texts: list[str]) -> str:
    """The instruction above each text: answer with exactly one of the labels; in Chinese unless
    neither the labels nor the texts hold a Chinese character."""
    if not any(HAN_RUN.search(t) for t in [*labels, *texts]):
        return (
            "Classify the text below. Answer with the category name only, no explanation. "
            f"Categories: {', '.join(labels)}."
        )
    return f"请判断下面的文本属于哪一个类别，只回答类别名称，不要解释。类别：{'、'.join(labels)}。"


def render_prompt(instruction_text: str, text: str) -> str:
    """One row's prompt: the instruction, then the text under a lead in the instruction's
    language."""
    lead = "文本：" if HAN_RUN.search(instruction_text) else "Text: "
    return f"{instruction_text}\n\n{lead}{text}"


def parse_answer(answer: str, labels: Collection[str]) -> str | None:
    """The label an answer names (exact match after trimming), or None when it names none."""
    trimmed = answer.strip()
    return trimmed if trimmed in labels else None


def check_params(settings: Settings, trainer_name: str, params: dict[str, Any]) -> None:
    """The LLM trainer's params are valid and its base model is usable here; else a 422."""
    try:
        trainer = get_trainer("llm_sft", trainer_name)
    except UnknownTrainerError as exc:
        raise UnprocessableInput(
            f"student.trainer: {exc}", code="unknown_trainer", details={"field": "student.trainer"}
        ) from exc
    try:
        parsed = trainer.Params.model_validate(params)
    except ValidationError as exc:
        raise UnprocessableInput(
            "student.params: "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
            code="invalid_params",
            details={"field": "student.params"},
        ) from exc
    try:
        trainer.check_params(parsed, model_storage_path=Path(settings.model_storage_path))
    except TrainerError as exc:
        field = BASE_MODEL_FIELD if exc.code.startswith("base_model") else "student.params"
        raise UnprocessableInput(
            f"{field}: {exc.message}", code=exc.code, details={"field": field}
        ) from exc


@dataclass
class StudentData:
    """The student's training dataset, its columns, and what the distillation keeps about it."""

    dataset: Dataset
    columns: dict[str, str]
    stored: dict[str, Any] = field(default_factory=dict)


def training_data(
    session: Session,
    settings: Settings,
    run: LabelingRun,
    labeled: Dataset,
    teacher_columns: dict[str, str],
    created_by_id: uuid.UUID,
) -> StudentData:
    """The rows the teacher answered, as prompt → label pairs in a new dataset."""
    labels = [label["name"] for label in run.task["labels"]]
    text_column, label_column = teacher_columns["text"], teacher_columns["label"]
    frame = load_frame(settings, labeled, [text_column, label_column])
    answered = frame[frame[label_column].notna() & frame[text_column].notna()]
    answered = answered[answered[label_column].astype(str).str.strip() != ""]
    if answered.empty:
        raise UnprocessableInput(
            "labeling_run_id: the teacher labeled no row, so the student has nothing to learn.",
            code="no_labeled_rows",
        )
    instruction_text = instruction(labels, [str(t) for t in answered[text_column]])
    pairs = pd.DataFrame(
        {
            PROMPT_COLUMN: [render_prompt(instruction_text, str(t)) for t in answered[text_column]],
            RESPONSE_COLUMN: [str(label) for label in answered[label_column]],
        }
    )
    dataset = stage_dataset(
        session,
        settings,
        pairs,
        parent=labeled,
        name=f"{labeled.name} · prompts",
        description="The teacher's labels as prompt → response pairs for an LLM student.",
        created_by_id=created_by_id,
    )
    return StudentData(
        dataset,
        {"prompt": PROMPT_COLUMN, "response": RESPONSE_COLUMN},
        {"instruction": instruction_text, "labels": labels, "teacher_columns": teacher_columns},
    )


def discard_files(settings: Settings, dataset: Dataset) -> None:
    """Remove a staged dataset's files (its row goes with the failed request's transaction)."""
    shutil.rmtree(dataset_dir(settings, dataset.project_id, dataset.id), ignore_errors=True)
