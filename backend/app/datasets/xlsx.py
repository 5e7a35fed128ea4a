"""XLSX: refuse zip bombs before opening, then stream one sheet's rows with openpyxl.

The archive's central directory is checked first: member count, total uncompressed size and
compression ratio. Python's zipfile never inflates a member past its declared size, so the
declared sizes bound what openpyxl can decompress.

Formula cells are read as the values the spreadsheet saved with them. A file written by a
program that does not calculate formulas has none: such cells are empty, and a warning names
them (the sheet is scanned for them only when it holds formulas).
"""

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from app.core.errors import UnprocessableInput
from app.datasets.readers import Batches, cell_text, check_column_names, records_to_batches

MAX_MEMBERS = 2000
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
SCAN_CHUNK = 1024 * 1024
NAMED_CELLS = 20


def check_zip(path: Path) -> None:
    """Refuse archives that are not XLSX or that would inflate beyond the limits."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnprocessableInput(f"The XLSX file is damaged: {exc}.", code="bad_xlsx") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _too_big(f"it has {len(members)} parts (at most {MAX_MEMBERS})")
        total = sum(m.file_size for m in members)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise _too_big(
                f"it would unpack to {total // (1024 * 1024)} MB "
                f"(at most {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB)"
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
                raise _too_big(f"part {member.filename} is compressed {ratio:.0f}:1")
        if "xl/workbook.xml" not in {m.filename for m in members}:
            raise UnprocessableInput(
                "The file is a ZIP archive but not an Excel workbook (XLSX).",
                code="unknown_format",
            )


def _too_big(reason: str) -> UnprocessableInput:
    return UnprocessableInput(
        f"The XLSX file is refused: {reason}. Save a smaller sheet or export it as CSV.",
        code="xlsx_limits",
    )


def _has_formulas(source: IO[bytes]) -> bool:
    """Whether the sheet's XML holds a formula element (a cheap byte scan)."""
    tail = b""
    while chunk := source.read(SCAN_CHUNK):
        if FORMULA_TAG.search(tail + chunk):
            return True
        tail = chunk[-16:]
    return False


def formulas_without_values(path: Path, member: str) -> list[str]:
    """Cells (like "B7") of one sheet that hold a formula but no saved value."""
    from openpyxl.utils import get_column_letter
    from openpyxl.xml.functions import iterparse

    with zipfile.ZipFile(path) as archive:
        with archive.open(member) as source:
            if not _has_formulas(source):
                return []
        cells: list[str] = []
        row = column = 0
        with archive.open(member) as source:
            for event, element in iterparse(source, events=("start", "end")):
                if element.tag == f"{SHEET_NS}row":
                    if event == "start":
                        row, column = int(element.get("r") or row + 1), 0
                    else:
                        element.clear()
                elif element.tag == f"{SHEET_NS}c" and event == "end":
                    column += 1
                    coordinate = element.get("r") or f"{get_column_letter(column)}{row}"
                    value = element.findtext(f"{SHEET_NS}v")
                    if element.find(f"{SHEET_NS}f") is not None and not value:
                        cells.append(coordinate)
    return cells


def _formula_warning(cells: list[str]) -> dict[str, Any]:
    named = ", ".join(cells[:NAMED_CELLS]) + (" …" if len(cells) > NAMED_CELLS else "")
    return {
        "code": "formula_without_value",
        "message": f"{len(cells)} formula cell(s) have no saved value and are read as empty: "
        f"{named}. Open the file in a spreadsheet program that calculates formulas, save it, "
        "and upload it again.",
        "cells": cells[:NAMED_CELLS],
        "count": len(cells),
    }


def read_xlsx(
    path: Path, sheet: str | None, warnings: list[dict[str, Any]] | None = None
) -> tuple[list[str], Batches]:
    """The first (or named) sheet: the first row is the header, then one record per row.

    Formula cells without a saved value are named in a warning appended to `warnings`.
    """
    from openpyxl import load_workbook

    check_zip(path)
    handle = path.open("rb")  # a handle: openpyxl refuses paths without an .xlsx suffix
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        handle.close()
        raise UnprocessableInput(f"Cannot open the XLSX file: {exc}.", code="bad_xlsx") from exc
    if sheet is not None and sheet not in workbook.sheetnames:
        names = ", ".join(workbook.sheetnames)
        workbook.close()
        handle.close()
        raise UnprocessableInput(
            f"The workbook has no sheet named '{sheet}' (sheets: {names}).", code="bad_sheet"
        )
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    try:
        empty_formulas = formulas_without_values(path, worksheet._worksheet_path)
    except Exception as exc:  # a damaged sheet: the same refusal as openpyxl's
        workbook.close()
        handle.close()
        raise UnprocessableInput(f"Cannot read the XLSX sheet: {exc}.", code="bad_xlsx") from exc
    if empty_formulas and warnings is not None:
        warnings.append(_formula_warning(empty_formulas))
    rows = worksheet.iter_rows(values_only=True)
    header_row = next(rows, None) or ()
    header = [cell_text(v) or "" for v in header_row]
    while header and not header[-1]:
        header.pop()
    columns = check_column_names([h.strip() for h in header])

    def records() -> Iterator[dict[str, Any]]:
        try:
            for number, row in enumerate(rows, start=2):
                if all(v is None for v in row):
                    continue
                if any(v is not None for v in row[len(columns) :]):
                    raise UnprocessableInput(
                        f"Row {number} has values beyond the {len(columns)} header columns.",
                        code="ragged_rows",
                        details={"row": number},
                    )
                yield dict(zip(columns, row, strict=False))
        finally:
            workbook.close()
            handle.close()

    return columns, records_to_batches(records(), columns)
