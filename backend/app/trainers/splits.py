"""Deterministic, seeded, stratified train/validation/test splits (pure: numpy only).

The same (n_rows, labels, seed, ratios) always give the same indices. With labels, every
class is split on its own with the ratios (largest-remainder rounding), so each part keeps
the class balance. Classes with fewer rows than there are non-empty parts cannot be
stratified; their rows are pooled and split unstratified with the same seed.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np

SPLIT_NAMES = ("train", "validation", "test")


def _check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    if len(ratios) != len(SPLIT_NAMES):
        raise ValueError("ratios must have three values: train, validation, test")
    if any(r < 0 for r in ratios) or not np.isclose(sum(ratios), 1.0):
        raise ValueError("ratios must be non-negative and sum to 1")
    if ratios[0] <= 0:
        raise ValueError("the train ratio must be positive")
    return (float(ratios[0]), float(ratios[1]), float(ratios[2]))


def _counts(n: int, ratios: Sequence[float]) -> list[int]:
    """Split n into len(ratios) parts by largest remainder (ties go to the earlier part)."""
    raw = [n * r for r in ratios]
    counts = [int(np.floor(x)) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


def _cut(indices: np.ndarray, ratios: Sequence[float]) -> list[np.ndarray]:
    bounds = np.cumsum(_counts(len(indices), ratios))[:-1]
    return list(np.split(indices, bounds))


def split_indices(
    n_rows: int,
    *,
    labels: Sequence[Any] | None,
    seed: int,
    ratios: Sequence[float] = (0.8, 0.1, 0.1),
) -> dict[str, np.ndarray]:
    """Row indices per part ("train", "validation", "test"), each sorted ascending."""
    parts_ratios = _check_ratios(ratios)
    if labels is not None and len(labels) != n_rows:
        raise ValueError(f"labels has {len(labels)} values for {n_rows} rows")
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in SPLIT_NAMES]
    if labels is None:
        groups = [np.arange(n_rows)]
        leftovers = np.array([], dtype=np.int64)
    else:
        groups, leftovers = _stratify_groups(labels, parts_ratios)
    for group in [*groups, leftovers]:
        shuffled = rng.permutation(group) if len(group) else group
        for i, piece in enumerate(_cut(shuffled, parts_ratios)):
            parts[i].append(piece)
    return {
        name: np.sort(np.concatenate(pieces)).astype(np.int64)
        for name, pieces in zip(SPLIT_NAMES, parts, strict=True)
    }


def _stratify_groups(
    labels: Sequence[Any], ratios: Sequence[float]
) -> tuple[list[np.ndarray], np.ndarray]:
    """Row indices per class (in a stable class order) and the pooled rows of too-small classes."""
    keys = np.array(["\x00none" if v is None else repr(v) for v in labels], dtype=object)
    needed = sum(1 for r in ratios if r > 0)
    _, inverse, sizes = np.unique(keys, return_inverse=True, return_counts=True)
    by_class = np.split(np.argsort(inverse, kind="stable"), np.cumsum(sizes)[:-1])
    groups = [rows for rows in by_class if len(rows) >= needed]
    small = [rows for rows in by_class if len(rows) < needed]
    leftovers = np.sort(np.concatenate(small)) if small else np.array([], dtype=np.int64)
    return groups, leftovers
