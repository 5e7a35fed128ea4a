"""Load and split a text job's data (deduplicated, seeded, stratified) and score the test split."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.trainers.base import PredictionInputError, TrainerContext, TrainerError

MAX_MISTAKES = 20
TEXT_META_FILE = "text_meta.json"


@dataclass
class TextData:
    """Texts and label indices per split ("train", "validation", "test")."""

    text_column: str
    label_column: str
    classes: list[str]
    multi_label: bool
    texts: dict[str, list[str]] = field(default_factory=dict)
    y: dict[str, np.ndarray] = field(default_factory=dict)
    dropped_rows: int = 0
    duplicate_rows: int = 0

    def rows(self) -> dict[str, int]:
        """Row counts per split."""
        return {name: len(texts) for name, texts in self.texts.items()}


def split_labels(value: Any, separator: str) -> list[str]:
    """The labels of one multi-label cell: a list or a separated string, blanks dropped."""
    items = value if isinstance(value, list | tuple | np.ndarray) else str(value).split(separator)
    return sorted({str(item).strip() for item in items if str(item).strip()})


def _columns(ctx: TrainerContext) -> tuple[str, str]:
    text, label = ctx.columns.get("text"), ctx.columns.get("label")
    if not isinstance(text, str) or not isinstance(label, str):
        raise TrainerError(
            "Text classification needs columns {'text': ..., 'label': ...}.", code="bad_columns"
        )
    return text, label


def _clean(frame: Any, text: str, label: str) -> tuple[Any, int]:
    for name in (text, label):
        if name not in frame.columns:
            raise TrainerError(f"Column '{name}' is not in the dataset.", code="missing_column")
    usable = frame[frame[text].notna() & frame[label].notna()]
    usable = usable.assign(**{text: usable[text].astype(str), label: usable[label]})
    usable = usable[usable[text].str.strip() != ""].reset_index(drop=True)
    return usable, len(frame) - len(usable)


def _deduplicate(frame: Any, text: str, label: str) -> tuple[Any, int]:
    """Keep one row per text; texts seen with different labels are dropped (leak + noise)."""
    keys = frame[label].map(repr)
    conflicting = keys.groupby(frame[text]).transform("nunique") > 1
    kept = frame[~conflicting].drop_duplicates(subset=[text]).reset_index(drop=True)
    return kept, len(frame) - len(kept)


def load_text(ctx: TrainerContext, *, multi_label: bool, separator: str = ",") -> TextData:
    """Read the canonical Parquet, drop empty and duplicate texts, split, encode labels."""
    import pandas as pd

    from app.trainers.splits import split_indices

    text, label = _columns(ctx)
    frame, dropped = _clean(pd.read_parquet(ctx.dataset_path), text, label)
    frame, duplicates = _deduplicate(frame, text, label)
    if len(frame) < 10:
        raise TrainerError(
            f"Only {len(frame)} usable rows; at least 10 are needed.", code="too_few_rows"
        )
    raw = [split_labels(v, separator) if multi_label else str(v) for v in frame[label].tolist()]
    flat = [c for r in raw for c in r] if multi_label else raw
    classes = sorted({str(c) for c in flat})
    if len(classes) < 2:
        raise TrainerError(f"Label column '{label}' has a single class.", code="single_class")
    strata = None if multi_label else raw
    parts = split_indices(len(frame), labels=strata, seed=ctx.seed, ratios=ctx.split_ratios)
    data = TextData(text, label, classes, multi_label, dropped_rows=dropped)
    data.duplicate_rows = duplicates
    texts = frame[text].tolist()
    for name, rows in parts.items():
        data.texts[name] = [texts[i] for i in rows]
        data.y[name] = encode_labels([raw[i] for i in rows], classes, multi_label)
    if ctx.validation_dataset_path is not None:
        _external_validation(ctx, data, separator)
    if len(data.texts["test"]) == 0:
        raise TrainerError("The test split is empty; raise the test ratio.", code="empty_split")
    return data


def _external_validation(ctx: TrainerContext, data: TextData, separator: str) -> None:
    import pandas as pd

    assert ctx.validation_dataset_path is not None
    extra, _ = _clean(
        pd.read_parquet(ctx.validation_dataset_path), data.text_column, data.label_column
    )
    raw = [
        split_labels(v, separator) if data.multi_label else str(v)
        for v in extra[data.label_column].tolist()
    ]
    known = [
        i
        for i, r in enumerate(raw)
        if (set(r) <= set(data.classes) if data.multi_label else r in data.classes)
    ]
    data.texts["train"] = data.texts["train"] + data.texts["validation"]
    data.y["train"] = np.concatenate([data.y["train"], data.y["validation"]])
    data.texts["validation"] = [extra[data.text_column].iloc[i] for i in known]
    data.y["validation"] = encode_labels([raw[i] for i in known], data.classes, data.multi_label)


def encode_labels(raw: list[Any], classes: list[str], multi_label: bool) -> np.ndarray:
    """Class indices (n,) or a 0/1 indicator matrix (n, k) for multi-label."""
    index = {c: i for i, c in enumerate(classes)}
    if not multi_label:
        return np.array([index[str(v)] for v in raw], dtype=np.int64)
    matrix = np.zeros((len(raw), len(classes)), dtype=np.float32)
    for row, labels in enumerate(raw):
        for item in labels:
            matrix[row, index[item]] = 1.0
    return matrix


def class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """'Balanced' weights n / (k · count) per class (multi-label: per label positive rate)."""
    counts = y.sum(axis=0) if y.ndim == 2 else np.bincount(y, minlength=n_classes)
    return (len(y) / (n_classes * np.maximum(counts, 1))).astype(np.float32)


def input_texts(inputs: list[Any], text_column: str) -> list[str]:
    """Texts of prediction inputs: plain strings or rows carrying the text column."""
    texts = []
    for row, item in enumerate(inputs):
        value = item.get(text_column) if isinstance(item, dict) else item
        if isinstance(item, dict) and text_column not in item:
            raise PredictionInputError(
                f"Row {row}: missing the text column '{text_column}'.", row=row, column=text_column
            )
        if not isinstance(value, str):
            raise PredictionInputError(
                f"Row {row}: the text must be a string.", row=row, column=text_column
            )
        texts.append(value)
    return texts
