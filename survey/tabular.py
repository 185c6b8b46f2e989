"""Reading uploaded tables (.xlsx or .csv) into rows of clean text, shared by every import.

Copes with what people's spreadsheets really contain: a UTF-8 BOM, cp1251 CSV files, commas or semicolons,
blank rows, non-breaking and stray spaces, numbers where text was meant, and files that are no
spreadsheet at all (which raise ``TableError`` with a translated reason, never a traceback).

Nothing here can tie up a server: the header row is read first (the importer checks it before any data row),
data rows are streamed one at a time, and reading stops with a ``TableError`` past the row limit of the kind of
import (a setting, ``MAX_UPLOAD_ROWS_<KIND>``). A workbook is refused before parsing when it unpacks to an
implausible size (or to more distinct texts than its rows could use) or any of its parts carries a document type
declaration (Excel never writes one), and a sheet whose XML breaks half-way raises ``TableError`` at that row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from flask import current_app
from flask_babel import lazy_gettext as _l

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # an .xlsx that inflates past this is refused (zip bomb)
MAX_COMPRESSION_RATIO = 200
# The setting that caps the data rows of each kind of import, and its default (README, Configuration). A national
# registry has about 20,000 organizations; a roster a few hundred people; a paper import a district's forms.
ROW_LIMITS = {
    "registry": ("MAX_UPLOAD_ROWS_REGISTRY", 50_000),
    "roster": ("MAX_UPLOAD_ROWS_ROSTER", 5_000),
    "responses": ("MAX_UPLOAD_ROWS_RESPONSES", 20_000),
    "growth": ("MAX_UPLOAD_ROWS_GROWTH", 5_000),  # a row per district and level: about 200 districts
}
STRINGS_PER_ROW = 10  # a workbook's table of distinct texts may hold this many for each row allowed

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
    # (row number as the user sees it, column -> value), read one at a time: iterating raises ``TableError``
    # past the row limit or where the file turns out to be damaged, and can be done once
    rows: Iterator[tuple[int, dict[str, Any]]]
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


def row_limit(kind: str) -> int:
    setting, default = ROW_LIMITS[kind]
    return int(current_app.config.get(setting) or default)


def read_table(data: bytes, filename: str = "", *, kind: str, sheet: int = 0) -> Table:
    """Parse an uploaded file's bytes as .xlsx or .csv, whatever its name says, for the import ``kind`` (a key of
    ``ROW_LIMITS``): the header row now, the data rows as they are iterated. ``sheet``: a workbook's sheet by its
    place (``sheet_names``)."""
    limit = row_limit(kind)
    if not data or not data.strip():
        raise TableError(_l("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, kind, limit, sheet)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableError(_l("This is an old Excel .xls file. Save it as .xlsx (Excel Workbook) or .csv and upload again."))
    if filename.lower().endswith(".xlsx"):
        raise TableError(_l("The file is named .xlsx but is not an Excel workbook."))
    return _read_csv(data, kind, limit)


def _too_many_rows(kind: str, limit: int) -> TableError:
    return TableError(_l("The file has more than %(limit)s rows below its header (empty rows between filled ones "
                         "count too): one import takes at most %(limit)s (setting %(setting)s). Split the file, or "
                         "delete what lies below the table, and upload again.",
                         limit=f"{limit:,}".replace(",", "\u00a0"), setting=ROW_LIMITS[kind][0]))


def _damaged_sheet(number: int) -> TableError:
    return TableError(_l("The workbook's sheet is damaged near row %(row)s and cannot be read. Open it in Excel or "
                         "LibreOffice, save it again as .xlsx, and upload the new file.", row=number))


def _check_archive(data: bytes) -> None:
    """Refuse a workbook before parsing it: not a workbook, a zip bomb, or XML with a document type declaration
    (which Excel never writes, and which could expand entities or fetch other files)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if "xl/workbook.xml" not in archive.namelist():
                raise TableError(_l("The file is a zip archive, not an Excel workbook."))
            total = sum(info.file_size for info in members)
            packed = sum(info.compress_size for info in members) or 1
            if total > MAX_UNCOMPRESSED_BYTES or total / packed > MAX_COMPRESSION_RATIO:
                raise TableError(_l("The workbook unpacks to an implausible size and was refused."))
            for info in members:  # every part, whatever its name: the relationships may call any part a sheet
                with archive.open(info) as part:
                    if _declares_doctype(part):
                        raise TableError(_l("The workbook contains a document type declaration (DTD), which Excel "
                                            "never writes; it was refused. Open the file in Excel or LibreOffice, "
                                            "save it again as .xlsx, and upload the new file."))
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - what a damaged zip raises: BadZipFile, zlib.error, ValueError, …
        raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc


