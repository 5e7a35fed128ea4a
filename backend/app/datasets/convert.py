"""Convert an upload into the canonical Parquet file, in bounded memory.

Text formats are first written as string columns to a staging Parquet file (batch by batch),
then each column's type is inferred on its own (boolean, integer, float, datetime, else text),
and the staging file is cast batch by batch into the canonical file. Values with leading
zeros ("007") stay text, so identifiers and postcodes keep their digits.
"""

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from app.core.errors import UnprocessableInput
from app.datasets.readers import (
    Batches,
    check_column_names,
    read_delimited,
    read_json_array,
    read_jsonl,
    read_txt,
)
from app.datasets.sniff import Sniffed
from app.datasets.xlsx import read_xlsx

NA_TOKENS = ["NA", "N/A", "NaN", "nan", "null", "NULL", "None", "none", "-"]
DATETIME_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
ROW_GROUP_ROWS = 65_536
READERS: dict[str, Callable[[Path, Sniffed], tuple[list[str], Batches]]] = {
    "csv": read_delimited,
    "tsv": read_delimited,
    "txt": read_txt,
    "jsonl": read_jsonl,
    "json": read_json_array,
}


def write_staging(path: Path, sniffed: Sniffed, staging: Path, sheet: str | None) -> int:
    """Parse the upload into string columns in `staging`; the number of rows."""
    if sniffed.format == "xlsx":
        names, batches = read_xlsx(path, sheet)
    else:
        names, batches = READERS[sniffed.format](path, sniffed)
    schema = pa.schema([(name, pa.string()) for name in names])
    rows = 0
    with pq.ParquetWriter(staging, schema) as writer:
        for batch in batches:
            writer.write_batch(batch, row_group_size=ROW_GROUP_ROWS)
            rows += batch.num_rows
    if rows == 0:
        raise UnprocessableInput("The file has a header but no data rows.", code="no_rows")
    return rows


def _present(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trimmed values that are not null and not a missing-value token."""
    trimmed = pc.utf8_trim_whitespace(values)
    mask = pc.and_(pc.is_valid(trimmed), pc.invert(pc.is_in(trimmed, pa.array(NA_TOKENS))))
    return trimmed.filter(mask)


def _parses(values: pa.ChunkedArray, target: pa.DataType) -> bool:
    try:
        pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _datetime_format(values: pa.ChunkedArray) -> str | None:
    for fmt in DATETIME_FORMATS:
        try:
            pc.strptime(values, format=fmt, unit="s")
        except pa.ArrowInvalid:
            continue
        return fmt
    return None


def infer_column(values: pa.ChunkedArray) -> tuple[pa.DataType, str | None]:
    """The narrowest type all present values parse as (and the datetime format, if any)."""
    present = _present(values)
    if len(present) == 0:
        return pa.string(), None
    lowered = pc.utf8_lower(present)
    if pc.all(pc.is_in(lowered, pa.array(["true", "false"]))).as_py():
        return pa.bool_(), None
    leading_zero = pc.any(pc.match_substring_regex(present, r"^[+-]?0[0-9]")).as_py()
    if not leading_zero:
        if _parses(present, pa.int64()):
            return pa.int64(), None
        if _parses(present, pa.float64()):
            return pa.float64(), None
    fmt = _datetime_format(present)
    if fmt is not None:
        return pa.timestamp("s"), fmt
    return pa.string(), None


def _cast(values: pa.Array, target: pa.DataType, fmt: str | None) -> pa.Array:
    if target == pa.string():
        return values
    trimmed = pc.utf8_trim_whitespace(values)
    missing = pc.is_in(trimmed, pa.array(NA_TOKENS))
    cleaned = pc.if_else(missing, pa.scalar(None, pa.string()), trimmed)
    if target == pa.bool_():
        return pc.equal(pc.utf8_lower(cleaned), "true")
    if fmt is not None:
        return pc.strptime(cleaned, format=fmt, unit="s")
    return pc.cast(cleaned, target)


def write_canonical(staging: Path, canonical: Path) -> None:
    """Infer each column's type from `staging` and write the typed canonical Parquet."""
    source = pq.ParquetFile(staging)
    names = source.schema_arrow.names
    inferred = [infer_column(pq.read_table(staging, columns=[n]).column(0)) for n in names]
    schema = pa.schema([(n, t) for n, (t, _) in zip(names, inferred, strict=True)])
    with pq.ParquetWriter(canonical, schema) as writer:
        for batch in source.iter_batches(batch_size=ROW_GROUP_ROWS):
            columns = [_cast(batch.column(i), t, fmt) for i, (t, fmt) in enumerate(inferred)]
            writer.write_batch(pa.record_batch(columns, schema=schema))


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with dictionary-encoded (categorical) columns as their value type."""
    return pa.schema(
        [
            pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
            for f in schema
        ]
    )


def copy_parquet(path: Path, canonical: Path) -> int:
    """Check an uploaded Parquet file and rewrite it as the canonical file; the row count."""
    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnprocessableInput(
            f"Cannot read the Parquet file: {exc}.", code="bad_parquet"
        ) from exc
    schema = _plain_schema(source.schema_arrow)
    check_column_names(schema.names)
    for field in schema:
        if pa.types.is_nested(field.type):
            raise UnprocessableInput(
                f"Column '{field.name}' has the nested type {field.type}; flatten it first.",
                code="unsupported_column_type",
                details={"column": field.name},
            )
    if source.metadata.num_rows == 0:
        raise UnprocessableInput("The Parquet file has no rows.", code="no_rows")
    try:
        with pq.ParquetWriter(canonical, schema) as writer:
            for batch in source.iter_batches(batch_size=ROW_GROUP_ROWS):
                writer.write_table(pa.Table.from_batches([batch]).cast(schema))
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnprocessableInput(
            f"Cannot read the Parquet file: {exc}.", code="bad_parquet"
        ) from exc
    return int(source.metadata.num_rows)
