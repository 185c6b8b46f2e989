"""Render shaped rows into .xlsx (openpyxl write-only, streamed) and CSV. No Flask, no database here.

Safety rules for every cell (issue 6 §6):
- text starting with ``=`` (or equal to an Excel error code such as ``#N/A``) is written as a string cell, never a
  formula; text starting with ``+``, ``-``, ``@``, a tab or a carriage return is a string cell anyway in .xlsx, and
  in CSV every such text is prefixed with an apostrophe so that a spreadsheet opening it shows it as text;
- text longer than 32,767 characters (Excel's cell limit) is cut and ends with ``CUT_MARKER``, visibly;
- characters XML cannot carry (control characters other than tab, LF, CR) become U+FFFD;
- sheet names are unique (case-insensitively, as Excel compares them), without ``[]:*?/\\``, at most 31 characters;
- a table longer than Excel's 1,048,576 rows continues on a new sheet, header repeated: nothing is dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
from typing import IO, Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .sheets import Chart, Column, Table

EXCEL_MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
CUT_MARKER = "…[truncated]"
SHEET_NAME_CHARS = 31
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ERROR_CODES = frozenset(ERROR_CODES)

FORMATS = {
    "percent": "0.0%",
    "decimal": "0.00",
    "int": "0",
    "date": "yyyy-mm-dd",
}
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
FILLS = {"red": PatternFill("solid", fgColor="F8CBAD"), "amber": PatternFill("solid", fgColor="FFE699")}


def clip_text(value: str) -> str:
    """Cut text longer than Excel's cell limit with a visible marker; replace characters XML cannot carry."""
    if len(value) > MAX_CELL_CHARS:
        value = value[:MAX_CELL_CHARS - len(CUT_MARKER)] + CUT_MARKER
    if ILLEGAL_CHARACTERS.search(value):
        value = ILLEGAL_CHARACTERS.sub("\ufffd", value)
    return value


