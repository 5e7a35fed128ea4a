"""Check a table against a task before any job is queued (pure: pandas, numpy, pydantic only).

Errors block training; warnings are shown but do not. The task type's registry entry says
which columns it needs (roles: one name or a list, required or not, which kinds of values) and
which rules to run, in order; `RULES` holds each rule. Rows without a label (or, for text,
without text) are dropped and counted per reason.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from app.datasets.percentiles import LENGTH_PERCENTILES, percentiles
from app.trainers.task_types import (
    TASK_TYPES,
    ColumnRole,
    TaskTypeSpec,
    UnknownTaskTypeError,
    task_spec,
)

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


@dataclass
class _Columns:
    """The mapping resolved: column names per role, the inputs, and the predicted column."""

    by_role: dict[str, list[str]]
    inputs: list[str]
    label: str
    hashes: dict[str, np.ndarray] = field(default_factory=dict)


def _mapping_shape(spec: TaskTypeSpec) -> str:
    parts = [f"'{r.name}': {'[...]' if r.multiple else '...'}" for r in spec.roles]
    return "{" + ", ".join(parts) + "}"


def _role_value(
    check: _Checker, spec: TaskTypeSpec, role: ColumnRole, value: Any
) -> list[str] | None:
    """The column names given for one role, or None after an error (None value → [])."""
    if value is None and not role.required:
        return []
    if role.multiple and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(dict.fromkeys(value))
    if not role.multiple and isinstance(value, str):
        return [value]
    kind = "a list of column names" if role.multiple else "one column name"
    if not role.required:
        kind += " or null"
    check.error(
        "bad_mapping",
        f"{spec.label.en} needs columns {_mapping_shape(spec)}: '{role.name}' must be {kind}.",
        column=role.name,
    )
    return None


def _kinds(series: pd.Series) -> set[str]:
    """The column kinds (as a role's `dtypes` name them) a pandas column counts as."""
    if pd.api.types.is_bool_dtype(series):
        return {"boolean"}
    if pd.api.types.is_numeric_dtype(series):
        return {"numeric"}
    if pd.api.types.is_datetime64_any_dtype(series):
        return {"datetime"}
    return {"text", "categorical"}


def _check_kinds(check: _Checker, frame: pd.DataFrame, role: ColumnRole, names: list[str]) -> bool:
    ok = True
    for name in names:
        kinds = _kinds(frame[name])
        if role.dtypes and not kinds & set(role.dtypes):
            check.error(
                "column_type",
                f"The {role.label.en.lower()} '{name}' holds {'/'.join(sorted(kinds))} values; "
                f"it must hold {' or '.join(role.dtypes)} values.",
                column=name,
            )
            ok = False
    return ok


def _resolve_columns(
    check: _Checker, frame: pd.DataFrame, spec: TaskTypeSpec, columns: dict[str, Any]
) -> _Columns | None:
    """The column names of every role, or None after an error."""
    by_role: dict[str, list[str]] = {}
    for role in spec.roles:
        names = _role_value(check, spec, role, columns.get(role.name))
        if names is None:
            return None
        where = {
            f"{role.name} #{i + 1}" if role.multiple else role.name: n for i, n in enumerate(names)
        }
        if not _columns_exist(check, frame, where):
            return None
        by_role[role.name] = names
    used: dict[str, str] = {}
    for role in spec.roles:
        for name in by_role[role.name]:
            if name in used:
                check.error(
                    "bad_mapping",
                    f"Column '{name}' cannot be both the {used[name]} and the {role.name}.",
                    column=name,
                )
                return None
            used[name] = role.name
    for role in spec.roles:
        if role.all_others_when_empty and columns.get(role.name) is None:
            by_role[role.name] = [c for c in frame.columns if c not in used]
        if role.multiple and not by_role[role.name]:
            check.error(
                f"no_{role.name}",
                f"There are no {role.label.en.lower()} besides the other roles' columns.",
            )
            return None
        if not _check_kinds(check, frame, role, by_role[role.name]):
            return None
    inputs = [name for role in spec.input_roles for name in by_role[role.name]]
    return _Columns(by_role, inputs, by_role[spec.target_role.name][0])


def _check_missing_label(check: _Checker, frame: pd.DataFrame, columns: _Columns) -> None:
    label = columns.label
    check.drop(
        _blank(frame[label]), "missing_label", label, "{count} rows have no label and are dropped."
    )


def _check_text(check: _Checker, frame: pd.DataFrame, columns: _Columns) -> None:
    text = columns.by_role["text"][0]
    series = frame[text]
    check.drop(_blank(series), "empty_text", text, "{count} rows have no text and are dropped.")
    lengths = series[check.keep].astype("string").str.len().dropna().to_numpy(dtype=float)
    if len(lengths):
        p50, p90, p99 = percentiles(lengths, LENGTH_PERCENTILES)
        check.report.text_length = {
            "min": float(lengths.min()),
            "mean": float(lengths.mean()),
            "p50": p50,
            "p90": p90,
            "p99": p99,
            "max": float(lengths.max()),
        }


def _check_regression_target(check: _Checker, frame: pd.DataFrame, columns: _Columns) -> None:
    target = columns.label
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


def _check_classes(check: _Checker, frame: pd.DataFrame, columns: _Columns) -> None:
    label = columns.label
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


def _hashes(check: _Checker, frame: pd.DataFrame, columns: _Columns) -> pd.DataFrame:
    """Per kept row: a hash of its inputs and of its label, and whether it repeats a row.

    Rows are compared by hashes: one vectorised pass per column instead of grouping by every
    input column. Computed once per run and shared by the duplicate and conflict rules.
    """
    if not columns.hashes:
        kept = frame.loc[check.keep]
        columns.hashes["inputs"] = _row_keys(kept[columns.inputs])
        columns.hashes["label"] = _row_keys(kept[[columns.label]])
    keys = pd.DataFrame(columns.hashes)
    return keys.assign(repeat=keys.duplicated(keep="first").to_numpy())


def _check_duplicates(check: _Checker, frame: pd.DataFrame, columns: _Columns) -> None:
    """Exact duplicate rows (inputs and label)."""
    if not check.keep.any():
        return
    dup = _hashes(check, frame, columns)["repeat"].to_numpy()
    check.report.duplicate_rows = int(dup.sum())
    if check.report.duplicate_rows:
        rows = [int(i) + 1 for i in np.flatnonzero(check.keep)[dup][:MAX_SAMPLE_ROWS]]
        check.warn(
            "duplicate_rows",
            f"{check.report.duplicate_rows} rows exactly repeat an earlier row (inputs and label).",
            count=check.report.duplicate_rows,
            rows=rows,
        )


def _check_conflicts(check: _Checker, frame: pd.DataFrame, columns: _Columns) -> None:
    """Inputs seen with more than one label."""
    if not check.keep.any():
        return
    keys = _hashes(check, frame, columns)
    labels_per_input = keys[~keys["repeat"]].groupby("inputs", sort=False).size()
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
            column=columns.label,
            count=len(conflicting),
            rows=rows,
        )


Rule = Callable[[_Checker, pd.DataFrame, _Columns], None]

# The rules a task type's registry entry can name, in the order it lists them.
RULES: dict[str, Rule] = {
    "missing_label": _check_missing_label,
    "empty_text": _check_text,
    "numeric_target": _check_regression_target,
    "classes": _check_classes,
    "duplicates": _check_duplicates,
    "conflicting_labels": _check_conflicts,
}


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
    try:
        spec = task_spec(task_type)
    except UnknownTaskTypeError:
        check.error(
            "unknown_task_type",
            f"Unknown task type '{task_type}'; expected one of: {', '.join(TASK_TYPES)}.",
        )
        return _finish(check)
    if spec.validator:
        module, _, name = spec.validator.partition(":")
        validator = getattr(importlib.import_module(module), name)
        report: ValidationReport = validator(frame, columns)
        return report
    resolved = _resolve_columns(check, frame, spec, columns)
    if resolved is None:
        return _finish(check)
    check.report.input_columns, check.report.label_column = resolved.inputs, resolved.label
    for rule in spec.validation_rules:
        RULES[rule](check, frame, resolved)
    return _finish(check)
