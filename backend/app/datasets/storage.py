"""Where dataset files live: DATA_STORAGE_PATH/<project id>/<dataset id>/ under generated names."""

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from app.core.config import Settings

CANONICAL_NAME = "data.parquet"
ORIGINAL_STEM = "original"
TMP_DIR_NAME = ".tmp"


def dataset_dir(settings: Settings, project_id: uuid.UUID, dataset_id: uuid.UUID) -> Path:
    """The folder holding one dataset's files."""
    return Path(settings.data_storage_path) / str(project_id) / str(dataset_id)


def canonical_path(settings: Settings, project_id: uuid.UUID, dataset_id: uuid.UUID) -> Path:
    """The canonical Parquet file every later read uses."""
    return dataset_dir(settings, project_id, dataset_id) / CANONICAL_NAME


def original_path(
    settings: Settings, project_id: uuid.UUID, dataset_id: uuid.UUID, fmt: str
) -> Path:
    """The uploaded bytes as received, under a generated name."""
    return dataset_dir(settings, project_id, dataset_id) / f"{ORIGINAL_STEM}.{fmt}"


def tmp_root(settings: Settings) -> Path:
    """The staging folder for uploads in progress (same disk, so renames are atomic)."""
    path = Path(settings.data_storage_path) / TMP_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_dataset_files(settings: Settings, project_id: uuid.UUID, dataset_id: uuid.UUID) -> None:
    """Delete a dataset's folder (no error when it is already gone)."""
    shutil.rmtree(dataset_dir(settings, project_id, dataset_id), ignore_errors=True)


def scan_parquet(path: Path, batch_rows: int = 16_384) -> Iterator[pa.RecordBatch]:
    """Batches of a Parquet file, one row group in memory at a time.

    `ParquetFile.iter_batches` reads ahead tens of MB; this keeps memory to one row group.
    """
    source = pq.ParquetFile(path)
    for index in range(source.metadata.num_row_groups):
        yield from source.read_row_group(index, use_threads=False).to_batches(batch_rows)
