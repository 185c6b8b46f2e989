"""Reading uploaded tables (.xlsx or .csv) into rows of clean text, shared by every import.

Copes with what people's spreadsheets really contain: a UTF-8 BOM, cp1251 CSV files, commas or semicolons,
blank rows, non-breaking and stray spaces, numbers where text was meant, and files that are no
spreadsheet at all (which raise ``TableError`` with a translated reason, never a traceback).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # an .xlsx that inflates past this is refused (zip bomb)
MAX_COMPRESSION_RATIO = 200

_INVISIBLE = re.compile(r"[\u00a0\u2007\u202f\u2000-\u200a\u3000\ufeff\u200b-\u200d\u2060\t\r\n]+")
_SPACES = re.compile(r" {2,}")


class TableError(Exception):
    """The file cannot be read as a table at all."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (row number as the user sees it, column -> value)
    warnings: list[Any] = field(default_factory=list)


def clean_text(value: Any) -> Any:
    """Text with invisible and non-breaking spaces made plain, runs of spaces collapsed, ends trimmed.

    Non-text values (numbers, dates) are returned unchanged; an empty string becomes None.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = _SPACES.sub(" ", _INVISIBLE.sub(" ", value)).strip()
        return text or None
    return value


def normalize_header(value: Any) -> str:
    text = clean_text(str(value)) if value is not None else None
    return (text or "").lower().replace(" ", "_")


def read_table(data: bytes, filename: str = "") -> Table:
    """Parse an uploaded file's bytes as .xlsx or .csv, whatever its name says."""
    if not data or not data.strip():
        raise TableError(_l("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableError(_l("This is an old Excel .xls file. Save it as .xlsx (Excel Workbook) or .csv and upload again."))
    if filename.lower().endswith(".xlsx"):
        raise TableError(_l("The file is named .xlsx but is not an Excel workbook."))
    return _read_csv(data)


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
            if "xl/workbook.xml" not in archive.namelist():
                raise TableError(_l("The file is a zip archive, not an Excel workbook."))
    except zipfile.BadZipFile as exc:
        raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc
    if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
        raise TableError(_l("The workbook unpacks to an implausible size and was refused."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise TableError(_l("The first sheet is empty."))
        headers = [normalize_header(h) for h in header_row]
        body = []
        for number, values in enumerate(rows, start=2):
            record = {h: clean_text(v) for h, v in zip(headers, values) if h}
            if any(v is not None for v in record.values()):
                body.append((number, record))
    finally:
        workbook.close()
    return _finish(headers, body)


def _decode(data: bytes) -> tuple[str, list[Any]]:
    if b"\x00" in data[:4096]:
        raise TableError(_l("The file is not a spreadsheet: upload an .xlsx workbook or a .csv file."))
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), [_l("The file is not in UTF-8; it was read as Windows-1251 (Cyrillic).")]
    except UnicodeDecodeError as exc:
        raise TableError(_l("The file's text encoding is not UTF-8; save it as CSV UTF-8.")) from exc


def _read_csv(data: bytes) -> Table:
    text, warnings = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0 and len(first_line) > 200:
        raise TableError(_l("The file is not a spreadsheet: upload an .xlsx workbook or a .csv file."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_row = next(reader, None)
        if header_row is None:
            raise TableError(_l("The file is empty."))
        headers = [normalize_header(h) for h in header_row]
        body = []
        for values in reader:
            number = reader.line_num
            record = {h: clean_text(_unguard(v)) for h, v in zip(headers, values) if h}
            if any(v is not None for v in record.values()):
                body.append((number, record))
    except csv.Error as exc:
        raise TableError(_l("The CSV file is malformed near line %(line)s.", line=reader.line_num)) from exc
    table = _finish(headers, body)
    table.warnings[:0] = warnings
    return table


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _unguard(value: str) -> str:
    """Undo the apostrophe our CSV exports put before text that a spreadsheet would run as a formula."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _finish(headers: list[str], body: list[tuple[int, dict[str, Any]]]) -> Table:
    seen = set()
    for header in headers:
        if header and header in seen:
            raise TableError(_l("The column %(column)s appears twice in the header row.", column=header))
        seen.add(header)
    return Table(headers=[h for h in headers if h], rows=body)


def as_text(value: Any) -> str | None:
    """A cell as text: whole numbers without '.0', dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
