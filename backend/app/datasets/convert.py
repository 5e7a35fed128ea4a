"""Convert an upload into the canonical Parquet file.

Text formats are read whole into string columns (CSV/TSV on all cores with pyarrow), then
each column's type is inferred on its own (boolean, integer, float, datetime, else text),
columns in parallel, and the typed table is written once. Values with leading zeros ("007")
stay text, so identifiers and postcodes keep their digits. Conversion runs in a child process
for large uploads, so holding the table in memory (a few times the file's size, and uploads
are capped) never grows the API or worker processes.
"""

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from app.core.errors import UnprocessableInput
from app.datasets.readers import (
    Batches,
    check_column_names,
    read_delimited_table,
    read_json_array,
    read_jsonl,
    read_txt,
)
from app.datasets.sniff import Sniffed
from app.datasets.xlsx import read_xlsx

NA_TOKENS = pa.array(["NA", "N/A", "NaN", "nan", "null", "NULL", "None", "none", "-"])
BOOLEAN_TOKENS = pa.array(["true", "false"])
# ISO 8601 dates and date-times ("2024-05-01", "2024-05-01 08:30:00"), parsed by Arrow's cast
ISO_DATETIME = "iso"
DATETIME_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M:%S")
NUMBER_TYPES = {"int": pa.int64(), "float": pa.float64()}
CANDIDATES = ("bool", *NUMBER_TYPES, ISO_DATETIME, *DATETIME_FORMATS)
LEADING_ZERO = r"^[+-]?0[0-9]"  # "007" stays text: identifiers and postcodes keep their digits
ZERO_STARTS = ("0", "+0", "-0")  # cheap prefilter: only such values can have a leading zero
SAMPLE_ROWS = 10_000
HEAD_ROWS = 100
DICTIONARY_MAX_SAMPLE_SHARE = 0.8  # fewer distinct values in the sample: cast each one once
ROW_GROUP_ROWS = 32_768
MAX_PARQUET_BYTES = 2 * 1024**3  # uncompressed, as the file's metadata declares it
READERS: dict[str, Callable[[Path, Sniffed], tuple[list[str], Batches]]] = {
    "txt": read_txt,
    "jsonl": read_jsonl,
    "json": read_json_array,
}
ArrayLike = TypeVar("ArrayLike", pa.Array, pa.ChunkedArray)
Item = TypeVar("Item")
Result = TypeVar("Result")


def map_columns(action: Callable[[Item], Result], items: list[Item]) -> list[Result]:
    """`action` over each item on all cores (Arrow's kernels release the GIL), in order."""
    with ThreadPoolExecutor(max_workers=pa.cpu_count()) as pool:
        return list(pool.map(action, items))


def read_strings(
    path: Path, sniffed: Sniffed, sheet: str | None, warnings: list[dict[str, Any]] | None = None
) -> pa.Table:
    """The upload as a table of string columns; 422 when it has no data rows.

    Problems that do not stop the upload are appended to `warnings`.
    """
    if sniffed.format in ("csv", "tsv"):
        table = read_delimited_table(path, sniffed)
    else:
        if sniffed.format == "xlsx":
            names, batches = read_xlsx(path, sheet, warnings)
        else:
            names, batches = READERS[sniffed.format](path, sniffed)
        schema = pa.schema([(name, pa.string()) for name in names])
        table = pa.Table.from_batches(batches, schema)
    if table.num_rows == 0:
        raise UnprocessableInput("The file has a header but no data rows.", code="no_rows")
    return table


def _cleaned(values: ArrayLike) -> ArrayLike:
    """Trimmed values, with missing-value tokens as nulls."""
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.is_in(trimmed, NA_TOKENS), pa.scalar(None, pa.string()), trimmed)


def _has_leading_zero(cleaned: ArrayLike) -> bool:
    """True when some value looks like "007" or "-01" (the regex runs on the few that may)."""
    maybe = pc.or_(
        pc.or_(pc.starts_with(cleaned, ZERO_STARTS[0]), pc.starts_with(cleaned, ZERO_STARTS[1])),
        pc.starts_with(cleaned, ZERO_STARTS[2]),
    )
    suspects = cleaned.filter(maybe)
    return bool(len(suspects)) and pc.any(pc.match_substring_regex(suspects, LEADING_ZERO)).as_py()


def _has_nan(typed: ArrayLike) -> bool:
    """True for a float column holding NaN (read from "NaN"/"nan", which are NA tokens)."""
    return pa.types.is_floating(typed.type) and bool(pc.any(pc.is_nan(typed)).as_py())


