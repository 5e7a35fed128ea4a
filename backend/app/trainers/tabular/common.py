"""Shared tabular trainer flow and predictor: data → fit → metrics → artifacts."""

import json
import threading
from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from app.trainers.base import Predictor, Trainer, TrainerContext, TrainResult
from app.trainers.tabular.data import (
    TabularData,
    classification_metrics,
    importance_report,
    load_tabular,
    regression_metrics,
)
from app.trainers.tabular.features import FEATURES_FILE, FeatureEncoder


class TabularTrainer(Trainer):
    """Template: subclasses implement `fit` (save the model, return test scores + importance)."""

    classification: ClassVar[bool] = True
    model_file: ClassVar[str]

    def train(self, ctx: TrainerContext) -> TrainResult:
        """Load and split the table, fit, evaluate on the test split, write artifacts."""
        ctx.report_progress(0.0, message="loading data")
        data = load_tabular(ctx, classification=self.classification)
        ctx.log(
            f"rows: train {len(data.y['train'])}, validation {len(data.y['validation'])}, "
            f"test {len(data.y['test'])}; dropped without target {data.dropped_rows}"
        )
        scores, importance = self.fit(ctx, data)
        ctx.check_stop()
        if self.classification:
            metrics, report = classification_metrics(data, scores)
        else:
            metrics, report = regression_metrics(data, scores)
        report["feature_importance"] = importance_report(data, importance)
        report["rows"] = {name: len(y) for name, y in data.y.items()}
        report["rows_dropped"] = data.dropped_rows
        ctx.report_metrics(metrics, split="test")
        (ctx.output_dir / FEATURES_FILE).write_text(
            json.dumps(data.metadata(), ensure_ascii=False), encoding="utf-8"
        )
        ctx.report_progress(1.0, message="done")
        info = {
            "input_columns": [e["name"] for e in data.schema],
            "target": data.target,
            "classes": data.classes,
        }
        return TrainResult(
            metrics=metrics,
            artifacts=[self.model_file, FEATURES_FILE],
            model_format=self.model_format,
            report=report,
            info=info,
        )

    model_format: ClassVar[str] = ""

    @abstractmethod
    def fit(self, ctx: TrainerContext, data: TabularData) -> tuple[np.ndarray, np.ndarray]:
        """Train, save `model_file` under ctx.output_dir; return (test scores, importance)."""


class TabularPredictor(Predictor):
    """Encodes rows with the saved schema; subclasses turn the matrix into scores."""

    def __init__(self, artifact_dir: Path, metadata: dict[str, Any]) -> None:
        super().__init__(artifact_dir, metadata)
        meta = json.loads((artifact_dir / FEATURES_FILE).read_text(encoding="utf-8"))
        self.schema: list[dict[str, Any]] = meta["features"]
        self.classes: list[Any] = meta["classes"]
        self.classification = meta["task"] == "classification"
        self._lock = threading.Lock()
        self.encoder = FeatureEncoder(self.schema)

    def input_columns(self) -> list[str]:
        """The feature columns every row must carry."""
        return [entry["name"] for entry in self.schema]

    @abstractmethod
    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Class probabilities (n, k) or regression values (n,)."""

    def predict(self, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Label + probabilities per row (classification) or the value (regression)."""
        return self._results(self.encoder.rows(inputs))

    def predict_json(self, body: bytes, max_rows: int) -> list[dict[str, Any]] | None:
        """`predict` on a JSON body read straight into typed rows (`FeatureEncoder.body`)."""
        matrix = self.encoder.body(body, max_rows)
        return None if matrix is None else self._results(matrix)

    def _results(self, matrix: np.ndarray) -> list[dict[str, Any]]:
        """One result per encoded row."""
        with self._lock:
            out = self.scores(matrix)
        if not self.classification:
            return [{"value": value} for value in out.astype(np.float64).tolist()]
        keys = [str(c) for c in self.classes]
        labels = [self.classes[i] for i in np.argmax(out, axis=1).tolist()]
        return [
            {"label": label, "probabilities": dict(zip(keys, row, strict=True))}
            for label, row in zip(labels, out.astype(np.float64).tolist(), strict=True)
        ]
