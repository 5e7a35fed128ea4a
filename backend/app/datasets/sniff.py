"""Detect a file's format (by content, then extension) and its text encoding.

Encodings are tried in a fixed order: a byte-order mark (the bytes must then agree with it),
then strict UTF-8, then GB18030. GB18030 is never tried first: it accepts almost any byte
string, UTF-8 included, and would silently garble it; for the same reason a file with some
UTF-8 text lines and some that are not UTF-8 is refused, naming the first bad line, rather
than read whole as GB18030. Each candidate is checked over the whole file, incrementally,
except a CSV/TSV whose start is UTF-8: pyarrow checks UTF-8 as it parses, and only when it
finds a bad byte is the whole file checked (`verify_encoding`).
"""

import codecs
import csv
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import UnprocessableInput

SAMPLE_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Valid UTF-8 that a GBK line practically never forms by accident: a character of three or
# more UTF-8 bytes (CJK, kana …), an accented Latin letter next to an ASCII letter ("café"),
# or three Greek or Cyrillic letters in a row.
UTF8_TEXT = re.compile(
    "[\u0800-\U0010ffff]|[A-Za-z][\u00c0-\u024f]|[\u00c0-\u024f][A-Za-z]"
    "|[\u0370-\u03ff]{3}|[\u0400-\u04ff]{3}"
)
DELIMITERS = ",\t;|"
TEXT_FORMATS = ("csv", "tsv", "jsonl", "json", "txt")
EXTENSIONS = {
    "csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "json",
    "txt": "txt",
    "text": "txt",
    "parquet": "parquet",
    "pq": "parquet",
    "xlsx": "xlsx",
}


@dataclass(frozen=True)
class Sniffed:
    """What the file is: format, encoding and BOM length (text), CSV dialect.

    `encoding_verified` is False while only the first SAMPLE_BYTES are known to decode.
    """

    format: str
    encoding: str | None = None
    bom_length: int = 0
    delimiter: str = ","
    quotechar: str = '"'
    encoding_verified: bool = True


def _extension(filename: str) -> str | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return EXTENSIONS.get(suffix)


def detect_encoding(path: Path) -> tuple[str, int]:
    """The file's text encoding and BOM length, or 422 naming the first bad byte's line."""
    with path.open("rb") as handle:
        head = handle.read(4)
    for bom, encoding in BOMS:
        if head.startswith(bom):
            failure = _first_undecodable(path, encoding, len(bom))
            if failure is not None:
                raise _bom_mismatch(encoding, *failure)
            return encoding, len(bom)
    failure = _first_undecodable(path, "utf-8", 0)
    if failure is None:
        return "utf-8", 0
    utf8_line = _utf8_text_line(path)
    if utf8_line is not None:
        raise _mixed(utf8_line, *failure)
    failure = _first_undecodable(path, "gb18030", 0)
    if failure is not None:
        raise _undecodable(*failure)
    return "gb18030", 0


def _first_undecodable(path: Path, encoding: str, skip: int) -> tuple[int, int] | None:
    """(byte offset, line) of the first bytes that do not decode strictly, or None."""
    with path.open("rb") as handle:
        handle.seek(skip)
        return _first_bad(iter(lambda: handle.read(READ_CHUNK), b""), encoding, skip, final=True)


