"""Explicit trainer registry: task type → {trainer name → "module:Class"}, imported lazily.

Add a trainer by adding one line to `TRAINERS` (and, for a new task, a `TaskType` member).
Importing a trainer module must stay cheap: heavy libraries are imported inside `train()`.
`describe_task_types()` is what `GET /api/v1/task-types` serves: each trainer's params JSON
schema, defaults, and whether its libraries are installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from enum import StrEnum
from typing import Any

from app.trainers.base import Trainer


class TaskType(StrEnum):
    """What a model learns to do."""

    tabular_classification = "tabular_classification"
    tabular_regression = "tabular_regression"
    text_classification = "text_classification"
    llm_sft = "llm_sft"


TRAINERS: dict[TaskType, dict[str, str]] = {
    TaskType.tabular_classification: {
        "lightgbm": "app.trainers.tabular.lightgbm:LightGBMClassifierTrainer",
        "hist_gradient_boosting": "app.trainers.tabular.sklearn:HistGBClassifierTrainer",
        "linear": "app.trainers.tabular.sklearn:LinearClassifierTrainer",
    },
    TaskType.tabular_regression: {
        "lightgbm": "app.trainers.tabular.lightgbm:LightGBMRegressorTrainer",
        "hist_gradient_boosting": "app.trainers.tabular.sklearn:HistGBRegressorTrainer",
        "linear": "app.trainers.tabular.sklearn:LinearRegressorTrainer",
    },
    # ---- Text trainers (issue 5) register here. -------------------------------------------
    TaskType.text_classification: {
        "tfidf_linear": "app.trainers.text.tfidf_linear:TfidfLinearTrainer",
        "transformer": "app.trainers.text.transformer:TransformerTrainer",
    },
    # ----------------------------------------------------------------------------------------
    TaskType.llm_sft: {"lora_sft": "app.trainers.llm:LlmSftTrainer"},
}

# The trainer a job gets when it names none; the first entry of each task above.
DEFAULT_TRAINERS: dict[TaskType, str] = {
    task: next(iter(names)) for task, names in TRAINERS.items()
}

# Column mapping keys each task type needs (validated by the datasets domain).
TASK_COLUMNS: dict[TaskType, tuple[str, ...]] = {
    TaskType.tabular_classification: ("target", "features"),
    TaskType.tabular_regression: ("target", "features"),
    TaskType.text_classification: ("text", "label"),
    TaskType.llm_sft: (),
}


class UnknownTrainerError(LookupError):
    """The task type or trainer name is not registered (or its module is missing)."""


def _import(target: str) -> type[Trainer]:
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise UnknownTrainerError(f"trainer module {module_name} is not installed") from exc
        raise
    trainer = getattr(module, class_name)
    if not (isinstance(trainer, type) and issubclass(trainer, Trainer)):
        raise TypeError(f"{target} is not a Trainer subclass")
    return trainer


def trainer_names(task_type: str) -> list[str]:
    """The registered trainer names of a task type."""
    try:
        return list(TRAINERS[TaskType(task_type)])
    except ValueError as exc:
        raise UnknownTrainerError(f"unknown task type {task_type!r}") from exc


def get_trainer(task_type: str, name: str | None = None) -> type[Trainer]:
    """The trainer class for (task type, name); the task's default when name is None."""
    names = trainer_names(task_type)
    chosen = name or DEFAULT_TRAINERS[TaskType(task_type)]
    if chosen not in names:
        raise UnknownTrainerError(
            f"unknown trainer {chosen!r} for {task_type}; choose one of {', '.join(names)}"
        )
    return _import(TRAINERS[TaskType(task_type)][chosen])


def missing_libraries(trainer: type[Trainer]) -> list[str]:
    """The trainer's required libraries that are not importable here."""
    return [lib for lib in trainer.requires if importlib.util.find_spec(lib) is None]


def describe_trainer(trainer: type[Trainer]) -> dict[str, Any]:
    """A trainer as the API serves it: params schema, defaults, availability."""
    missing = missing_libraries(trainer)
    return {
        "name": trainer.name,
        "title": trainer.title or trainer.name,
        "description": trainer.description,
        "params_schema": trainer.Params.model_json_schema(),
        "defaults": trainer.Params().model_dump(mode="json"),
        "requires": list(trainer.requires),
        "available": not missing,
        "missing_libraries": missing,
        "supports_checkpoints": trainer.supports_checkpoints,
    }


def describe_task_types() -> list[dict[str, Any]]:
    """Every task type with its trainers (registered modules that cannot import are skipped)."""
    result = []
    for task, names in TRAINERS.items():
        trainers = []
        for name in names:
            try:
                trainers.append(describe_trainer(get_trainer(task, name)))
            except UnknownTrainerError:
                continue
        result.append(
            {
                "task_type": task.value,
                "columns": list(TASK_COLUMNS[task]),
                "default_trainer": DEFAULT_TRAINERS[task],
                "trainers": trainers,
            }
        )
    return result
