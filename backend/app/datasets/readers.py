"""Read an uploaded text file as batches of string columns (CSV/TSV/TXT/JSONL/JSON).

Every reader checks the header first and raises 422 naming the line, row or column that
is wrong. Values stay text here; `convert` infers the column types afterwards.
"""

import csv
import io
import json
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from app.core.errors import UnprocessableInput
from app.datasets.sniff import SAMPLE_BYTES, Sniffed, verify_encoding

MAX_COLUMNS = 2000
MAX_COLUMN_NAME = 256
BATCH_ROWS = 50_000
CSV_BLOCK_BYTES = 256 * 1024  # pyarrow reads ahead several blocks: keep them small
PARALLEL_BLOCK_BYTES = 1024 * 1024  # one block per thread at a time
MAX_JSON_ARRAY_BYTES = 32 * 1024 * 1024
TXT_COLUMN = "text"

Batches = Iterator[pa.RecordBatch]


def check_column_names(names: list[str]) -> list[str]:
    """Refuse tables with no columns, too many, empty, too long or duplicate names."""
    if not names:
        raise UnprocessableInput("The file has no columns.", code="no_columns")
    if len(names) > MAX_COLUMNS:
        raise UnprocessableInput(
            f"The file has {len(names)} columns; at most {MAX_COLUMNS} are supported.",
            code="too_many_columns",
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not str(name).strip():
            raise UnprocessableInput(
                f"Column {position} has an empty name; every column needs a header.",
                code="empty_column_name",
                details={"column": position},
            )
        if len(name) > MAX_COLUMN_NAME:
            raise UnprocessableInput(
                f"Column {position}'s name is longer than {MAX_COLUMN_NAME} characters.",
                code="column_name_too_long",
                details={"column": position},
            )
        if name in seen:
            raise UnprocessableInput(
                f"Column name '{name}' appears twice (columns {seen[name]} and {position}).",
                code="duplicate_column_name",
                details={"column": name, "positions": [seen[name], position]},
            )
        seen[name] = position
    return names


def _text_lines(path: Path, sniffed: Sniffed) -> Iterator[str]:
    with path.open("r", encoding=sniffed.encoding, newline="") as handle:
        if sniffed.bom_length:
            handle.read(1)
        yield from handle


def _csv_header(path: Path, sniffed: Sniffed) -> list[str]:
    with path.open("rb") as handle:
        handle.seek(sniffed.bom_length)
        raw = handle.read(SAMPLE_BYTES)
    sample = raw.decode(sniffed.encoding or "utf-8", errors="ignore")
    reader = csv.reader(
        io.StringIO(sample), delimiter=sniffed.delimiter, quotechar=sniffed.quotechar
    )
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise UnprocessableInput(f"Cannot read the header row: {exc}.", code="bad_header") from exc
    return check_column_names([name.strip() for name in header])


def _csv_options(
    names: list[str],
    sniffed: Sniffed,
    *,
    use_threads: bool,
    on_invalid: Any = None,
    quoted_newlines: bool = True,
) -> dict[str, Any]:
    """pyarrow's options for reading every column as text (empty cells are missing).

    `quoted_newlines=False` is only for files without the quote character: splitting into
    blocks is then much faster, and no value can hold a line break.
    """
    return {
        "read_options": pacsv.ReadOptions(
            column_names=names,
            skip_rows=1,
            block_size=PARALLEL_BLOCK_BYTES if use_threads else CSV_BLOCK_BYTES,
            use_threads=use_threads,
            encoding=sniffed.encoding or "utf-8",
        ),
        "parse_options": pacsv.ParseOptions(
            delimiter=sniffed.delimiter,
            quote_char=sniffed.quotechar,
            newlines_in_values=quoted_newlines,
            invalid_row_handler=on_invalid,
        ),
        "convert_options": pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
        ),
    }


def read_delimited(path: Path, sniffed: Sniffed) -> tuple[list[str], Batches]:
    """CSV/TSV: the header's names and batches of string columns, one thread, in order.

    Slower than `read_delimited_table`, but it names the first bad row's line.
    """
    names = _csv_header(path, sniffed)
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "error"

    options = _csv_options(names, sniffed, use_threads=False, on_invalid=on_invalid)

    def batches() -> Batches:
        try:
            yield from pacsv.open_csv(path, **options)
        except pa.ArrowInvalid as exc:
            raise _csv_error(exc, invalid) from exc

    return names, batches()


def _has_byte(path: Path, character: str) -> bool:
    """Whether the file holds this ASCII character's byte anywhere (memory-mapped search).

    In every encoding read here (ASCII-compatible ones, GB18030, UTF-16/32) a quote character
    shows up as its ASCII byte, so "absent" is certain; "present" may be a false alarm.
    """
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(character.encode("ascii")) >= 0


