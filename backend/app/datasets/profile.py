"""Profile a table: row count and exact per-column statistics, columns in parallel.

Per column: missing and unique counts, the most frequent values, min/max (numbers and
datetimes), mean and standard deviation (numbers), text-length percentiles, and the inferred
kind (text, categorical, numeric, boolean, datetime).
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from app.datasets.convert import SAMPLE_ROWS, map_columns

TOP_VALUES = 10
CATEGORICAL_MAX_UNIQUE = 50
CATEGORICAL_MAX_UNIQUE_SHARE = 0.05
CATEGORICAL_MAX_MEAN_LENGTH = 40
LENGTH_PERCENTILES = (50, 90, 99)
PARTITION_MIN_ROWS = 100_000  # longer text columns with mostly distinct values are counted in parts
PARTITIONS = 16


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
    """Each distinct value and how often it occurs (numbers: pandas' hash table, the fastest)."""
    if _is_numeric(present.type):
        codes, values = pd.factorize(present.to_numpy(), use_na_sentinel=False)
        return pa.array(values, present.type), np.bincount(codes, minlength=len(values))
    combined = present.combine_chunks()
    if _mostly_distinct(combined):
        return _partitioned_value_counts(combined)
    return _encoded_counts(combined)


def _encoded_counts(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    encoded = pc.dictionary_encode(values)
    counts = np.bincount(encoded.indices.to_numpy(), minlength=len(encoded.dictionary))
    return encoded.dictionary, counts


def _mostly_distinct(values: pa.Array) -> bool:
    """A long column whose first rows are mostly distinct (free text, identifiers)."""
    if len(values) < PARTITION_MIN_ROWS or not _is_text(values.type):
        return False
    return len(pc.unique(values.slice(0, SAMPLE_ROWS))) > SAMPLE_ROWS // 10


def _partition_keys(values: pa.Array) -> np.ndarray:
    """A key in [0, PARTITIONS) per string, from its byte length and last byte."""
    lengths = pc.binary_length(values).to_numpy(zero_copy_only=False)
    _, offsets_buffer, data_buffer = values.buffers()
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    ends = np.frombuffer(offsets_buffer, offset_type)[
        values.offset + 1 : values.offset + 1 + len(values)
    ]
    data = (
        np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.zeros(1, np.uint8)
    )
    last = np.where(lengths > 0, data[np.maximum(ends - 1, 0)], 0)
    return ((lengths ^ last) & (PARTITIONS - 1)).astype(np.uint8)


def _partitioned_value_counts(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Distinct values and counts, counted in PARTITIONS disjoint parts (equal strings share a key).

    Each part's hash table stays small enough for the CPU caches: for a million mostly
    distinct strings about twice as fast as one table.
    """
    keys = _partition_keys(values)
    grouped = values.take(pa.array(np.argsort(keys, kind="stable")))
    dictionaries, counts, start = [], [], 0
    for size in np.bincount(keys, minlength=PARTITIONS):
        part_values, part_counts = _encoded_counts(grouped.slice(start, size))
        dictionaries.append(part_values)
        counts.append(part_counts)
        start += size
    return pa.concat_arrays(dictionaries), np.concatenate(counts)


def _kth_largest(counts: np.ndarray, k: int) -> int:
    """The k-th largest count, from a histogram of the counts (np.partition crawls on ties)."""
    at_least = np.cumsum(np.bincount(counts)[::-1])[::-1]  # at_least[c]: how many counts >= c
    return int(np.flatnonzero(at_least >= k)[-1])


def _top_values(values: pa.Array, counts: np.ndarray) -> list[dict[str, Any]]:
    """The most frequent values, most frequent first (ties by value, so stable)."""
    if not len(counts):
        return []
    if len(counts) > TOP_VALUES:
        keep = np.flatnonzero(counts >= _kth_largest(counts, TOP_VALUES))
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
