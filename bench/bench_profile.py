"""Benchmark: profiling a 1M-row CSV, as a ratio to reading it with pyarrow alone.

Baseline: `pyarrow.csv.read_csv` of the file (pyarrow's defaults: all cores, its own type
inference), in the same run. Measured, alternating with the baseline (best of 5 each):
profiling the CSV (sniff, parse to text columns, infer and cast types, profile), the profile
step alone (on the typed table), and the whole conversion at upload (`ingest`: all of that plus
writing the canonical Parquet). Also the process's peak RSS growth during `ingest` (large
uploads convert in a child process, so this is that child's growth). Writes its section of
docs/benchmarks.md.

    .venv/bin/python bench/bench_profile.py [--rows 1000000]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_upload import BACKEND, make_csv, write_section

sys.path.insert(0, str(BACKEND))
from app.datasets.convert import cast_column, read_strings
from app.datasets.ingest import ingest
from app.datasets.profile import profile_table
from app.datasets.sniff import sniff


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _profile_csv(source: Path) -> dict[str, object]:
    """What profiling a CSV costs: sniff, parse, type, profile (no Parquet written)."""
    sniffed = sniff(source, source.name)
    return profile_table(read_strings(source, sniffed, None), cast=cast_column)[1]


def run(rows: int, rounds: int) -> dict[str, float]:
    """Run the benchmark once and return its measurements."""
    with tempfile.TemporaryDirectory(prefix="bench_profile_") as tmp:
        work = Path(tmp)
        source = work / "rows.csv"
        make_csv(source, rows=rows)
        size_mb = source.stat().st_size / 1024 / 1024
        small = work / "small"
        small.mkdir()
        make_csv(small / "warm.csv", rows=20_000)
        ingest(small / "warm.csv", "warm.csv", small)
        pacsv.read_csv(source)  # page cache and pools warm for both sides
        Path("/proc/self/clear_refs").write_text("5")
        before = _rss_kb()
        result = ingest(source, "rows.csv", work)
        growth_mb = (_peak_kb() - before) / 1024
        strings = read_strings(source, sniff(source, "rows.csv"), None)
        typed = profile_table(strings, cast=cast_column)[0]
        best = dict.fromkeys(("pyarrow", "profile_csv", "profile_step", "ingest"), float("inf"))
        for _ in range(rounds):
            for name, action in (
                ("pyarrow", lambda: pacsv.read_csv(source)),
                ("profile_csv", lambda: _profile_csv(source)),
                ("profile_step", lambda: profile_table(typed)),
                ("ingest", lambda: ingest(source, "rows.csv", work)),
            ):
                best[name] = min(best[name], _timed(action))
    return {
        "rows": result.row_count,
        "size_mb": size_mb,
        "pyarrow_s": best["pyarrow"],
        "profile_csv_s": best["profile_csv"],
        "profile_step_s": best["profile_step"],
        "ingest_s": best["ingest"],
        "ratio_profile_csv": best["profile_csv"] / best["pyarrow"],
        "ratio_profile_step": best["profile_step"] / best["pyarrow"],
        "ratio_ingest": best["ingest"] / best["pyarrow"],
        "rss_growth_mb": growth_mb,
        "rounds": rounds,
        "load_1m": os.getloadavg()[0],
    }


def report(r: dict[str, float]) -> str:
    """The Markdown section for docs/benchmarks.md."""
    ok = lambda good: "met" if good else "**missed**"  # noqa: E731
    return f"""## Profiling: {r["rows"]:,}-row CSV ({r["size_mb"]:.0f} MB) (`bench/bench_profile.py`)

Baseline: `pyarrow.csv.read_csv` of the same file (all cores, pyarrow's own type inference),
measured in the same run, alternating with the platform's steps; best of {r["rounds"]} each.
7 columns: integer id, integer, float, two categories, date, Chinese free text (830k distinct).

| measure | value | target |
|---|---|---|
| pyarrow read (baseline) | {r["pyarrow_s"]:.3f} s | |
| **profiling the CSV** (sniff, parse, infer and cast types, profile) | {r["profile_csv_s"]:.3f} s = **{r["ratio_profile_csv"]:.2f}× pyarrow read** | ≤ 2× ({ok(r["ratio_profile_csv"] <= 2)}) |
| profile step alone (on the typed table) | {r["profile_step_s"]:.3f} s = {r["ratio_profile_step"]:.2f}× pyarrow read | |
| whole conversion at upload (the above + canonical Parquet written) | {r["ingest_s"]:.3f} s = {r["ratio_ingest"]:.2f}× pyarrow read | |
| peak RSS growth during the whole conversion | {r["rss_growth_mb"]:.0f} MB | |

The platform's pass does more than the baseline: it reads every column as text and infers
types itself (values with leading zeros stay text, whitespace is trimmed, NA tokens become
missing, ISO and slashed dates), and counts every column's distinct values exactly. The
end-to-end ratio is the string read (about one baseline once the quoted-newline scan is
skipped) plus casting and profiling on the same two cores, which run at about 1.5–1.9× one
core's speed together (measured: one worker vs two on the same table; run side by side,
each column's steps take 1.5–2× as long as alone, so this work is bound by memory, not by the
GIL). Across runs on the shared machine (2026-11-28 and -29) the end-to-end ratio moved
between 2.35× and 3.0× with the same code, so the ≤ 2× target is still missed; what is left
is ~200 ms of column work on two cores after a read of ~one baseline, a third of it the exact
distinct count of the 830k-distinct text column (string hashing is ~60% of all column CPU).

Latest change (2026-11-29): text columns that repeat (categories, cities) are counted by
Arrow's grouping hash table (`group_by(...).aggregate(count_all)`) instead of dictionary
encoding: 16.5 → 11 ms per 1M-value column. For the 16 parts of a mostly-distinct column the
grouping's setup costs more than it saves, so they keep encoding (88 → 93–101 ms when tried).

An earlier round: a CSV without the quote character is read without
`newlines_in_values` (pyarrow then splits blocks at any line break: ~190 → ~127 ms on this
file; a memory-mapped byte search, ~6 ms, decides); a long column whose first 10,000 values
repeat is dictionary-encoded once and only its distinct values are cleaned and cast (10,000
instead of 1M strings parsed as numbers or dates), and the profile counts it from the codes
without hashing again; integers whose range is at most 4× the row count are counted with one
`bincount` (1M distinct ids: 62 → 9 ms, and the ten smallest tied values are picked with
`bottom_k` instead of sorting a million); candidate types are rejected on the first 100 values
before the 10,000-value sample (a failing cast of the sample cost ~5–10 ms per text column);
means, deviations and text-length percentiles come from distinct values and their counts;
the largest columns are scheduled first so the longest task does not start last; the 16
partitions of a mostly-distinct text column are gathered and counted as separate tasks on
both cores (1M strings: ~95 → ~70 ms). Earlier rounds: numbers
counted with pandas' hash table instead of a sort, the top values' threshold from a histogram
of the counts, mostly-distinct text counted in 16 parts that stay in cache, ISO dates by
Arrow's cast, the leading-zero regex only on values starting with 0, and a column cast from its
raw strings before any trimming. Conversion holds the table in memory, in a child process for
large uploads, so the API process does not grow.
1-minute load average of the shared 2-core machine at the end of this run: {r["load_1m"]:.1f}.
"""


def main() -> None:
    """Parse arguments, run, print and record the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = run(args.rows, args.rounds)
    print(json.dumps(results, indent=2))
    write_section("bench_profile", report(results))


if __name__ == "__main__":
    main()
