"""Load, split and encode a tabular job's data; compute held-out metrics and the report."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from app.trainers.base import TrainerContext, TrainerError
from app.trainers.splits import split_indices
from app.trainers.tabular.features import encode, infer_schema, resolve_columns

MAX_MISTAKES = 20


@dataclass
class TabularData:
    """Encoded matrices per split plus what serving needs to encode rows the same way."""

    classification: bool
    target: str
    schema: list[dict[str, Any]]
    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    raw_test: pd.DataFrame
    classes: list[Any] = field(default_factory=list)
    dropped_rows: int = 0

    def metadata(self) -> dict[str, Any]:
        """The `features.json` content."""
        return {
            "target": self.target,
            "features": self.schema,
            "classes": self.classes,
            "task": "classification" if self.classification else "regression",
        }


def _python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _labels(frame: pd.DataFrame, target: str, classification: bool) -> tuple[pd.DataFrame, int]:
    usable = frame[frame[target].notna()].reset_index(drop=True)
    if not classification:
        usable = usable.assign(**{target: pd.to_numeric(usable[target], errors="coerce")})
        usable = usable[usable[target].notna()].reset_index(drop=True)
    return usable, len(frame) - len(usable)


def _targets(values: pd.Series, classes: list[Any], classification: bool) -> np.ndarray:
    """Class indices (unknown labels → -1) or float values; distinct labels are looked up once."""
    if not classification:
        return values.to_numpy(dtype=np.float64)
    index = {str(c): i for i, c in enumerate(classes)}
    codes, uniques = pd.factorize(values)
    lookup = [index.get(str(_python(u)), -1) for u in uniques]
    return np.array([*lookup, -1], dtype=np.int64)[codes]


def load_tabular(ctx: TrainerContext, *, classification: bool) -> TabularData:
    """Read the canonical Parquet, drop unlabeled rows, split (seeded, stratified), encode.

    The table is encoded once (categories from the training rows) and the splits are taken
    as rows of the matrix, without copying the table per split.
    """
    frame = pd.read_parquet(ctx.dataset_path)
    target, features = resolve_columns(frame, ctx.columns)
    frame, dropped = _labels(frame, target, classification)
    if len(frame) < 10:
        raise TrainerError(
            f"Only {len(frame)} usable rows; at least 10 are needed.", code="too_few_rows"
        )
    classes: list[Any] = []
    if classification:
        distinct = {_python(v) for v in pd.unique(frame[target])}
        classes = sorted(distinct, key=lambda v: str(v))
        if len(classes) < 2:
            raise TrainerError(f"Target '{target}' has a single class.", code="single_class")
    labels = frame[target].tolist() if classification else None
    parts = split_indices(len(frame), labels=labels, seed=ctx.seed, ratios=ctx.split_ratios)
    extra = None
    if ctx.validation_dataset_path is not None:
        extra, _ = _labels(pd.read_parquet(ctx.validation_dataset_path), target, classification)
        parts["train"] = np.concatenate([parts["train"], parts["validation"]])
    if len(parts["test"]) == 0:
        raise TrainerError("The test split is empty; raise the test ratio.", code="empty_split")
    schema = infer_schema(frame, features, rows=parts["train"])
    raw_test = frame.iloc[parts["test"]]
    data = TabularData(classification, target, schema, {}, {}, raw_test, classes, dropped)
    x, y = encode(frame, schema), _targets(frame[target], classes, classification)
    for name, rows in parts.items():
        data.x[name], data.y[name] = x[rows], y[rows]
    if extra is not None:
        data.x["validation"] = encode(extra, schema)
        data.y["validation"] = _targets(extra[target], classes, classification)
    if classification and len(data.y["validation"]) and (data.y["validation"] < 0).any():
        keep = data.y["validation"] >= 0
        data.x["validation"], data.y["validation"] = (
            data.x["validation"][keep],
            data.y["validation"][keep],
        )
    return data


def balanced_weights(y: np.ndarray) -> np.ndarray:
    """Per-row weights that give every class the same total weight."""
    counts = np.bincount(y)
    weights = len(y) / (len(counts) * np.maximum(counts, 1))
    return weights[y]


def classification_metrics(data: TabularData, proba: np.ndarray) -> tuple[dict, dict]:
    """Accuracy, macro-F1, ROC-AUC (binary); report with per-class, confusion, mistakes."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    y = data.y["test"]
    pred = proba.argmax(axis=1)
    labels = list(range(len(data.classes)))
    metrics = {
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=labels, zero_division=0)),
    }
    if len(data.classes) == 2 and len(set(y.tolist())) == 2:
        metrics["roc_auc"] = float(roc_auc_score(y, proba[:, 1]))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, pred, labels=labels, zero_division=0
    )
    per_class = [
        {"label": c, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for c, p, r, f, s in zip(data.classes, precision, recall, f1, support, strict=True)
    ]
    wrong = np.flatnonzero(pred != y)[:MAX_MISTAKES]
    mistakes = [
        {
            "row": _row(data, int(i)),
            "true": data.classes[int(y[i])],
            "predicted": data.classes[int(pred[i])],
            "confidence": float(proba[i].max()),
        }
        for i in wrong
    ]
    report = {
        "labels": data.classes,
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(y, pred, labels=labels).tolist(),
        "mistakes": mistakes,
    }
    return metrics, report


def regression_metrics(data: TabularData, pred: np.ndarray) -> tuple[dict, dict]:
    """RMSE, MAE, R²; report with the largest errors."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y = data.y["test"]
    metrics = {
        "rmse": float(np.sqrt(mean_squared_error(y, pred))),
        "mae": float(mean_absolute_error(y, pred)),
        "r2": float(r2_score(y, pred)),
    }
    worst = np.argsort(-np.abs(pred - y))[:MAX_MISTAKES]
    mistakes = [
        {"row": _row(data, int(i)), "true": float(y[i]), "predicted": float(pred[i])} for i in worst
    ]
    return metrics, {"mistakes": mistakes}


def _row(data: TabularData, i: int) -> dict[str, Any]:
    names = [entry["name"] for entry in data.schema]
    row = data.raw_test.iloc[i][names].to_dict()
    return {k: (None if pd.isna(v) else _python(v)) for k, v in row.items()}


def importance_report(data: TabularData, scores: np.ndarray) -> list[dict[str, Any]]:
    """Feature importance, normalised to sum 1, largest first."""
    total = float(np.sum(np.abs(scores))) or 1.0
    pairs = [
        {"feature": entry["name"], "importance": float(abs(s)) / total}
        for entry, s in zip(data.schema, scores, strict=True)
    ]
    return sorted(pairs, key=lambda p: -p["importance"])
