"""Check a table against a task before any job is queued (pure: pandas, numpy, pydantic only).

Errors block training; warnings are shown but do not. Rows without a label (or, for text,
without text) are dropped and counted per reason. Trainers call `validate_for_task` too.
"""

import importlib
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

TASK_TYPES = ("tabular_classification", "tabular_regression", "text_classification", "llm_sft")
# Task types whose rows are not inputs + a label: validated by their own function ("module:name").
OWN_VALIDATORS = {"llm_sft": "app.datasets.chat_validation:validate_chat_task"}
MAX_SAMPLE_ROWS = 10
MIN_USABLE_ROWS = 2
FEW_ROWS_WARNING = 10


class ValidationIssue(BaseModel):
    """One problem found: a stable code, a message a person can act on, where it is."""

    code: str
    message: str
    column: str | None = None
    count: int | None = None
    rows: list[int] = Field(default_factory=list, description="Sample of 1-based row numbers.")


class ValidationReport(BaseModel):
    """What a task would see of the dataset: usable rows, drops and why, errors and warnings."""

    ok: bool
    task_type: str
    errors: list[ValidationIssue] = Field(default_factory=list)
    warnings: list[ValidationIssue] = Field(default_factory=list)
    rows_total: int = 0
    rows_usable: int = 0
    rows_dropped: int = 0
    drop_reasons: dict[str, int] = Field(default_factory=dict)
    input_columns: list[str] = Field(default_factory=list)
    label_column: str | None = None
    class_counts: dict[str, int] | None = None
    duplicate_rows: int = 0
    conflicting_inputs: int = 0
    conflicting_rows: int = 0
    text_length: dict[str, float] | None = None
    chat: dict[str, Any] | None = Field(
        None, description="Chat data: format, bad rows by number, turn and token statistics."
    )


class _Checker:
    """Accumulates issues and drops for one validation run."""

    def __init__(self, task_type: str, rows_total: int) -> None:
        self.report = ValidationReport(ok=False, task_type=task_type, rows_total=rows_total)
        self.keep = np.ones(rows_total, dtype=bool)

    def error(self, code: str, message: str, **where: Any) -> None:
        self.report.errors.append(ValidationIssue(code=code, message=message, **where))

    def warn(self, code: str, message: str, **where: Any) -> None:
        self.report.warnings.append(ValidationIssue(code=code, message=message, **where))

    def drop(self, mask: np.ndarray, reason: str, column: str, message: str) -> None:
        """Drop rows where mask is true (among rows still kept), noting the reason."""
        newly = mask & self.keep
        count = int(newly.sum())
        if count:
            self.keep &= ~mask
            self.report.drop_reasons[reason] = count
            self.warn(
                reason,
                message.format(count=count),
                column=column,
                count=count,
                rows=_sample_rows(newly),
            )


def _sample_rows(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)[:MAX_SAMPLE_ROWS]]


def _blank(series: pd.Series) -> np.ndarray:
    """True where a value is missing or an empty/whitespace string."""
    missing = series.isna().to_numpy()
    as_text = series.astype("string").str.strip()
    return missing | (as_text == "").fillna(True).to_numpy(dtype=bool)


