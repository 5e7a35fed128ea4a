"""Convert an upload into the canonical Parquet file, in bounded memory.

Text formats are first written as string columns to a staging Arrow IPC file (batch by batch),
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
from app.datasets.storage import scan_parquet
from app.datasets.xlsx import read_xlsx

NA_TOKENS = ["NA", "N/A", "NaN", "nan", "null", "NULL", "None", "none", "-"]
DATETIME_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
ROW_GROUP_ROWS = 32_768
SCAN_ROWS = 16_384  # small batches keep each step's temporary arrays small
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
    with pa.OSFile(str(staging), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        rows = _write_grouped(writer, schema, batches, SCAN_ROWS)
    if rows == 0:
        raise UnprocessableInput("The file has a header but no data rows.", code="no_rows")
    return rows


def _write_grouped(
    writer: pq.ParquetWriter | pa.ipc.RecordBatchFileWriter,
    schema: pa.Schema,
    batches: Batches,
    group_rows: int,
) -> int:
    """Write batches regrouped into pieces of about `group_rows` rows; the number of rows."""
    rows, pending, pending_rows = 0, [], 0
    for batch in batches:
        pending.append(batch)
        pending_rows += batch.num_rows
        if pending_rows >= group_rows:
            writer.write_table(pa.Table.from_batches(pending, schema).combine_chunks())
            rows, pending, pending_rows = rows + pending_rows, [], 0
    if pending:
        writer.write_table(pa.Table.from_batches(pending, schema).combine_chunks())
        rows += pending_rows
    return rows


def _present(values: pa.Array) -> pa.Array:
    """Trimmed values that are not null and not a missing-value token."""
    trimmed = pc.utf8_trim_whitespace(values)
    mask = pc.and_(pc.is_valid(trimmed), pc.invert(pc.is_in(trimmed, pa.array(NA_TOKENS))))
    return trimmed.filter(mask)


def _parses(values: pa.Array, target: pa.DataType) -> bool:
    try:
        pc.cast(values, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def _parses_datetime(values: pa.Array, fmt: str) -> bool:
    try:
        pc.strptime(values, format=fmt, unit="s")
    except pa.ArrowInvalid:
        return False
    return True


class TypeCandidates:
    """The types a column may still have; each batch of values can only rule some out."""

    def __init__(self) -> None:
        self.seen = False
        self.candidates: list[str] = ["bool", "int", "float", *DATETIME_FORMATS]

    def add(self, values: pa.Array) -> None:
        """Drop the candidates that some present value of this batch does not parse as."""
        present = _present(values)
        if len(present) == 0:
            return
        self.seen = True
        if "bool" in self.candidates:
            lowered = pc.utf8_lower(present)
            if not pc.all(pc.is_in(lowered, pa.array(["true", "false"]))).as_py():
                self.candidates.remove("bool")
        if pc.any(pc.match_substring_regex(present, r"^[+-]?0[0-9]")).as_py():
            self.candidates = [c for c in self.candidates if c not in ("int", "float")]
        checks = {"int": pa.int64(), "float": pa.float64()}
        self.candidates = [
            c
            for c in self.candidates
            if c == "bool"
            or (_parses(present, checks[c]) if c in checks else _parses_datetime(present, c))
        ]

    def result(self) -> tuple[pa.DataType, str | None]:
        """The narrowest remaining type (text when nothing else fits or nothing was present)."""
        if not self.seen or not self.candidates:
            return pa.string(), None
        first = self.candidates[0]
        types = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64()}
        if first in types:
            return types[first], None
        return pa.timestamp("s"), first


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


def _scan_staging(staging: Path) -> Batches:
    """The staging file's batches, one in memory at a time."""
    with pa.OSFile(str(staging), "rb") as source:
        reader = pa.ipc.open_file(source)
        for index in range(reader.num_record_batches):
            yield reader.get_batch(index)


def write_canonical(staging: Path, canonical: Path) -> None:
    """Infer each column's type from `staging` (one pass), then write the typed canonical file."""
    with pa.OSFile(str(staging), "rb") as source:
        names = pa.ipc.open_file(source).schema.names
    candidates = [TypeCandidates() for _ in names]
    for batch in _scan_staging(staging):
        for candidate, values in zip(candidates, batch.columns, strict=True):
            candidate.add(values)
    inferred = [candidate.result() for candidate in candidates]
    schema = pa.schema([(n, t) for n, (t, _) in zip(names, inferred, strict=True)])
    typed = (
        pa.record_batch([_cast(b.column(i), t, f) for i, (t, f) in enumerate(inferred)], schema)
        for b in _scan_staging(staging)
    )
    with pq.ParquetWriter(canonical, schema) as writer:
        _write_grouped(writer, schema, typed, ROW_GROUP_ROWS)


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
            for batch in scan_parquet(path, SCAN_ROWS):
                writer.write_table(pa.Table.from_batches([batch]).cast(schema))
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnprocessableInput(
            f"Cannot read the Parquet file: {exc}.", code="bad_parquet"
        ) from exc
    return int(source.metadata.num_rows)
