"""Trainer lookup over the task-type registry (`task_types.TASK_TYPES`), imported lazily.

Add a trainer by adding one "module:Class" line to its task type's `trainers` in
`app/trainers/task_types.py`. Importing a trainer module must stay cheap: heavy libraries are
imported inside `train()`. `describe_task_types()` is what `GET /api/v1/task-types` serves:
each task type's labels, column roles and predict input, and each trainer's params JSON schema
(labelled in Chinese and English), defaults, and whether its libraries are installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from pydantic import BaseModel, Field

from app.trainers.base import Trainer
from app.trainers.task_types import (
    TASK_TYPES,
    ColumnRole,
    LocalizedText,
    PredictInput,
    TaskType,
    UnknownTaskTypeError,
    task_spec,
)

__all__ = ["TaskType", "UnknownTrainerError", "describe_task_types", "get_trainer"]


class UnknownTrainerError(LookupError):
    """The task type or trainer name is not registered (or its module is missing)."""


class TrainerInfo(BaseModel):
    """A trainer as the API serves it."""

    name: str
    title: str
    description: str
    params_schema: dict[str, Any] = Field(
        description="JSON schema of the params; each property has `x-label` and `x-help` "
        "({zh, en}) for the form."
    )
    defaults: dict[str, Any]
    requires: list[str]
    available: bool = Field(description="Its libraries are installed on this server.")
    missing_libraries: list[str]
    supports_checkpoints: bool


class TaskTypeInfo(BaseModel):
    """A task type as the API serves it: what the job wizard and the predict panel need."""

    task_type: str = Field(description="The task type's name (`TaskType`).")
    label: LocalizedText
    description: LocalizedText
    columns: list[str] = Field(description="The column roles' names (keys of `columns`).")
    column_roles: list[ColumnRole]
    target_role: str = Field(description="The role of the column the model predicts.")
    predict_input: PredictInput
    default_trainer: str
    trainers: list[TrainerInfo]


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
    """The registered trainer names of a task type (the first is the default)."""
    try:
        return list(task_spec(task_type).trainers)
    except UnknownTaskTypeError as exc:
        raise UnknownTrainerError(str(exc)) from exc


def get_trainer(task_type: str, name: str | None = None) -> type[Trainer]:
    """The trainer class for (task type, name); the task's default when name is None."""
    names = trainer_names(task_type)
    chosen = name or names[0]
    if chosen not in names:
        raise UnknownTrainerError(
            f"unknown trainer {chosen!r} for {task_type}; choose one of {', '.join(names)}"
        )
    return _import(task_spec(task_type).trainers[chosen])


def missing_libraries(trainer: type[Trainer]) -> list[str]:
    """The trainer's required libraries that are not importable here."""
    return [lib for lib in trainer.requires if importlib.util.find_spec(lib) is None]


def describe_trainer(trainer: type[Trainer]) -> TrainerInfo:
    """A trainer as the API serves it: params schema, defaults, availability."""
    missing = missing_libraries(trainer)
    return TrainerInfo(
        name=trainer.name,
        title=trainer.title or trainer.name,
        description=trainer.description,
        params_schema=trainer.Params.model_json_schema(),
        defaults=trainer.Params().model_dump(mode="json"),
        requires=list(trainer.requires),
        available=not missing,
        missing_libraries=missing,
        supports_checkpoints=trainer.supports_checkpoints,
    )


def describe_task_types() -> list[TaskTypeInfo]:
    """Every task type with its trainers (registered modules that cannot import are skipped)."""
    result = []
    for task, spec in TASK_TYPES.items():
        trainers = []
        for name in spec.trainers:
            try:
                trainers.append(describe_trainer(get_trainer(task, name)))
            except UnknownTrainerError:
                continue
        result.append(
            TaskTypeInfo(
                task_type=task,
                label=spec.label,
                description=spec.description,
                columns=[role.name for role in spec.roles],
                column_roles=list(spec.roles),
                target_role=spec.target_role.name,
                predict_input=spec.predict_input,
                default_trainer=next(iter(spec.trainers)),
                trainers=trainers,
            )
        )
    return result