def read_delimited_table(path: Path, sniffed: Sniffed) -> pa.Table:
    """CSV/TSV as one table of string columns, parsed on all cores.

    When pyarrow refuses the file: bytes that are not UTF-8 in a file only sampled as UTF-8
    get the whole file's encoding checked (GB18030, or 422 naming the line); anything else is
    read again by `read_delimited` for an error that names the line.
    """
    names = _csv_header(path, sniffed)
    options = _csv_options(
        names, sniffed, use_threads=True, quoted_newlines=_has_byte(path, sniffed.quotechar)
    )
    try:
        return pacsv.read_csv(path, **options)
    except pa.ArrowInvalid as exc:
        failure = exc
    if "invalid UTF8" in str(failure) and not sniffed.encoding_verified:
        return read_delimited_table(path, verify_encoding(path, sniffed))
    for _ in read_delimited(path, sniffed)[1]:
        pass
    raise _csv_error(failure, [])


def _csv_error(exc: Exception, invalid: list[pacsv.InvalidRow]) -> UnprocessableInput:
    if invalid:
        row = invalid[0]
        where = f"line {row.number}" if row.number is not None else "a row"
        return UnprocessableInput(
            f"Ragged CSV: {where} has {row.actual_columns} fields, the header has "
            f"{row.expected_columns}. Row text: {row.text[:120]!r}",
            code="ragged_rows",
            details={
                "line": row.number,
                "expected": row.expected_columns,
                "got": row.actual_columns,
            },
        )
    return UnprocessableInput(f"Cannot parse the CSV: {exc}", code="bad_csv")


def read_txt(path: Path, sniffed: Sniffed) -> tuple[list[str], Batches]:
    """TXT: one record per non-blank line, in a single column named `text`."""

    def batches() -> Batches:
        chunk: list[str] = []
        for line in _text_lines(path, sniffed):
            value = line.rstrip("\r\n")
            if value.strip():
                chunk.append(value)
            if len(chunk) >= BATCH_ROWS:
                yield pa.record_batch([pa.array(chunk, pa.string())], names=[TXT_COLUMN])
                chunk = []
        if chunk:
            yield pa.record_batch([pa.array(chunk, pa.string())], names=[TXT_COLUMN])

    return [TXT_COLUMN], batches()


def cell_text(value: Any) -> str | None:
    """A JSON or spreadsheet value as text (nested values as compact JSON)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def records_to_batches(records: Iterator[dict[str, Any]], names: list[str]) -> Batches:
    """Group objects into string batches with a fixed column list (missing keys → null)."""
    chunk: list[dict[str, Any]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= BATCH_ROWS:
            yield _objects_batch(chunk, names)
            chunk = []
    if chunk:
        yield _objects_batch(chunk, names)


def _objects_batch(chunk: list[dict[str, Any]], names: list[str]) -> pa.RecordBatch:
    columns = [pa.array([cell_text(r.get(n)) for r in chunk], pa.string()) for n in names]
    return pa.record_batch(columns, names=names)


def _jsonl_objects(path: Path, sniffed: Sniffed) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(_text_lines(path, sniffed), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnprocessableInput(
                f"Malformed JSON on line {number}, column {exc.colno}: {exc.msg}.",
                code="malformed_json",
                details={"line": number, "column": exc.colno},
            ) from exc
        if not isinstance(value, dict):
            raise UnprocessableInput(
                f"Line {number} is a JSON {type(value).__name__}; each line must be an object.",
                code="malformed_json",
                details={"line": number},
            )
        yield value


def _key_union(objects: Iterator[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for obj in objects:
        for key in obj:
            if key not in names:
                names[key] = None
                if len(names) > MAX_COLUMNS:
                    check_column_names(list(names))
    return check_column_names(list(names))


def read_jsonl(path: Path, sniffed: Sniffed) -> tuple[list[str], Batches]:
    """JSON Lines: one object per line; columns are the union of keys in order of appearance."""
    names = _key_union(_jsonl_objects(path, sniffed))
    return names, records_to_batches(_jsonl_objects(path, sniffed), names)


def read_json_array(path: Path, sniffed: Sniffed) -> tuple[list[str], Batches]:
    """JSON: an array of objects (held in memory, so capped; use JSON Lines for more)."""
    if path.stat().st_size > MAX_JSON_ARRAY_BYTES:
        raise UnprocessableInput(
            f"JSON arrays are limited to {MAX_JSON_ARRAY_BYTES // (1024 * 1024)} MB; "
            "upload larger data as JSON Lines (one object per line).",
            code="json_too_large",
        )
    text = "".join(_text_lines(path, sniffed))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnprocessableInput(
            f"Malformed JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}.",
            code="malformed_json",
            details={"line": exc.lineno, "column": exc.colno},
        ) from exc
    if not isinstance(value, list):
        raise UnprocessableInput("The JSON must be an array of objects.", code="malformed_json")
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise UnprocessableInput(
                f"Item {index} of the JSON array is a {type(item).__name__}, not an object.",
                code="malformed_json",
                details={"row": index},
            )
    names = _key_union(iter(value))
    return names, records_to_batches(iter(value), names)
