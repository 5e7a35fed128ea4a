"""Turn a received file into the canonical Parquet file and its profile (runs in a thread)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.datasets.convert import cast_column, read_parquet, read_strings, write_canonical
from app.datasets.profile import column_summaries, profile_table
from app.datasets.sniff import sniff
from app.datasets.storage import CANONICAL_NAME


@dataclass(frozen=True)
class Ingested:
    """What conversion learned about the file."""

    format: str
    encoding: str | None
    row_count: int
    columns: list[dict[str, Any]]
    profile: dict[str, Any]


def ingest(source: Path, filename: str, work_dir: Path, *, sheet: str | None = None) -> Ingested:
    """Detect, parse, type and profile `source`, writing the canonical file into `work_dir`.

    The profile's `warnings` list what was read but may not be what the person expects.
    """
    sniffed = sniff(source, filename)
    warnings: list[dict[str, Any]] = []
    if sniffed.format == "parquet":
        table, profile = profile_table(read_parquet(source))
    else:
        strings = read_strings(source, sniffed, sheet, warnings)
        table, profile = profile_table(strings, cast=cast_column)
    profile["warnings"] = warnings
    repetitive = [c["name"] for c in profile["columns"] if c["unique"] <= table.num_rows // 10]
    write_canonical(table, work_dir / CANONICAL_NAME, repetitive)
    return Ingested(
        format=sniffed.format,
        encoding=sniffed.encoding,
        row_count=profile["row_count"],
        columns=column_summaries(profile),
        profile=profile,
    )
