"""Profile the canonical Parquet file one column at a time (vectorised with pyarrow.compute)."""

import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TOP_VALUES = 10
CATEGORICAL_MAX_UNIQUE = 50
CATEGORICAL_MAX_UNIQUE_SHARE = 0.05
CATEGORICAL_MAX_MEAN_LENGTH = 40
LENGTH_QUANTILES = (0.5, 0.9, 0.99)


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return _number(value)
    return value


def _top_values(values: pa.ChunkedArray) -> list[dict[str, Any]]:
    counts = pc.value_counts(values.drop_null())
    if len(counts) == 0:
        return []
    order = pc.array_sort_indices(counts.field("counts"), order="descending")[:TOP_VALUES]
    top = counts.take(order)
    return [
        {"value": _json_value(item["values"]), "count": int(item["counts"])}
        for item in top.to_pylist()
    ]


def _inferred_type(values: pa.ChunkedArray, unique: int, rows: int) -> str:
    kind = values.type
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "numeric"
    if pa.types.is_temporal(kind):
        return "datetime"
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return "text"
    present = rows - values.null_count
    mean_length = pc.mean(pc.utf8_length(values)).as_py() or 0
    limit = max(CATEGORICAL_MAX_UNIQUE, int(present * CATEGORICAL_MAX_UNIQUE_SHARE))
    short = mean_length <= CATEGORICAL_MAX_MEAN_LENGTH
    return "categorical" if unique <= limit and short and unique < present else "text"


def _numeric_stats(values: pa.ChunkedArray) -> dict[str, Any]:
    as_float = pc.cast(values, pa.float64())
    bounds = pc.min_max(as_float)
    return {
        "min": _number(bounds["min"].as_py()),
        "max": _number(bounds["max"].as_py()),
        "mean": _number(pc.mean(as_float).as_py()),
        "std": _number(pc.stddev(as_float, ddof=1).as_py()),
    }


def _length_stats(values: pa.ChunkedArray) -> dict[str, Any]:
    lengths = pc.utf8_length(values)
    bounds = pc.min_max(lengths)
    quantiles = pc.quantile(lengths, q=list(LENGTH_QUANTILES)).to_pylist()
    stats = {"min": bounds["min"].as_py(), "max": bounds["max"].as_py()}
    for q, value in zip(LENGTH_QUANTILES, quantiles, strict=True):
        stats[f"p{round(q * 100)}"] = _number(value)
    stats["mean"] = _number(pc.mean(lengths).as_py())
    return {"length": stats}


def profile_column(name: str, values: pa.ChunkedArray) -> dict[str, Any]:
    """Type, missing and unique counts, statistics and top values of one column."""
    rows = len(values)
    unique = pc.count_distinct(values, mode="only_valid").as_py()
    inferred = _inferred_type(values, unique, rows)
    column: dict[str, Any] = {
        "name": name,
        "dtype": str(values.type),
        "inferred_type": inferred,
        "missing": values.null_count,
        "unique": unique,
    }
    if inferred == "numeric":
        column.update(_numeric_stats(values))
    elif inferred == "datetime":
        bounds = pc.min_max(values)
        column.update(
            min=_json_value(bounds["min"].as_py()), max=_json_value(bounds["max"].as_py())
        )
    elif inferred in ("text", "categorical") and pa.types.is_string(values.type):
        column.update(_length_stats(values))
    column["top_values"] = _top_values(values)
    return column


def profile_parquet(path: Path) -> dict[str, Any]:
    """The dataset profile: row count and per-column statistics."""
    source = pq.ParquetFile(path)
    columns = [
        profile_column(name, pq.read_table(path, columns=[name]).column(0))
        for name in source.schema_arrow.names
    ]
    return {"row_count": int(source.metadata.num_rows), "columns": columns}


def column_summaries(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The `columns` field of a dataset: name, storage dtype and inferred type."""
    return [
        {"name": c["name"], "dtype": c["dtype"], "inferred_type": c["inferred_type"]}
        for c in profile["columns"]
    ]