def _first_bad(
    chunks: Iterable[bytes], encoding: str, offset: int, *, final: bool
) -> tuple[int, int] | None:
    """(byte offset, line) of the first bytes of `chunks` that do not decode, or None.

    `final=False` allows a character cut at the end (a sample of a longer file).
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 1
    for chunk in chunks:
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            bad = max(exc.start - len(exc.object) + len(chunk), 0)
            return offset + bad, lines + chunk[:bad].count(b"\n")
        offset += len(chunk)
        lines += chunk.count(b"\n")
    if final:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset, lines
    return None


def _utf8_text_line(path: Path) -> int | None:
    """The first line that is certainly UTF-8 text (see UTF8_TEXT), or None.

    A GBK/GB18030 line can happen to be valid UTF-8 ("女" is the bytes of "Ů"), so valid
    lines only count when they hold what such accidents practically never produce.
    """
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.isascii():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if UTF8_TEXT.search(text):
                return number
    return None


def _undecodable(offset: int, line: int) -> UnprocessableInput:
    return UnprocessableInput(
        f"The file is not valid UTF-8 or GB18030 text: undecodable bytes on line {line} "
        f"(byte {offset}). Save it as UTF-8 (or GBK/GB18030) and upload again.",
        code="undecodable_text",
        details={"line": line, "byte_offset": offset},
    )


def _mixed(utf8_line: int, offset: int, line: int) -> UnprocessableInput:
    return UnprocessableInput(
        f"The file mixes text encodings: line {line} is not UTF-8 (byte {offset}; it may be "
        f"GBK), while line {utf8_line} is UTF-8. Save the whole file as UTF-8 and upload again.",
        code="mixed_encoding",
        details={"line": line, "byte_offset": offset, "utf8_line": utf8_line},
    )


def _bom_mismatch(encoding: str, offset: int, line: int) -> UnprocessableInput:
    name = encoding.upper().replace("-LE", "").replace("-BE", "")
    return UnprocessableInput(
        f"The file starts with a {name} byte-order mark, but line {line} is not {name} "
        f"(byte {offset}; it may be GBK). Save the whole file as {name} and upload again.",
        code="encoding_mismatch",
        details={"line": line, "byte_offset": offset, "declared": encoding},
    )


def _sample_encoding(head: bytes) -> tuple[str, int]:
    """The encoding and BOM length that the file's first bytes suggest (the rest unverified).

    A byte-order mark must hold for the sample: a GBK file saved with a UTF-8 mark is refused
    here, naming the line, rather than read with its Chinese bytes dropped.
    """
    for bom, encoding in BOMS:
        if head.startswith(bom):
            failure = _first_bad([head[len(bom) :]], encoding, len(bom), final=False)
            if failure is not None:
                raise _bom_mismatch(encoding, *failure)
            return encoding, len(bom)
    if _first_bad([head], "utf-8", 0, final=False) is not None:
        return "gb18030", 0
    return "utf-8", 0


def verify_encoding(path: Path, sniffed: Sniffed) -> Sniffed:
    """`sniffed` with the encoding that the whole file decodes with, or 422 naming the line."""
    encoding, bom_length = detect_encoding(path)
    return dataclasses.replace(
        sniffed, encoding=encoding, bom_length=bom_length, encoding_verified=True
    )


def sniff(path: Path, filename: str) -> Sniffed:
    """Decide the format of an uploaded file from its first bytes and its name."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head:
        raise UnprocessableInput("The file is empty.", code="empty_file")
    ext = _extension(filename)
    if head.startswith(b"PAR1"):
        return Sniffed("parquet")
    if head.startswith(b"PK\x03\x04"):
        return Sniffed("xlsx")
    has_bom = any(head.startswith(bom) for bom, _ in BOMS)
    if (b"\x00" in head and not has_bom) or ext in ("parquet", "xlsx"):
        raise UnprocessableInput(
            f"Unrecognised file format{f' (the name says .{ext})' if ext else ''}: expected "
            "CSV, TSV, JSON Lines, JSON, TXT, Parquet or XLSX.",
            code="unknown_format",
        )
    encoding, bom_length = _sample_encoding(head)
    sample = head[bom_length:].decode(encoding, errors="ignore")
    if not sample.strip():
        detect_encoding(path)  # bad bytes after a blank start: name them
        raise UnprocessableInput("The file contains only whitespace.", code="empty_file")
    sniffed = _sniff_text(sample, ext, encoding, bom_length)
    if sniffed.format in ("csv", "tsv") and encoding == "utf-8":
        return dataclasses.replace(sniffed, encoding_verified=False)
    return verify_encoding(path, sniffed)


def _json_kind(first: str) -> str:
    if first == '"':
        return "a single string"
    if first in "-0123456789":
        return "a single number"
    if first in "tfn":
        return "a single true/false/null value"
    return "not JSON"


def _sniff_text(sample: str, ext: str | None, encoding: str, bom_length: int) -> Sniffed:
    first = sample.lstrip()[:1]
    if ext in ("json", "jsonl") and first not in ("[", "{"):
        line = sample[: len(sample) - len(sample.lstrip())].count("\n") + 1
        raise UnprocessableInput(
            f"The .{ext} file holds {_json_kind(first)} (line {line}), not a table: upload a "
            "JSON array of objects, or JSON Lines (one object per line).",
            code="malformed_json",
            details={"line": line},
        )
    if first == "[" and ext in (None, "json", "jsonl"):
        return Sniffed("json", encoding, bom_length)
    if first == "{" and ext in (None, "json", "jsonl"):
        return Sniffed("jsonl", encoding, bom_length)
    if ext == "txt":
        return Sniffed("txt", encoding, bom_length)
    if ext == "tsv":
        return Sniffed("tsv", encoding, bom_length, delimiter="\t")
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if len(sample) >= SAMPLE_BYTES - 4 and len(lines) > 1:
        lines = lines[:-1]
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS)
    except csv.Error:
        if ext == "csv":
            return Sniffed("csv", encoding, bom_length)
        return Sniffed("txt", encoding, bom_length)
    fmt = "tsv" if dialect.delimiter == "\t" else "csv"
    quote = dialect.quotechar or '"'
    return Sniffed(fmt, encoding, bom_length, delimiter=dialect.delimiter, quotechar=quote)
