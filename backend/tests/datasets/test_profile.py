"""The streaming profile: exact below the tracking cap, estimated (and flagged) above it."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from app.datasets.profile import MAX_TRACKED, profile_parquet


def test_high_cardinality_is_estimated_and_heavy_hitters_kept(tmp_path: Path) -> None:
    distinct = 3 * MAX_TRACKED
    values = [f"用户{i}" for i in range(distinct)] + ["常见"] * 5000
    numbers = np.arange(len(values), dtype=np.int64)
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"name": values, "n": numbers}), path, row_group_size=7000)
    profile = profile_parquet(path)
    name, n = profile["columns"]
    assert name["unique_approx"] is True
    assert abs(name["unique"] - (distinct + 1)) / (distinct + 1) < 0.03
    assert name["top_values"][0] == {"value": "常见", "count": 5000}
    assert n["mean"] == numbers.mean()
    assert abs(n["std"] - numbers.std(ddof=1)) < 1e-6 * numbers.std()
    assert (n["min"], n["max"]) == (0, len(values) - 1)


def test_low_cardinality_is_exact_with_length_percentiles(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 60, size=20_000)
    values = ["字" * int(k) for k in lengths]
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"t": values}), path, row_group_size=3000)
    column = profile_parquet(path)["columns"][0]
    assert column["unique_approx"] is False
    assert column["unique"] == len(set(values))
    stats = column["length"]
    for p in (50, 90, 99):
        assert stats[f"p{p}"] == int(np.percentile(lengths, p, method="inverted_cdf"))
    assert (stats["min"], stats["max"]) == (lengths.min(), lengths.max())
