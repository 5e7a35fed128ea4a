"""Report figures: quality against scikit-learn, bootstrap intervals, latency and break-even."""

import random

import pytest
from sklearn.metrics import accuracy_score, f1_score

from app.distillation.report import costs, latency, quality


def _labels(seed: int, n: int, error: float) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    truth = [rng.choice(["正面", "负面", "中性"]) for _ in range(n)]
    predicted = [t if rng.random() > error else rng.choice(["正面", "负面"]) for t in truth]
    return truth, predicted


@pytest.mark.parametrize(("seed", "n", "error"), [(1, 40, 0.3), (2, 300, 0.1), (3, 7, 0.6)])
def test_point_estimates_match_scikit_learn_and_lie_in_their_interval(
    seed: int, n: int, error: float
) -> None:
    truth, predicted = _labels(seed, n, error)
    scores = quality(truth, predicted)
    assert scores["n"] == n
    assert scores["accuracy"]["value"] == pytest.approx(accuracy_score(truth, predicted))
    assert scores["macro_f1"]["value"] == pytest.approx(
        f1_score(truth, predicted, average="macro", zero_division=0)
    )
    for metric in ("accuracy", "macro_f1"):
        score = scores[metric]
        assert 0 <= score["ci_low"] <= score["value"] <= score["ci_high"] <= 1
    assert quality(truth, predicted) == scores  # the seed is fixed


@pytest.mark.parametrize("seed", [5, 6])
def test_answers_naming_no_label_are_wrong_and_count_for_no_class(seed: int) -> None:
    truth, predicted = _labels(seed, 60, 0.3)
    rng = random.Random(seed)
    answers: list[str | None] = [None if rng.random() < 0.2 else p for p in predicted]
    scores = quality(truth, answers)
    as_text = [p if p is not None else "unparsed" for p in answers]
    classes = sorted(set(truth) | {p for p in answers if p is not None})
    assert None in answers
    assert scores["accuracy"]["value"] == pytest.approx(accuracy_score(truth, as_text))
    assert scores["macro_f1"]["value"] == pytest.approx(
        f1_score(truth, as_text, labels=classes, average="macro", zero_division=0)
    )
    assert scores["macro_f1"]["value"] > f1_score(
        truth, as_text, average="macro", zero_division=0
    )  # an "unparsed" class would have pulled the average down


def test_interval_narrows_with_more_rows() -> None:
    small = quality(*_labels(4, 30, 0.2))["accuracy"]
    large = quality(*_labels(4, 3000, 0.2))["accuracy"]
    assert large["ci_high"] - large["ci_low"] < small["ci_high"] - small["ci_low"]


def test_no_rows_gives_no_scores() -> None:
    assert quality([], []) == {"n": 0, "accuracy": None, "macro_f1": None}


def test_latency_percentiles() -> None:
    timing = latency([float(ms) for ms in range(1, 101)])
    assert timing == {"n": 100, "p50_ms": pytest.approx(50.5), "p95_ms": pytest.approx(95.05)}


def test_break_even_is_one_off_cost_over_the_saving_per_prediction() -> None:
    figures = costs(
        teacher_cost=2.0,
        teacher_predictions=1000,
        student_cpu_seconds_per_prediction=0.0036,
        training_seconds=360.0,
        cpu_hour_price=1.0,
    )
    assert figures["teacher_per_1k"] == pytest.approx(2.0)
    assert figures["student_per_1k"] == pytest.approx(0.001)
    assert figures["training_cost"] == pytest.approx(0.1)
    assert figures["one_off_cost"] == pytest.approx(2.1)
    assert figures["break_even_predictions"] == pytest.approx(2.1 / (0.002 - 0.000001))
    dearer = costs(
        teacher_cost=0.001,
        teacher_predictions=1000,
        student_cpu_seconds_per_prediction=36.0,
        training_seconds=0.0,
        cpu_hour_price=1.0,
    )
    assert dearer["break_even_predictions"] is None
