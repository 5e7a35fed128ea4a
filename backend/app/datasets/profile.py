"""Profile a table: row count and exact per-column statistics, columns in parallel.

Per column: missing and unique counts, the most frequent values, min/max (numbers and
datetimes), mean and standard deviation (numbers), text-length percentiles, and the inferred
kind (text, categorical, numeric, boolean, datetime).
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.datasets.convert import map_columns

TOP_VALUES = 10
CATEGORICAL_MAX_UNIQUE = 50
CATEGORICAL_MAX_UNIQUE_SHARE = 0.05
CATEGORICAL_MAX_MEAN_LENGTH = 40
LENGTH_PERCENTILES = (50, 90, 99)


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return _number(value)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _is_numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


def _inferred_type(kind: pa.DataType, present: int, unique: int, mean_length: float) -> str:
    if pa.types.is_boolean(kind):
        return "boolean"
    if _is_numeric(kind) or pa.types.is_decimal(kind):
        return "numeric"
    if pa.types.is_temporal(kind):
        return "datetime"
    if not _is_text(kind) or not present:
        return "text"
    limit = max(CATEGORICAL_MAX_UNIQUE, int(present * CATEGORICAL_MAX_UNIQUE_SHARE))
    short = mean_length <= CATEGORICAL_MAX_MEAN_LENGTH
    return "categorical" if unique <= limit and short and unique < present else "text"


def _value_counts(present: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Each distinct value and how often it occurs (numbers: sorted by numpy, which is faster)."""
    if _is_numeric(present.type):
        values, counts = np.unique(present.to_numpy(), return_counts=True)
        return pa.array(values, present.type), counts
    encoded = pc.dictionary_encode(present.combine_chunks())
    counts = np.bincount(encoded.indices.to_numpy(), minlength=len(encoded.dictionary))
    return encoded.dictionary, counts


def _top_values(values: pa.Array, counts: np.ndarray) -> list[dict[str, Any]]:
    """The most frequent values, most frequent first (ties by value, so stable)."""
    if not len(counts):
        return []
    if len(counts) > TOP_VALUES:
        kth = np.partition(counts, len(counts) - TOP_VALUES)[len(counts) - TOP_VALUES]
        keep = np.flatnonzero(counts >= kth)
        values, counts = values.take(pa.array(keep)), counts[keep]
    table = pa.table({"values": values, "counts": counts})
    keys = [("counts", "descending"), ("values", "ascending")]
    top = table.take(pc.select_k_unstable(table, min(TOP_VALUES, len(table)), keys))
    return [{"value": _json_value(r["values"]), "count": r["counts"]} for r in top.to_pylist()]


def _length_stats(histogram: np.ndarray, present: int) -> dict[str, Any]:
    """Exact min, max, mean and nearest-rank percentiles of text lengths from a histogram."""
    cumulative = np.cumsum(histogram)
    nonzero = np.flatnonzero(histogram)
    stats: dict[str, Any] = {"min": int(nonzero[0]), "max": int(nonzero[-1])}
    for p in LENGTH_PERCENTILES:
        rank = max(1, math.ceil(p / 100 * present))
        stats[f"p{p}"] = int(np.searchsorted(cumulative, rank))
    stats["mean"] = float(np.dot(np.arange(len(histogram)), histogram)) / present
    return stats


def profile_column(name: str, values: pa.ChunkedArray) -> dict[str, Any]:
    """One column's statistics."""
    kind = values.type
    present = values.drop_null()
    distinct, counts = _value_counts(present)
    result: dict[str, Any] = {
        "name": name,
        "dtype": str(kind),
        "missing": values.null_count,
        "unique": len(counts),
    }
    mean_length = 0.0
    if _is_text(kind) and len(present):
        histogram = np.bincount(pc.utf8_length(present).to_numpy())
        result["length"] = _length_stats(histogram, len(present))
        mean_length = result["length"]["mean"]
    inferred = _inferred_type(kind, len(present), len(counts), mean_length)
    result["inferred_type"] = inferred
    if inferred in ("numeric", "datetime") and len(present):
        bounds = pc.min_max(present)
        result.update(
            min=_json_value(bounds["min"].as_py()), max=_json_value(bounds["max"].as_py())
        )
    if inferred == "numeric" and len(present):
        as_float = pc.cast(present, pa.float64())
        result.update(
            mean=_number(pc.mean(as_float).as_py()),
            std=_number(pc.stddev(as_float, ddof=1).as_py() if len(present) > 1 else 0.0),
        )
    result["top_values"] = _top_values(distinct, counts)
    return result


def profile_table(
    table: pa.Table, cast: Callable[[pa.ChunkedArray], pa.ChunkedArray] | None = None
) -> tuple[pa.Table, dict[str, Any]]:
    """Each column cast (when `cast` is given) and profiled, columns in parallel.

    The typed table and the dataset profile: row count and per-column statistics.
    """

    def prepare(index: int) -> tuple[pa.ChunkedArray, dict[str, Any]]:
        values = table.column(index)
        typed = cast(values) if cast else values
        return typed, profile_column(table.column_names[index], typed)

    prepared = map_columns(prepare, list(range(table.num_columns)))
    typed = pa.table([values for values, _ in prepared], names=table.column_names)
    return typed, {"row_count": table.num_rows, "columns": [p for _, p in prepared]}


def column_summaries(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The `columns` field of a dataset: name, storage dtype and inferred type."""
    return [
        {"name": c["name"], "dtype": c["dtype"], "inferred_type": c["inferred_type"]}
        for c in profile["columns"]
    ]
