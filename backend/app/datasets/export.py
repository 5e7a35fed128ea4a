"""Downloads: the original file as uploaded, or the canonical rows as a formula-safe CSV."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import pyarrow.parquet as pq

from app.core.config import Settings
from app.datasets.storage import canonical_path, original_path, scan_parquet
from app.db.models import Dataset

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_BATCH_ROWS = 10_000


def escape_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with a quote (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def original_file(settings: Settings, dataset: Dataset) -> Any:
    """Path of the bytes as uploaded."""
    return original_path(settings, dataset.project_id, dataset.id, dataset.format)


def csv_rows(settings: Settings, dataset: Dataset) -> Iterator[bytes]:
    """The canonical rows as UTF-8 (with BOM, for Excel) CSV, streamed in batches."""
    path = canonical_path(settings, dataset.project_id, dataset.id)
    source = pq.ParquetFile(path)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(name) for name in source.schema_arrow.names])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for batch in scan_parquet(path, EXPORT_BATCH_ROWS):
        buffer.seek(0)
        buffer.truncate()
        columns = batch.to_pydict().values()
        for row in zip(*columns, strict=True):
            writer.writerow([escape_cell(value) for value in row])
        yield buffer.getvalue().encode("utf-8")
