"""The distillation report's figures: quality with bootstrap intervals, latency, cost, break-even.

Pure functions over plain lists (no database, no files): the evaluation child computes the
report with them, and tests check them against scikit-learn.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20261204
CONFIDENCE = 0.95


def _encode(
    truth: Sequence[str], predicted: Sequence[str | None]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Both label lists as integer codes over their union; no label (None) is -1, no class."""
    classes = sorted(set(truth) | {p for p in predicted if p is not None})
    code = {label: i for i, label in enumerate(classes)}
    return (
        np.array([code[t] for t in truth], dtype=np.int64),
        np.array([-1 if p is None else code[p] for p in predicted], dtype=np.int64),
        len(classes),
    )


def _scores(
    truth: np.ndarray, predicted: np.ndarray, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and macro-F1 of each row of (resamples × rows) label codes.

    Macro-F1 averages the classes present in a resample's truth or predictions (as
    scikit-learn's `f1_score(average="macro")` does); a class's F1 is 0 without true positives.
    """
    accuracy = (truth == predicted).mean(axis=1)
    f1_sum = np.zeros(truth.shape[0])
    present = np.zeros(truth.shape[0])
    for label in range(classes):
        is_true, is_predicted = truth == label, predicted == label
        tp = (is_true & is_predicted).sum(axis=1)
        fp = (~is_true & is_predicted).sum(axis=1)
        fn = (is_true & ~is_predicted).sum(axis=1)
        denominator = 2 * tp + fp + fn
        f1_sum += np.divide(2 * tp, denominator, out=np.zeros(len(tp)), where=denominator > 0)
        present += denominator > 0
    return accuracy, np.divide(f1_sum, present, out=np.zeros(len(f1_sum)), where=present > 0)


def quality(
    truth: Sequence[str],
    predicted: Sequence[str | None],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """Accuracy and macro-F1 with percentile bootstrap 95 % intervals (rows resampled).

    A prediction of None (an answer naming no label) is wrong and counts for no class.
    """
    if not truth:
        return {"n": 0, "accuracy": None, "macro_f1": None}
    true_codes, predicted_codes, classes = _encode(truth, predicted)
    accuracy, f1 = _scores(true_codes[None, :], predicted_codes[None, :], classes)
    rows = np.random.default_rng(seed).integers(0, len(truth), size=(resamples, len(truth)))
    boot_accuracy, boot_f1 = _scores(true_codes[rows], predicted_codes[rows], classes)
    tail = (1 - CONFIDENCE) / 2 * 100

    def interval(point: float, samples: np.ndarray) -> dict[str, float]:
        low, high = np.percentile(samples, [tail, 100 - tail])
        return {"value": float(point), "ci_low": float(low), "ci_high": float(high)}

    return {
        "n": len(truth),
        "accuracy": interval(accuracy[0], boot_accuracy),
        "macro_f1": interval(f1[0], boot_f1),
    }


def latency(milliseconds: Sequence[float]) -> dict[str, Any]:
    """p50 and p95 of per-prediction latencies (ms) and how many were measured."""
    if not milliseconds:
        return {"n": 0, "p50_ms": None, "p95_ms": None}
    p50, p95 = np.percentile(np.asarray(milliseconds, dtype=float), [50, 95])
    return {"n": len(milliseconds), "p50_ms": float(p50), "p95_ms": float(p95)}


def costs(
    *,
    teacher_cost: float,
    teacher_predictions: int,
    student_cpu_seconds_per_prediction: float,
    training_seconds: float,
    cpu_hour_price: float,
) -> dict[str, Any]:
    """Cost per 1,000 predictions of each, the one-off cost and the break-even volume.

    The one-off cost is what distilling took (the teacher's labeling plus the student's training
    time at the CPU-hour price); break-even is the number of predictions after which the student,
    cheaper per prediction, has paid it back (None when the student is not cheaper).
    """
    per_cpu_second = cpu_hour_price / 3600
    teacher_each = teacher_cost / teacher_predictions if teacher_predictions else 0.0
    student_each = student_cpu_seconds_per_prediction * per_cpu_second
    training_cost = training_seconds * per_cpu_second
    one_off = teacher_cost + training_cost
    saving = teacher_each - student_each
    return {
        "teacher_per_1k": teacher_each * 1000,
        "student_per_1k": student_each * 1000,
        "teacher_labeling_cost": teacher_cost,
        "training_cost": training_cost,
        "one_off_cost": one_off,
        "break_even_predictions": one_off / saving if saving > 0 else None,
    }