def _row_keys(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's values: equal rows get equal keys (collisions ~1e-19/pair).

    Unhashable cells (lists, dicts from JSON) are hashed by their text.
    """
    unhashable = [name for name in frame.columns if frame[name].dtype == object]
    if unhashable:
        frame = frame.copy()
        for name in unhashable:
            frame[name] = frame[name].map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else repr(v)
            )
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _columns_exist(check: _Checker, frame: pd.DataFrame, wanted: dict[str, str]) -> bool:
    ok = True
    for role, name in wanted.items():
        if name not in frame.columns:
            available = ", ".join(map(str, frame.columns[:20]))
            check.error(
                "column_not_found",
                f"The {role} column '{name}' is not in the dataset (columns: {available}).",
                column=name,
            )
            ok = False
    return ok


def _resolve_columns(
    check: _Checker, frame: pd.DataFrame, task_type: str, columns: dict[str, Any]
) -> tuple[list[str], str] | None:
    """The input columns and the label column of the mapping, or None after an error."""
    if task_type == "text_classification":
        text, label = columns.get("text"), columns.get("label")
        if not isinstance(text, str) or not isinstance(label, str):
            check.error(
                "bad_mapping", "Text classification needs columns {'text': ..., 'label': ...}."
            )
            return None
        if not _columns_exist(check, frame, {"text": text, "label": label}):
            return None
        if text == label:
            check.error("bad_mapping", "The text and label columns must differ.", column=text)
            return None
        return [text], label
    target, features = columns.get("target"), columns.get("features")
    if not isinstance(target, str):
        check.error(
            "bad_mapping", "Tabular tasks need {'target': column, 'features': [...] or null}."
        )
        return None
    if not _columns_exist(check, frame, {"target": target}):
        return None
    if features is None:
        features = [c for c in frame.columns if c != target]
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        check.error("bad_mapping", "'features' must be a list of column names or null.")
        return None
    if not _columns_exist(check, frame, {f"feature #{i + 1}": f for i, f in enumerate(features)}):
        return None
    if target in features:
        check.error(
            "bad_mapping", f"The target '{target}' cannot also be a feature.", column=target
        )
        return None
    if not features:
        check.error("no_features", "There are no feature columns besides the target.")
        return None
    return list(dict.fromkeys(features)), target


def _check_text(check: _Checker, frame: pd.DataFrame, text: str) -> None:
    series = frame[text]
    check.drop(_blank(series), "empty_text", text, "{count} rows have no text and are dropped.")
    lengths = series[check.keep].astype("string").str.len().dropna().to_numpy(dtype=float)
    if len(lengths):
        p50, p90, p99 = np.percentile(lengths, [50, 90, 99])
        check.report.text_length = {
            "min": float(lengths.min()),
            "mean": float(lengths.mean()),
            "p50": float(p50),
            "p90": float(p90),
            "p99": float(p99),
            "max": float(lengths.max()),
        }


def _check_regression_target(check: _Checker, frame: pd.DataFrame, target: str) -> None:
    series = frame[target]
    numeric = pd.to_numeric(series, errors="coerce")
    bad = (numeric.isna() & ~series.isna()).to_numpy() & check.keep & ~_blank(series)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        check.error(
            "target_not_numeric",
            f"Regression needs a numeric target: '{target}' has "
            f"{int(bad.sum())} non-numeric values (first at row {first + 1}: "
            f"{series.iloc[first]!r}).",
            column=target,
            count=int(bad.sum()),
            rows=_sample_rows(bad),
        )


def _check_classes(check: _Checker, frame: pd.DataFrame, label: str) -> None:
    labels = frame[label][check.keep].map(str)
    counts = labels.value_counts()
    check.report.class_counts = {str(k): int(v) for k, v in counts.items()}
    if len(counts) < 2 and len(labels):
        check.error(
            "single_class",
            f"Classification needs at least 2 classes; '{label}' has "
            f"{len(counts)} among the usable rows.",
            column=label,
        )
    rare = counts[counts < 2]
    if len(rare):
        names = ", ".join(map(str, rare.index[:10]))
        check.warn(
            "rare_classes",
            f"{len(rare)} classes have fewer than 2 rows ({names}); they "
            "cannot be stratified and may be missing from validation/test.",
            column=label,
            count=len(rare),
        )
    numeric = pd.to_numeric(frame[label][check.keep], errors="coerce")
    if numeric.notna().all() and len(counts) > max(20, len(labels) // 2):
        check.warn(
            "target_looks_continuous",
            f"'{label}' has {len(counts)} distinct numeric values; did you mean regression?",
            column=label,
        )


def _check_duplicates(
    check: _Checker, frame: pd.DataFrame, inputs: list[str], label: str, classification: bool
) -> None:
    """Exact duplicate rows and (classification) inputs seen with more than one label.

    Rows are compared by hashes of their inputs and of their label: one vectorised pass per
    column instead of grouping by every input column.
    """
    kept = frame.loc[check.keep]
    keys = pd.DataFrame({"inputs": _row_keys(kept[inputs]), "label": _row_keys(kept[[label]])})
    dup = keys.duplicated(keep="first").to_numpy()
    check.report.duplicate_rows = int(dup.sum())
    if check.report.duplicate_rows:
        rows = [int(i) + 1 for i in np.flatnonzero(check.keep)[dup][:MAX_SAMPLE_ROWS]]
        check.warn(
            "duplicate_rows",
            f"{check.report.duplicate_rows} rows exactly repeat an earlier row (inputs and label).",
            count=check.report.duplicate_rows,
            rows=rows,
        )
    if not classification:
        return
    labels_per_input = keys[~dup].groupby("inputs", sort=False).size()
    conflicting = labels_per_input[labels_per_input > 1]
    if len(conflicting):
        in_conflict = keys["inputs"].isin(conflicting.index).to_numpy()
        check.report.conflicting_inputs = len(conflicting)
        check.report.conflicting_rows = int(in_conflict.sum())
        rows = [int(i) + 1 for i in np.flatnonzero(check.keep)[in_conflict][:MAX_SAMPLE_ROWS]]
        check.warn(
            "conflicting_labels",
            f"{len(conflicting)} inputs appear with different "
            f"labels ({check.report.conflicting_rows} rows).",
            column=label,
            count=len(conflicting),
            rows=rows,
        )


def _finish(check: _Checker) -> ValidationReport:
    report = check.report
    report.rows_usable = int(check.keep.sum())
    report.rows_dropped = report.rows_total - report.rows_usable
    if report.rows_usable < MIN_USABLE_ROWS:
        report.errors.append(
            ValidationIssue(
                code="too_few_rows",
                message=f"Only {report.rows_usable} usable rows; "
                f"at least {MIN_USABLE_ROWS} are needed.",
            )
        )
    elif report.rows_usable < FEW_ROWS_WARNING:
        report.warnings.append(
            ValidationIssue(code="few_rows", message=f"Only {report.rows_usable} usable rows.")
        )
    report.ok = not report.errors
    return report


def validate_for_task(
    frame: pd.DataFrame, task_type: str, columns: dict[str, Any]
) -> ValidationReport:
    """Report whether `frame` can train `task_type` with the given column mapping."""
    check = _Checker(task_type, len(frame))
    if task_type not in TASK_TYPES:
        check.error(
            "unknown_task_type",
            f"Unknown task type '{task_type}'; expected one of: {', '.join(TASK_TYPES)}.",
        )
        return _finish(check)
    if task_type in OWN_VALIDATORS:
        module, _, name = OWN_VALIDATORS[task_type].partition(":")
        validator = getattr(importlib.import_module(module), name)
        report: ValidationReport = validator(frame, columns)
        return report
    resolved = _resolve_columns(check, frame, task_type, columns)
    if resolved is None:
        return _finish(check)
    inputs, label = resolved
    check.report.input_columns, check.report.label_column = inputs, label
    check.drop(
        _blank(frame[label]), "missing_label", label, "{count} rows have no label and are dropped."
    )
    if task_type == "text_classification":
        _check_text(check, frame, inputs[0])
    if task_type == "tabular_regression":
        _check_regression_target(check, frame, label)
    else:
        _check_classes(check, frame, label)
    if check.keep.any():
        _check_duplicates(check, frame, inputs, label, task_type != "tabular_regression")
    return _finish(check)
