"""Tabular trainers through the child-process protocol, and their predictors."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.trainers.base import PredictionInputError
from app.trainers.registry import get_trainer
from tests.trainers.conftest import Run, frame_rows

CLASSIFIERS = ["lightgbm", "hist_gradient_boosting", "linear"]
TARGET = {"target": "target", "features": None}


@pytest.mark.parametrize("trainer", CLASSIFIERS)
def test_classifiers_report_metrics_artifacts_and_predict(
    trainer: str, tables: dict[str, Path], run_trainer: Callable[..., Run]
) -> None:
    run = run_trainer(
        "tabular_classification", trainer, tables["cancer"], TARGET, {"class_weight": "balanced"}
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = run.result
    assert result["metrics"]["accuracy"] > 0.85
    assert {"macro_f1", "roc_auc"} <= set(result["metrics"])
    report = result["report"]
    assert len(report["confusion_matrix"]) == 2
    assert {c["label"] for c in report["per_class"]} == {0, 1}
    assert report["feature_importance"][0]["importance"] > 0
    assert run.of("progress")[-1]["fraction"] == 1.0
    output = run.work / "output"
    assert all((output / name).is_file() for name in result["artifacts"])
    predictor = get_trainer("tabular_classification", trainer).load_predictor(output, {})
    predictions = predictor.predict(frame_rows(tables["cancer"], "target", 5))
    assert len(predictions) == 5
    assert predictions[0]["label"] in (0, 1)
    assert sum(predictions[0]["probabilities"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize("trainer", CLASSIFIERS)
def test_regressors_report_rmse_mae_r2(
    trainer: str, tables: dict[str, Path], run_trainer: Callable[..., Run]
) -> None:
    run = run_trainer("tabular_regression", trainer, tables["diabetes"], TARGET)
    assert run.returncode == 0, run.stderr[-2000:]
    metrics = run.result["metrics"]
    assert metrics["rmse"] > 0 and metrics["mae"] > 0 and metrics["r2"] > 0.2
    predictor = get_trainer("tabular_regression", trainer).load_predictor(run.work / "output", {})
    assert isinstance(
        predictor.predict(frame_rows(tables["diabetes"], "target", 2))[0]["value"], float
    )


def test_same_seed_same_model(
    tables: dict[str, Path], run_trainer: Callable[..., Run], tmp_path: Path
) -> None:
    params = {"n_estimators": 30, "subsample": 0.8}
    first = run_trainer(
        "tabular_classification", "lightgbm", tables["cancer"], TARGET, params, work=tmp_path / "a"
    )
    second = run_trainer(
        "tabular_classification", "lightgbm", tables["cancer"], TARGET, params, work=tmp_path / "b"
    )
    assert first.result["metrics"] == second.result["metrics"]
    model_a = (tmp_path / "a" / "output" / "model.txt").read_text()
    model_b = (tmp_path / "b" / "output" / "model.txt").read_text()
    assert model_a == model_b


def test_unknown_param_is_an_error_line(
    tables: dict[str, Path], run_trainer: Callable[..., Run]
) -> None:
    run = run_trainer(
        "tabular_classification", "lightgbm", tables["cancer"], TARGET, {"n_estimatorz": 3}
    )
    assert run.returncode == 1
    assert run.of("error")[0]["code"] == "bad_params"
    assert "n_estimatorz: Extra inputs are not permitted" in run.of("error")[0]["message"]


def test_missing_target_column_is_a_clear_error(
    tables: dict[str, Path], run_trainer: Callable[..., Run]
) -> None:
    run = run_trainer("tabular_classification", "linear", tables["cancer"], {"target": "nope"})
    assert run.returncode == 1
    error = run.of("error")[0]
    assert error["code"] == "bad_columns" and "nope" in error["message"]


def test_stop_flag_stops_with_exit_status_3(
    tables: dict[str, Path], run_trainer: Callable[..., Run]
) -> None:
    run = run_trainer(
        "tabular_classification", "lightgbm", tables["cancer"], TARGET, stop_first=True
    )
    assert run.returncode == 3
    assert run.of("stopped") and not run.of("result")


def test_lightgbm_resumes_from_its_checkpoint(
    tables: dict[str, Path], run_trainer: Callable[..., Run], tmp_path: Path
) -> None:
    params = {"n_estimators": 60, "checkpoint_every": 20, "early_stopping_rounds": 0}
    first = run_trainer(
        "tabular_classification",
        "lightgbm",
        tables["cancer"],
        TARGET,
        params,
        work=tmp_path / "job",
    )
    assert first.returncode == 0
    assert sorted(p.name for p in (tmp_path / "job" / "checkpoints").iterdir())[-1] == (
        "model-000060.txt"
    )
    again = run_trainer(
        "tabular_classification",
        "lightgbm",
        tables["cancer"],
        TARGET,
        {**params, "n_estimators": 80},
        work=tmp_path / "job",
    )
    assert again.returncode == 0
    logs = " ".join(e["message"] for e in again.of("log"))
    assert "resuming from checkpoint model-000060.txt" in logs
    steps = [e["step"] for e in again.of("metrics") if e["split"] == "validation"]
    assert (min(steps), max(steps)) == (61, 80)


def test_predictor_names_missing_and_mistyped_columns(
    tables: dict[str, Path], run_trainer: Callable[..., Run]
) -> None:
    run = run_trainer(
        "tabular_classification", "lightgbm", tables["cancer"], TARGET, {"n_estimators": 5}
    )
    predictor = get_trainer("tabular_classification", "lightgbm").load_predictor(
        run.work / "output", {}
    )
    row = frame_rows(tables["cancer"], "target", 1)[0]
    with pytest.raises(PredictionInputError, match="Row 1: missing column") as missing:
        predictor.predict([row, {k: v for k, v in row.items() if k != "site"}])
    assert missing.value.column == "site"
    with pytest.raises(PredictionInputError, match="'mean area' must be a number"):
        predictor.predict([{**row, "mean area": "big"}])
    unseen = predictor.predict([{**row, "site": "深圳", "mean radius": None}])
    assert unseen[0]["label"] in (0, 1)


def test_skops_model_with_foreign_types_is_refused(
    tables: dict[str, Path], run_trainer: Callable[..., Run]
) -> None:
    import skops.io as sio
    from sklearn.ensemble import RandomForestClassifier

    run = run_trainer("tabular_classification", "linear", tables["cancer"], TARGET)
    output = run.work / "output"
    sio.dump(RandomForestClassifier(n_estimators=2).fit([[0], [1]], [0, 1]), output / "model.skops")
    with pytest.raises(Exception, match="untrusted types"):
        get_trainer("tabular_classification", "linear").load_predictor(output, {})
    meta = json.loads((output / "features.json").read_text())
    assert meta["task"] == "classification"
