"""The profile: exact counts, heavy hitters, numeric moments, length percentiles, types."""

from collections import Counter

import numpy as np
import pyarrow as pa

from app.datasets.convert import cast_column
from app.datasets.profile import profile_table


def test_high_cardinality_counts_are_exact_and_heavy_hitters_kept() -> None:
    distinct = 30_000
    values = [f"用户{i}" for i in range(distinct)] + ["常见"] * 5000
    numbers = np.arange(len(values), dtype=np.int64)
    table = pa.Table.from_batches(pa.table({"name": values, "n": numbers}).to_batches(7000))
    _, profile = profile_table(table)
    name, n = profile["columns"]
    assert profile["row_count"] == len(values)
    assert name["unique"] == distinct + 1
    assert name["top_values"][0] == {"value": "常见", "count": 5000}
    assert [t["value"] for t in name["top_values"][1:4]] == ["用户0", "用户1", "用户10"]
    assert n["unique"] == len(values)
    assert n["mean"] == numbers.mean()
    assert abs(n["std"] - numbers.std(ddof=1)) < 1e-6 * numbers.std()
    assert (n["min"], n["max"]) == (0, len(values) - 1)
    assert n["top_values"][:2] == [{"value": 0, "count": 1}, {"value": 1, "count": 1}]


def test_low_cardinality_text_has_exact_length_percentiles() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 60, size=20_000)
    values = ["字" * int(k) for k in lengths]
    column = profile_table(pa.table({"t": values}))[1]["columns"][0]
    assert column["unique"] == len(set(values))
    assert column["inferred_type"] == "categorical"
    stats = column["length"]
    for p in (50, 90, 99):
        assert stats[f"p{p}"] == int(np.percentile(lengths, p, method="inverted_cdf"))
    assert (stats["min"], stats["max"]) == (lengths.min(), lengths.max())


def test_types_are_inferred_per_column_from_all_rows() -> None:
    """A value past the first sample that does not parse keeps its column as text."""
    rows = 25_000
    late_text = [str(i) for i in range(rows - 1)] + ["n/a?"]
    table = pa.table(
        {
            "int": [str(i) for i in range(rows)],
            "late_text": late_text,
            "zip": ["0" + str(i % 9 + 1) for i in range(rows)],
            "flag": ["True" if i % 2 else "false" for i in range(rows)],
            "day": [f"2024-01-{i % 28 + 1:02d}" for i in range(rows)],
            "gaps": [" 1.5 " if i % 3 else "NA" for i in range(rows)],
            "empty": pa.array([None] * rows, pa.string()),
        }
    )
    typed, profile = profile_table(table, cast=cast_column)
    assert [str(t) for t in typed.schema.types] == [
        "int64",
        "string",
        "string",
        "bool",
        "timestamp[ms]",
        "double",
        "string",
    ]
    columns = {c["name"]: c for c in profile["columns"]}
    assert columns["gaps"]["missing"] == len(range(0, rows, 3))
    assert columns["gaps"]["mean"] == 1.5
    assert columns["flag"]["inferred_type"] == "boolean"
    assert columns["day"]["min"] == "2024-01-01T00:00:00"
    assert columns["empty"]["top_values"] == [] and columns["empty"]["missing"] == rows


def test_long_mostly_distinct_text_is_counted_exactly() -> None:
    """Past PARTITION_MIN_ROWS distinct values are counted in parts; the result is the same."""
    rng = np.random.default_rng(1)
    rows = 150_000
    values = [f"评论{int(i)}" if i % 7 else f"c{int(i)}" for i in rng.integers(0, 120_000, rows)]
    values[::1000] = ["常见"] * len(values[::1000])
    values[5::1000] = [""] * len(values[5::1000])
    column = profile_table(pa.table({"t": values}))[1]["columns"][0]
    expected = Counter(values)
    assert column["unique"] == len(expected)
    top = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(t["value"], t["count"]) for t in column["top_values"]] == top