check_workbook = _check_archive  # for readers of whole workbooks (an XLSForm): the same refusals before parsing


def _open_part(archive: zipfile.ZipFile, name: str):
    try:
        return archive.open(name)
    except Exception as exc:  # noqa: BLE001 - whatever a damaged archive raises
        raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc


class _Prolog(Exception):
    def __init__(self, doctype: bool):
        self.doctype = doctype


def _declares_doctype(part) -> bool:
    """Whether an XML part declares a DOCTYPE: parses only its prolog, up to the first element."""
    parser = expat.ParserCreate()

    def doctype(*_args) -> None:
        raise _Prolog(True)

    def element(*_args) -> None:
        raise _Prolog(False)

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = element
    try:
        while chunk := part.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Prolog as found:
        return found.doctype
    except expat.ExpatError as exc:
        if exc.code in _UNREADABLE_ENCODINGS:  # lxml might read what expat cannot: no part escapes the check
            raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc
        return False  # broken XML, or no XML at all (an image): the parser below says if it matters
    return False


_UNREADABLE_ENCODINGS = {expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING],
                         expat.errors.codes[expat.errors.XML_ERROR_INCORRECT_ENCODING]}


def sheet_names(data: bytes) -> list[str]:
    """The names of a workbook's worksheets, in the order ``read_table``'s ``sheet`` counts them."""
    from openpyxl.reader.excel import ExcelReader

    _check_archive(data)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        try:
            reader.read_manifest()
            reader.read_workbook()
            return [sheet.name for sheet, rel in reader.parser.find_sheets()
                    if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        finally:
            reader.archive.close()
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc


def _read_xlsx(data: bytes, kind: str, limit: int, sheet: int = 0) -> Table:
    """The first worksheet, streamed. openpyxl's parts read the workbook; its read-only worksheet is not used, as
    it parses a whole sheet that has no <dimension> element (openpyxl writes none) just to learn its size."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    _check_archive(data)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        strings = reader.package.find(SHARED_STRINGS)
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc
    if strings is not None:  # the table of texts is read whole before any row, tens of microseconds a text
        with _open_part(reader.archive, strings.PartName[1:]) as source:
            _count_elements(source, "si", limit * STRINGS_PER_ROW,
                            lambda: TableError(_l("The workbook unpacks to an implausible size and was refused.")))
    try:
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [rel.target for _sheet, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        if len(sheets) <= sheet:
            raise ValueError("no worksheet")
    except Exception as exc:  # openpyxl raises many kinds of errors on broken files
        raise TableError(_l("The file is damaged or is not an Excel workbook.")) from exc
    rows = _xlsx_rows(reader, sheets[sheet], kind, limit)
    try:
        headers = next(rows)
        _check_headers(headers)
    except BaseException:
        rows.close()
        raise
    return Table(headers=[h for h in headers if h], rows=rows)


def _xlsx_rows(reader, sheet: str, kind: str, limit: int) -> Iterator[Any]:
    """First the header row's names; then, once the rows are counted within the limit, each data row as (row
    number, column -> clean value). Blank rows are skipped but count, as does every row number passed over: one
    cell far below the table cannot make the reader walk a million rows."""
    from openpyxl.worksheet._reader import WorkSheetParser

    workbook = reader.wb
    try:
        with _open_part(reader.archive, sheet) as source:
            parsed = WorkSheetParser(source, reader.shared_strings, data_only=True, epoch=workbook.epoch,
                                     date_formats=workbook._date_formats,
                                     timedelta_formats=workbook._timedelta_formats).parse()
            found = _next_row(parsed, 0)
            if found is None:
                raise TableError(_l("The first sheet is empty."))
            number, cells = found
            # no row 1: no header (the importer names the missing columns), and no column to read data rows into
            width = max((cell["column"] for cell in cells), default=0) if number == 1 else 0
            values = {cell["column"]: cell["value"] for cell in cells}
            headers = [normalize_header(values.get(column)) for column in range(1, width + 1)]
            yield headers
            with _open_part(reader.archive, sheet) as again:  # the rows with the header: refused before read
                _count_elements(again, "row", limit + 1, lambda: _too_many_rows(kind, limit), numbered=True)
            named = [(column, header) for column, header in enumerate(headers, start=1) if header]
            count = 0
            while (found := _next_row(parsed, number)) is not None:
                number, cells = found
                count += 1
                if count > limit or number - 1 > limit:
                    raise _too_many_rows(kind, limit)
                values = {cell["column"]: cell["value"] for cell in cells}
                record = {header: clean_text(values.get(column)) for column, header in named}
                if any(v is not None for v in record.values()):
                    yield number, record
    finally:
        reader.archive.close()


def _next_row(parsed, number: int) -> tuple[int, list[dict[str, Any]]] | None:
    try:
        return next(parsed, None)
    except Exception as exc:  # noqa: BLE001 - a broken sheet, whatever openpyxl or the XML parser raise
        raise _damaged_sheet(number + 1) from exc


def _count_elements(source, tag: str, most: int, refusal, *, numbered: bool = False) -> None:
    """A pass over a part's XML that only counts its ``tag`` elements, in C but for one call an element, and raises
    ``refusal()`` past ``most`` (with ``numbered``, also at an element whose r attribute numbers it past ``most``)."""
    parser = expat.ParserCreate()
    count = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal count
        if name == tag or name.endswith(":" + tag):
            count += 1
            number = attributes.get("r", "") if numbered else ""
            if count > most or (number.isdigit() and int(number) > most):
                raise refusal()

    parser.StartElementHandler = start
    _feed(parser, source)


def _feed(parser, source) -> None:
    """Run an expat parser with counting handlers over a part. A TableError from a handler goes up; broken XML or a
    damaged part is left to the parse that reads the values, which says where."""
    try:
        while chunk := source.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except TableError:
        raise
    except Exception:  # noqa: BLE001 - whatever the XML or the zip is broken with
        return


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


def _read_csv(data: bytes, kind: str, limit: int) -> Table:
    text, warnings = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0 and len(first_line) > 200:
        raise TableError(_l("The file is not a spreadsheet: upload an .xlsx workbook or a .csv file."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_row = next(reader, None)
    except csv.Error as exc:
        raise TableError(_l("The CSV file is malformed near line %(line)s.", line=reader.line_num)) from exc
    if header_row is None:
        raise TableError(_l("The file is empty."))
    headers = [normalize_header(h) for h in header_row]
    _check_headers(headers)
    return Table(headers=[h for h in headers if h], rows=_csv_rows(reader, text, headers, kind, limit),
                 warnings=warnings)


def _csv_rows(reader, text: str, headers: list[str], kind: str, limit: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """Once the records are counted within the limit (in C), each data row as (line number, column -> value)."""
    count = 0
    try:
        counting = csv.reader(io.StringIO(text, newline=""), delimiter=reader.dialect.delimiter)
        if sum(1 for _ in itertools.islice(counting, limit + 2)) > limit + 1:
            raise _too_many_rows(kind, limit)
        for values in reader:
            count += 1
            if count > limit:
                raise _too_many_rows(kind, limit)
            record = {h: clean_text(_unguard(v)) for h, v in zip(headers, values) if h}
            if any(v is not None for v in record.values()):
                yield reader.line_num, record
    except csv.Error as exc:
        raise TableError(_l("The CSV file is malformed near line %(line)s.", line=reader.line_num)) from exc


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _unguard(value: str) -> str:
    """Undo the apostrophe our CSV exports put before text that a spreadsheet would run as a formula."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _check_headers(headers: list[str]) -> None:
    seen = set()
    for header in headers:
        if header and header in seen:
            raise TableError(_l("The column %(column)s appears twice in the header row.", column=header))
        seen.add(header)


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
