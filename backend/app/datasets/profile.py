"""Profile the canonical Parquet file in one streaming pass, in bounded memory.

Counts, sums, min/max and text-length histograms are exact. Distinct values are tracked
exactly up to MAX_TRACKED per column; past that the unique count is a HyperLogLog estimate
(fed the distinct values seen so far, then every later value)
(about 1% error, `unique_approx: true`) and top values keep the MAX_TRACKED most frequent
candidates seen (space-saving style), so their counts may be slight undercounts.
"""

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pandas.util import hash_array

from app.datasets.storage import scan_parquet

TOP_VALUES = 10
MAX_TRACKED = 10_000
BATCH_ROWS = 32_768  # one canonical row group
HLL_BITS = 14
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


class _HyperLogLog:
    """Distinct-count estimate from 2**HLL_BITS registers of 64-bit hashes."""

    def __init__(self) -> None:
        self.registers = np.zeros(1 << HLL_BITS, dtype=np.uint8)

    def add(self, values: pa.Array) -> None:
        hashes = hash_array(values.to_numpy(zero_copy_only=False), categorize=False)
        index = (hashes >> np.uint64(64 - HLL_BITS)).astype(np.int64)
        rest = (hashes << np.uint64(HLL_BITS)) | np.uint64(1 << (HLL_BITS - 1))
        _, exponent = np.frexp(rest.astype(np.float64))
        np.maximum.at(self.registers, index, (65 - exponent).astype(np.uint8))

    def estimate(self) -> int:
        m = len(self.registers)
        raw = 0.7213 / (1 + 1.079 / m) * m * m / float(np.sum(2.0 ** -self.registers.astype(float)))
        zeros = int(np.count_nonzero(self.registers == 0))
        if raw <= 2.5 * m and zeros:
            return round(m * math.log(m / zeros))
        return round(raw)


class _Column:
    """Running statistics of one column."""

    def __init__(self, name: str, kind: pa.DataType) -> None:
        self.name, self.kind = name, kind
        self.rows = self.missing = 0
        self.counts: list[pa.Table] = []
        self.count_rows = 0
        self.overflowed = False
        self.hll = _HyperLogLog()
        self.numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind)
        self.text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        self.total = self.squares = 0.0
        self.low: Any = None
        self.high: Any = None
        self.lengths = np.zeros(0, dtype=np.int64)

    def add(self, values: pa.Array) -> None:
        self.rows += len(values)
        self.missing += values.null_count
        present = values.drop_null()
        if len(present) == 0:
            return
        self._track_values(present)
        if self.numeric or pa.types.is_temporal(self.kind):
            bounds = pc.min_max(present)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            self.low = low if self.low is None else min(self.low, low)
            self.high = high if self.high is None else max(self.high, high)
        if self.numeric:
            as_float = pc.cast(present, pa.float64())
            self.total += pc.sum(as_float).as_py()
            self.squares += pc.sum(pc.multiply(as_float, as_float)).as_py()
        if self.text:
            counts = np.bincount(pc.utf8_length(present).to_numpy())
            size = max(len(counts), len(self.lengths))
            self.lengths = np.pad(self.lengths, (0, size - len(self.lengths)))
            self.lengths[: len(counts)] += counts

    def _track_values(self, present: pa.Array) -> None:
        if self.overflowed:
            self.hll.add(present)
        counts = pc.value_counts(present)
        self.counts.append(pa.table({"values": counts.field(0), "counts": counts.field(1)}))
        self.count_rows += len(counts)
        if self.count_rows > 2 * MAX_TRACKED:
            self._compact()

    def _compact(self) -> pa.Table:
        """Merge the per-batch counts; keep the MAX_TRACKED most frequent once past it."""
        merged = (
            pa.concat_tables(self.counts)
            .group_by("values", use_threads=False)
            .aggregate([("counts", "sum")])
        )
        merged = merged.rename_columns(["values", "counts"])
        if merged.num_rows > MAX_TRACKED:
            if not self.overflowed:  # every distinct value so far, once: same registers
                self.hll.add(merged.column("values").combine_chunks())
            self.overflowed = True
            order = pc.select_k_unstable(merged, MAX_TRACKED, [("counts", "descending")])
            merged = merged.take(order)
        self.counts, self.count_rows = [merged], merged.num_rows
        return merged

    def unique(self, merged: pa.Table) -> int:
        return self.hll.estimate() if self.overflowed else merged.num_rows

    def inferred_type(self, unique: int) -> str:
        if pa.types.is_boolean(self.kind):
            return "boolean"
        if self.numeric or pa.types.is_decimal(self.kind):
            return "numeric"
        if pa.types.is_temporal(self.kind):
            return "datetime"
        present = self.rows - self.missing
        if not self.text or not present:
            return "text"
        mean_length = float(np.dot(np.arange(len(self.lengths)), self.lengths)) / present
        limit = max(CATEGORICAL_MAX_UNIQUE, int(present * CATEGORICAL_MAX_UNIQUE_SHARE))
        short = mean_length <= CATEGORICAL_MAX_MEAN_LENGTH
        return "categorical" if unique <= limit and short and unique < present else "text"

    def summary(self) -> dict[str, Any]:
        merged = self._compact() if self.counts else None
        unique = self.unique(merged) if merged is not None else 0
        inferred = self.inferred_type(unique)
        result: dict[str, Any] = {
            "name": self.name,
            "dtype": str(self.kind),
            "inferred_type": inferred,
            "missing": self.missing,
            "unique": unique,
            "unique_approx": self.overflowed,
        }
        present = self.rows - self.missing
        if inferred in ("numeric", "datetime"):
            result.update(min=_json_value(self.low), max=_json_value(self.high))
        if inferred == "numeric" and present:
            mean = self.total / present
            variance = (self.squares - present * mean * mean) / (present - 1) if present > 1 else 0
            result.update(mean=_number(mean), std=_number(math.sqrt(max(variance, 0.0))))
        if self.text and present:
            result["length"] = _length_stats(self.lengths, present)
        result["top_values"] = _top_values(merged) if merged is not None else []
        return result


def _top_values(merged: pa.Table) -> list[dict[str, Any]]:
    """The most frequent values, most frequent first (ties by value, so stable)."""
    order = pc.sort_indices(merged, [("counts", "descending"), ("values", "ascending")])
    top = merged.take(order[:TOP_VALUES]).to_pylist()
    return [{"value": _json_value(row["values"]), "count": row["counts"]} for row in top]


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


def profile_parquet(path: Path) -> dict[str, Any]:
    """The dataset profile: row count and per-column statistics, in one streaming pass."""
    source = pq.ParquetFile(path)
    columns = [_Column(f.name, f.type) for f in source.schema_arrow]
    for batch in scan_parquet(path, BATCH_ROWS):
        for column, values in zip(columns, batch.columns, strict=True):
            column.add(values)
    return {
        "row_count": int(source.metadata.num_rows),
        "columns": [column.summary() for column in columns],
    }


def column_summaries(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """The `columns` field of a dataset: name, storage dtype and inferred type."""
    return [
        {"name": c["name"], "dtype": c["dtype"], "inferred_type": c["inferred_type"]}
        for c in profile["columns"]
    ]