def test_leading_zeros_past_the_sample_and_date_formats() -> None:
    rows = 25_000
    table = pa.table(
        {
            "code": [str(i + 1) for i in range(rows - 1)] + ["-007"],
            "iso": [f"2024-03-{i % 28 + 1:02d}T08:30:00" for i in range(rows)],
            "slashed": [f"2024/03/{i % 28 + 1:02d}" for i in range(rows)],
        }
    )
    typed, _ = profile_table(table, cast=cast_column)
    assert [str(t) for t in typed.schema.types] == ["string", "timestamp[ms]", "timestamp[ms]"]


def test_repetitive_column_is_cast_once_per_distinct_value() -> None:
    """Values equal once typed (" 5", "5", "5.0") merge; NA tokens count as missing."""
    rows = 40_000
    spellings = [" 5", "5", "5.0", "NA", "2.5", "-1", None]
    values = [spellings[i % len(spellings)] for i in range(rows)]
    typed, profile = profile_table(pa.table({"x": values}), cast=cast_column)
    assert typed.schema.types == [pa.float64()]  # plain values, not dictionary-encoded
    numbers = [float(v) for v in values if v not in ("NA", None)]
    assert typed.column("x").to_pylist() == [
        None if v in ("NA", None) else float(v) for v in values
    ]
    column = profile["columns"][0]
    counts = Counter(numbers)
    assert column["missing"] == rows - len(numbers)
    assert column["unique"] == len(counts) == 3
    assert column["top_values"] == [{"value": 5.0, "count": counts[5.0]}] + [
        {"value": v, "count": counts[v]} for v in (-1.0, 2.5)
    ]
    assert abs(column["mean"] - np.mean(numbers)) < 1e-12
    assert abs(column["std"] - np.std(numbers, ddof=1)) < 1e-12
    assert (column["min"], column["max"]) == (-1.0, 5.0)


def test_integers_narrow_and_wide_ranges_count_the_same() -> None:
    """Ids are counted by one bincount, wide-ranged integers by hashing: same statistics.

    The wide values pass 2**53, where a checked cast to float (for the mean) used to fail.
    """
    narrow = np.arange(-20_000, 20_000, dtype=np.int64) % 30_000 - 5
    wide = narrow * 10**12
    profile = profile_table(pa.table({"narrow": narrow, "wide": wide}))[1]
    for column, numbers in zip(profile["columns"], (narrow, wide), strict=True):
        counts = Counter(numbers.tolist())
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]
        assert column["unique"] == len(counts)
        assert [(t["value"], t["count"]) for t in column["top_values"]] == top
        assert (column["min"], column["max"]) == (int(numbers.min()), int(numbers.max()))
        assert abs(column["mean"] - numbers.mean()) <= 1e-9 * abs(numbers).max()


def test_range_counts_at_the_ends_of_small_and_unsigned_types() -> None:
    """int8 spanning its whole range and uint64 near 2**64 count without wrapping around."""
    small = pa.array(np.tile(np.arange(-128, 128, dtype=np.int8), 3))
    big = pa.array(np.arange(2**64 - 1000, 2**64 - 1, dtype=np.uint64))
    profile = profile_table(pa.table({"small": small, "big": big[: len(small)]}))[1]
    tiny, huge = profile["columns"]
    assert tiny["unique"] == 256 and tiny["top_values"][0] == {"value": -128, "count": 3}
    assert (tiny["min"], tiny["max"]) == (-128, 127)
    assert huge["unique"] == len(small) and huge["top_values"][0]["value"] == 2**64 - 1000
    assert huge["max"] == 2**64 - 1000 + len(small) - 1


def test_numeric_columns_get_a_histogram_weighted_by_counts() -> None:
    values = [1.0] * 30 + [2.0] * 10 + [10.0] * 5 + [None] * 3
    _, profile = profile_table(pa.table({"x": values, "label": ["甲"] * len(values)}))
    x, label = profile["columns"]
    histogram = x["histogram"]
    assert sum(histogram["counts"]) == 45
    assert len(histogram["edges"]) == len(histogram["counts"]) + 1
    assert histogram["edges"][0] == 1.0 and histogram["edges"][-1] == 10.0
    assert histogram["counts"] == [40, 0, 5]  # 3 distinct values: 3 equal-width bins over 1..10
    assert "histogram" not in label
