"""The trainer registry: lazy imports, params schemas, defaults, availability."""

import subprocess
import sys

import pytest

from app.trainers.registry import (
    TaskType,
    UnknownTrainerError,
    describe_task_types,
    get_trainer,
    trainer_names,
)
from tests.trainers.conftest import BACKEND_DIR


def test_describe_serves_schema_defaults_and_availability() -> None:
    described = {t.task_type: t.model_dump() for t in describe_task_types()}
    assert set(described) >= {"tabular_classification", "tabular_regression"}
    tabular = described["tabular_classification"]
    assert tabular["default_trainer"] == "lightgbm"
    lightgbm = next(t for t in tabular["trainers"] if t["name"] == "lightgbm")
    assert lightgbm["available"] is True
    assert lightgbm["defaults"]["n_estimators"] == 200
    schema = lightgbm["params_schema"]
    assert schema["additionalProperties"] is False
    assert all(field.get("description") for field in schema["properties"].values())


def test_every_registered_trainer_has_described_defaulted_params() -> None:
    for task in TaskType:
        for name in trainer_names(task):
            try:
                trainer = get_trainer(task, name)
            except UnknownTrainerError:
                continue
            for field_name, field in trainer.Params.model_fields.items():
                assert field.description, f"{task}/{name}.{field_name} lacks a description"
                assert not field.is_required(), f"{task}/{name}.{field_name} lacks a default"


def test_unknown_names_are_refused() -> None:
    with pytest.raises(UnknownTrainerError, match="unknown task type"):
        trainer_names("image_segmentation")
    with pytest.raises(UnknownTrainerError, match="choose one of"):
        get_trainer("tabular_classification", "xgboost")


def test_the_api_process_never_imports_lightgbm_or_torch() -> None:
    code = (
        "import sys; import app.main; from app.trainers.registry import describe_task_types;"
        "describe_task_types(); print(sorted({'lightgbm', 'torch'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BACKEND_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