def csv_text(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SheetNames:
    """Unique, valid sheet names of at most 31 characters."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, wanted: str) -> str:
        base = _BAD_SHEET_CHARS.sub("_", wanted).strip().strip("'") or "Sheet"
        base = base[:SHEET_NAME_CHARS]
        name, number = base, 1
        while name.casefold() in self.used or name.casefold() == "history":
            number += 1
            suffix = f" ({number})"
            name = base[:SHEET_NAME_CHARS - len(suffix)] + suffix
        self.used.add(name.casefold())
        return name


class WorkbookWriter:
    """A streamed workbook. Add sheets in order, then ``save``. Keeps a SHA-256 of the hashed data rows."""

    def __init__(self, max_rows: int = EXCEL_MAX_ROWS) -> None:
        self.book = Workbook(write_only=True)
        self.names = SheetNames()
        self.max_rows = max_rows
        self.digest = hashlib.sha256()
        self.row_counts: dict[str, int] = {}

    # cells ------------------------------------------------------------------------------------------------------
    def _cell(self, sheet, value: Any, fmt: str | None = None, font: Font | None = None):
        if isinstance(value, str):
            value = clip_text(value)
            if value.startswith("=") or value in _ERROR_CODES:
                cell = WriteOnlyCell(sheet, value)
                cell.data_type = "s"
                if font:
                    cell.font = font
                return cell
        if fmt is None and font is None:
            return value
        cell = WriteOnlyCell(sheet, value)
        if fmt and value is not None:
            cell.number_format = FORMATS.get(fmt, fmt)
        if font:
            cell.font = font
        return cell

    def _row(self, sheet, values: Sequence[Any], formats: Sequence[str | None], font: Font | None = None) -> list:
        return [self._cell(sheet, value, fmt, font) for value, fmt in zip(values, formats)]

    def _hash(self, values: Sequence[Any]) -> None:
        self.digest.update(("\t".join("" if v is None else str(v) for v in values) + "\n").encode("utf-8"))

    # sheets -----------------------------------------------------------------------------------------------------
    def new_sheet(self, title: str, columns: Sequence[Column] = (), freeze: bool = False):
        sheet = self.book.create_sheet(self.names.make(title))
        for index, column in enumerate(columns, start=1):
            if column.width:
                sheet.column_dimensions[get_column_letter(index)].width = column.width
        if freeze:
            sheet.freeze_panes = "A2"
        self.row_counts[sheet.title] = 0
        return sheet

    def write_table(self, table: Table) -> list[str]:
        """Write ``table`` on its own sheet(s); returns the sheet names (more than one past Excel's row limit)."""
        sheet = self.new_sheet(table.title, table.columns, table.freeze)
        names = [sheet.title]
        formats = [c.fmt for c in table.columns]
        headers = [c.header for c in table.columns]
        sheet.append(self._row(sheet, headers, [None] * len(headers), BOLD))
        used = 1
        fast = all(fmt is None for fmt in formats)
        for values in table.rows:
            if used >= self.max_rows:
                self._finish(sheet, table, used)
                sheet = self.new_sheet(f"{table.title} ({len(names) + 1})", table.columns, table.freeze)
                names.append(sheet.title)
                sheet.append(self._row(sheet, headers, [None] * len(headers), BOLD))
                used = 1
            if table.hashed:
                self._hash(values)
            if fast:
                sheet.append([self._cell(sheet, v) if v.__class__ is str else v for v in values])
            else:
                sheet.append(self._row(sheet, values, formats))
            used += 1
        data_rows = used - 1
        if table.totals is not None:
            sheet.append(self._row(sheet, table.totals, formats, BOLD))
            used += 1
        self._finish(sheet, table, used, data_rows)
        return names

    def _finish(self, sheet, table: Table, used: int, data_rows: int | None = None) -> None:
        self.row_counts[sheet.title] = used - 1
        last_column = get_column_letter(max(1, len(table.columns)))
        last_data_row = 1 + (data_rows if data_rows is not None else used - 1)
        if table.autofilter and last_data_row > 1:
            sheet.auto_filter.ref = f"A1:{last_column}{last_data_row}"
        for rule in table.highlights:
            letter = get_column_letter(rule.column + 1)
            if last_data_row > 1:
                sheet.conditional_formatting.add(
                    f"{letter}2:{letter}{last_data_row}",
                    CellIsRule(operator=rule.operator, formula=[repr(rule.value)], fill=FILLS[rule.fill]))

    def write_blocks(self, title: str, blocks: Sequence[Table], widths: Sequence[float] = ()) -> str:
        """Several small tables one under another on one sheet, each with its charts to the right."""
        sheet = self.new_sheet(title, [Column("", width=w) for w in widths])
        row = 0
        chart_row = 1
        for block in blocks:
            formats = [c.fmt for c in block.columns]
            sheet.append(self._row(sheet, [c.header for c in block.columns], [None] * len(formats), BOLD))
            row += 1
            first = row
            for values in block.rows:
                if block.hashed:
                    self._hash(values)
                sheet.append(self._row(sheet, values, formats))
                row += 1
            for chart in block.charts:
                if row > first:
                    sheet.add_chart(_chart(sheet, chart, first, row), block.chart_anchor or f"F{chart_row}")
                    chart_row += 18
            sheet.append([])
            row += 1
        self.row_counts[sheet.title] = row
        return sheet.title

    def write_pairs(self, title: str, pairs: Iterable[tuple[str, Any]]) -> str:
        """A two-column sheet of labels and values (the About sheet)."""
        sheet = self.new_sheet(title, [Column("", width=34), Column("", width=70)])
        count = 0
        for label, value in pairs:
            sheet.append([self._cell(sheet, label, font=BOLD), self._cell(sheet, value)])
            count += 1
        self.row_counts[sheet.title] = count
        return sheet.title

    def sha256(self) -> str:
        return self.digest.hexdigest()

    def save(self, target: str | IO[bytes]) -> None:
        if not self.book.worksheets:
            self.new_sheet("Sheet")
        self.book.save(target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def _chart(sheet, spec: Chart, header_row: int, last_row: int):
    chart = PieChart() if spec.kind == "pie" else BarChart()
    if spec.kind != "pie":
        chart.type = "bar"
        chart.y_axis.numFmt = "0%" if spec.percent else "General"
        chart.legend.position = "b"
        chart.height, chart.width = 8, 14
    chart.title = spec.title
    for column in spec.value_columns:
        data = Reference(sheet, min_col=column + 1, min_row=header_row, max_row=last_row)
        chart.add_data(data, titles_from_data=True)
    labels = Reference(sheet, min_col=spec.label_column + 1, min_row=header_row + 1, max_row=last_row)
    chart.set_categories(labels)
    return chart


def write_csv(target: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UTF-8 with BOM, comma-separated, dates ISO, decimals with a point; formula-like text prefixed. Row count."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    count = 0
    for values in rows:
        writer.writerow([_csv_value(v) for v in values])
        count += 1
    text.flush()
    text.detach()
    return count


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def render(sheets, target: str | IO[bytes], max_rows: int = EXCEL_MAX_ROWS) -> WorkbookWriter:
    """Write a list of Table / Blocks / Pairs (survey.reports.sheets) as one workbook to ``target``."""
    from .sheets import Blocks, Pairs

    writer = WorkbookWriter(max_rows=max_rows)
    for sheet in sheets:
        if isinstance(sheet, Table):
            writer.write_table(sheet)
        elif isinstance(sheet, Blocks):
            writer.write_blocks(sheet.title, sheet.tables, sheet.widths)
        elif isinstance(sheet, Pairs):
            pairs = sheet.pairs(writer.sha256(), dict(writer.row_counts)) if callable(sheet.pairs) else sheet.pairs
            writer.write_pairs(sheet.title, pairs)
    writer.save(target)
    return writer
