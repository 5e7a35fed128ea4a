"""Deterministic, seeded, stratified splits."""

import numpy as np
import pytest

from app.trainers.splits import split_indices


def test_same_inputs_same_rows_and_parts_cover_everything() -> None:
    labels = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    first = split_indices(100, labels=labels, seed=7)
    again = split_indices(100, labels=labels, seed=7)
    other = split_indices(100, labels=labels, seed=8)
    for name in ("train", "validation", "test"):
        assert np.array_equal(first[name], again[name])
    assert not np.array_equal(first["train"], other["train"])
    combined = np.concatenate(list(first.values()))
    assert sorted(combined.tolist()) == list(range(100))
    assert {k: len(v) for k, v in first.items()} == {"train": 80, "validation": 10, "test": 10}


def test_stratified_keeps_class_balance() -> None:
    labels = np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20)
    parts = split_indices(100, labels=labels.tolist(), seed=1)
    counts = {
        name: dict(zip(*np.unique(labels[idx], return_counts=True), strict=True))
        for name, idx in parts.items()
    }
    assert counts["train"] == {"a": 40, "b": 24, "c": 16}
    assert counts["validation"] == {"a": 5, "b": 3, "c": 2}
    assert counts["test"] == {"a": 5, "b": 3, "c": 2}


def test_tiny_classes_fall_back_to_unstratified() -> None:
    labels = ["a"] * 20 + ["rare1", "rare2"]
    parts = split_indices(22, labels=labels, seed=3, ratios=(0.5, 0.25, 0.25))
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(22))
    assert len(parts["train"]) == 11


def test_unstratified_and_bad_arguments() -> None:
    parts = split_indices(10, labels=None, seed=0, ratios=(0.7, 0.3, 0.0))
    assert (len(parts["train"]), len(parts["validation"]), len(parts["test"])) == (7, 3, 0)
    with pytest.raises(ValueError, match="sum to 1"):
        split_indices(10, labels=None, seed=0, ratios=(0.5, 0.1, 0.1))
    with pytest.raises(ValueError, match="labels has 2 values"):
        split_indices(3, labels=["a", "b"], seed=0)
