"""Detect a file's format (by content, then extension) and its text encoding.

Encodings are tried in a fixed order: a byte-order mark, then strict UTF-8, then GB18030.
GB18030 is never tried first: it accepts almost any byte string, UTF-8 included, and
would silently garble it. Each candidate is checked over the whole file, incrementally,
except a CSV/TSV whose start is UTF-8: pyarrow checks UTF-8 as it parses, and only when it
finds a bad byte is the whole file checked (`verify_encoding`).
"""

import codecs
import csv
import dataclasses
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
FALLBACK_ENCODINGS = ("utf-8", "gb18030")
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
            _check_decodes(path, encoding, len(bom), raise_error=True)
            return encoding, len(bom)
    for encoding in FALLBACK_ENCODINGS:
        if _check_decodes(path, encoding, 0, raise_error=encoding == FALLBACK_ENCODINGS[-1]):
            return encoding, 0
    raise AssertionError("unreachable: the last encoding raises")


def _check_decodes(path: Path, encoding: str, skip: int, *, raise_error: bool) -> bool:
    """True if the whole file decodes strictly; else False, or 422 when `raise_error`."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset, lines = skip, 1
    with path.open("rb") as handle:
        handle.seek(skip)
        while chunk := handle.read(READ_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                if not raise_error:
                    return False
                bad = max(exc.start - len(exc.object) + len(chunk), 0)
                line = lines + chunk[:bad].count(b"\n")
                raise _undecodable(offset + bad, line) from exc
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if not raise_error:
                return False
            raise _undecodable(offset, lines) from exc
    return True


def _undecodable(offset: int, line: int) -> UnprocessableInput:
    return UnprocessableInput(
        f"The file is not valid UTF-8 or GB18030 text: undecodable bytes on line {line} "
        f"(byte {offset}). Save it as UTF-8 (or GBK/GB18030) and upload again.",
        code="undecodable_text",
        details={"line": line, "byte_offset": offset},
    )


def _sample_encoding(head: bytes) -> tuple[str, int]:
    """The encoding and BOM length that the file's first bytes suggest (not yet verified)."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head)
    except UnicodeDecodeError:
        return FALLBACK_ENCODINGS[-1], 0
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


def _sniff_text(sample: str, ext: str | None, encoding: str, bom_length: int) -> Sniffed:
    first = sample.lstrip()[:1]
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
