"""Held-out metrics and the report the UI shows: per-class, confusion, confident mistakes."""

from typing import Any

import numpy as np

from app.trainers.text.data import MAX_MISTAKES

MULTI_LABEL_THRESHOLD = 0.5


def evaluate(
    classes: list[str], y: np.ndarray, proba: np.ndarray, texts: list[str], *, multi_label: bool
) -> tuple[dict[str, float], dict[str, Any]]:
    """(metrics, report) on one split; multi-class or multi-label (threshold 0.5)."""
    if multi_label:
        return _multi_label(classes, y, proba, texts)
    return _multi_class(classes, y, proba, texts)


def _per_class(classes: list[str], y: np.ndarray, pred: np.ndarray) -> list[dict[str, Any]]:
    from sklearn.metrics import precision_recall_fscore_support

    labels = None if y.ndim == 2 else list(range(len(classes)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y, pred, labels=labels, zero_division=0
    )
    return [
        {"label": c, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for c, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    ]


def _multi_class(
    classes: list[str], y: np.ndarray, proba: np.ndarray, texts: list[str]
) -> tuple[dict[str, float], dict[str, Any]]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, log_loss, roc_auc_score

    pred = proba.argmax(axis=1)
    labels = list(range(len(classes)))
    metrics = {
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=labels, zero_division=0)),
        "weighted_f1": float(f1_score(y, pred, average="weighted", labels=labels, zero_division=0)),
        "log_loss": float(log_loss(y, np.clip(proba, 1e-7, 1), labels=labels)),
    }
    if len(classes) == 2 and len(set(y.tolist())) == 2:
        metrics["roc_auc"] = float(roc_auc_score(y, proba[:, 1]))
    confidence = proba.max(axis=1)
    wrong = np.flatnonzero(pred != y)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:MAX_MISTAKES]
    mistakes = [
        {
            "text": texts[i],
            "true": classes[int(y[i])],
            "predicted": classes[int(pred[i])],
            "confidence": float(confidence[i]),
        }
        for i in wrong
    ]
    report = {
        "labels": classes,
        "per_class": _per_class(classes, y, pred),
        "confusion_matrix": confusion_matrix(y, pred, labels=labels).tolist(),
        "mistakes": mistakes,
    }
    return metrics, report


def _multi_label(
    classes: list[str], y: np.ndarray, proba: np.ndarray, texts: list[str]
) -> tuple[dict[str, float], dict[str, Any]]:
    from sklearn.metrics import accuracy_score, f1_score, hamming_loss

    pred = (proba >= MULTI_LABEL_THRESHOLD).astype(np.int64)
    truth = y.astype(np.int64)
    metrics = {
        "subset_accuracy": float(accuracy_score(truth, pred)),
        "micro_f1": float(f1_score(truth, pred, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(truth, pred, average="macro", zero_division=0)),
        "hamming_loss": float(hamming_loss(truth, pred)),
    }
    errors = np.abs(proba - truth).max(axis=1)
    wrong = np.flatnonzero((pred != truth).any(axis=1))
    wrong = wrong[np.argsort(-errors[wrong], kind="stable")][:MAX_MISTAKES]
    mistakes = [
        {
            "text": texts[i],
            "true": [c for c, v in zip(classes, truth[i], strict=True) if v],
            "predicted": [c for c, v in zip(classes, pred[i], strict=True) if v],
            "confidence": float(errors[i]),
        }
        for i in wrong
    ]
    report = {
        "labels": classes,
        "per_class": _per_class(classes, truth, pred),
        "mistakes": mistakes,
        "threshold": MULTI_LABEL_THRESHOLD,
    }
    return metrics, report


def prediction(classes: list[str], row: np.ndarray, *, multi_label: bool) -> dict[str, Any]:
    """One served result: label(s) and per-class probabilities."""
    probabilities = {c: float(p) for c, p in zip(classes, row, strict=True)}
    if multi_label:
        labels = [c for c, p in zip(classes, row, strict=True) if p >= MULTI_LABEL_THRESHOLD]
        return {"labels": labels, "probabilities": probabilities}
    return {"label": classes[int(np.argmax(row))], "probabilities": probabilities}