def _typed(cleaned: ArrayLike, candidate: str) -> ArrayLike | None:
    """`cleaned` as the candidate type, or None when some value does not parse as it."""
    if candidate == "bool":
        if not pc.all(pc.is_in(pc.utf8_lower(cleaned), BOOLEAN_TOKENS)).as_py():
            return None
        return pc.equal(pc.utf8_lower(cleaned), "true")
    try:
        if candidate in NUMBER_TYPES:
            if _has_leading_zero(cleaned):
                return None
            return pc.cast(cleaned, NUMBER_TYPES[candidate])
        if candidate == ISO_DATETIME:
            return pc.cast(cleaned, pa.timestamp("ms"))
        return pc.strptime(cleaned, format=candidate, unit="ms")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def cast_column(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column as the narrowest type all its present values parse as, else as text.

    Candidates in order: boolean, integer, float, ISO 8601, each of DATETIME_FORMATS; only
    those the first values parse as are tried on the whole column, so a text column costs
    almost nothing. A long column whose sample repeats values is dictionary-encoded and only
    its distinct values are cast; it comes back dictionary-encoded (each typed value once),
    so the profile counts it without hashing it again.
    """
    if values.null_count == len(values):
        return values
    candidates = _sample_fits(values)
    first = next(candidates, None)
    if first is None:
        return values
    if first == "int" or not _repetitive(values):  # integers parse fast and count by range
        typed = _first_fitting(values, first, candidates)
        return values if typed is None else typed
    encoded = pc.dictionary_encode(values.combine_chunks())
    typed_values = _first_fitting(encoded.dictionary, first, candidates)
    if typed_values is None:
        return values
    return pa.chunked_array([_reencoded(encoded, typed_values)])


def _sample_fits(values: pa.ChunkedArray) -> Iterator[str]:
    """The candidates the first SAMPLE_ROWS values parse as, in order, each checked when asked.

    The first HEAD_ROWS values are checked first: they reject a text column's candidates at
    once (a failing cast of the whole sample takes milliseconds).
    """
    head = _cleaned(values.slice(0, HEAD_ROWS))
    sample: pa.ChunkedArray | None = None
    for candidate in CANDIDATES:
        if _typed(head, candidate) is None:
            continue
        if sample is None:
            sample = _cleaned(values.slice(0, SAMPLE_ROWS))
        if _typed(sample, candidate) is not None:
            yield candidate


def _repetitive(values: pa.ChunkedArray) -> bool:
    """A long column whose first SAMPLE_ROWS values are far from all distinct."""
    if len(values) <= SAMPLE_ROWS:
        return False
    distinct = pc.count_distinct(values.slice(0, SAMPLE_ROWS), mode="all").as_py()
    return bool(distinct < DICTIONARY_MAX_SAMPLE_SHARE * SAMPLE_ROWS)


def _first_fitting(values: ArrayLike, first: str, rest: Iterator[str]) -> ArrayLike | None:
    """`values` as the first candidate all present values parse as (trimmed, NA tokens null)."""
    direct = _typed(values, first)
    if direct is not None and not _has_nan(direct):
        return direct  # no value needed trimming or was an NA token: cleaning would not change it
    cleaned = _cleaned(values)
    if cleaned.null_count == len(cleaned):
        return None
    for candidate in itertools.chain([first], rest):
        typed = _typed(cleaned, candidate)
        if typed is not None:
            return typed
    return None


def _reencoded(encoded: pa.DictionaryArray, typed_values: pa.Array) -> pa.DictionaryArray:
    """The column over its typed dictionary, merging values equal once typed (" 5" and "5")."""
    distinct = pc.count_distinct(typed_values, mode="all").as_py()
    if typed_values.null_count == 0 and distinct == len(typed_values):
        return pa.DictionaryArray.from_arrays(encoded.indices, typed_values)
    merged = pc.dictionary_encode(typed_values)
    # old index -> new index; -1 (null: an NA token) maps through the appended last entry
    remap = np.append(pc.fill_null(merged.indices, -1).to_numpy(), -1)
    indices = remap[pc.fill_null(encoded.indices, -1).to_numpy()]
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, pa.int32(), mask=indices < 0), merged.dictionary
    )


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with dictionary-encoded (categorical) columns as their value type."""
    return pa.schema(
        [
            pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
            for f in schema
        ]
    )


def read_parquet(path: Path) -> pa.Table:
    """An uploaded Parquet file as a table, checked (declared size, names, flat types, rows)."""
    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnprocessableInput(
            f"Cannot read the Parquet file: {exc}.", code="bad_parquet"
        ) from exc
    metadata = source.metadata
    declared = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if declared > MAX_PARQUET_BYTES:
        raise UnprocessableInput(
            f"The Parquet file would unpack to {declared // 1024**2} MB "
            f"(at most {MAX_PARQUET_BYTES // 1024**2} MB).",
            code="parquet_too_large",
        )
    schema = _plain_schema(source.schema_arrow)
    check_column_names(schema.names)
    for field in schema:
        if pa.types.is_nested(field.type):
            raise UnprocessableInput(
                f"Column '{field.name}' has the nested type {field.type}; flatten it first.",
                code="unsupported_column_type",
                details={"column": field.name},
            )
    if metadata.num_rows == 0:
        raise UnprocessableInput("The Parquet file has no rows.", code="no_rows")
    try:
        return source.read().cast(schema)
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnprocessableInput(
            f"Cannot read the Parquet file: {exc}.", code="bad_parquet"
        ) from exc


def write_canonical(table: pa.Table, canonical: Path, repetitive: list[str]) -> None:
    """Write the typed table as the canonical Parquet file.

    Only the `repetitive` columns are dictionary-encoded: for mostly distinct values the
    dictionary is built, found too large and dropped, which wastes most of the write.
    """
    pq.write_table(table, canonical, row_group_size=ROW_GROUP_ROWS, use_dictionary=repetitive)
