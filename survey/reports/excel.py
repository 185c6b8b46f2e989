"""Render shaped rows into .xlsx (openpyxl write-only, streamed) and CSV. No Flask, no database here.

Safety rules for every cell (issue 6 §6):
- text starting with ``=`` (or equal to an Excel error code such as ``#N/A``) is written as a string cell, never a
  formula; text starting with ``+``, ``-``, ``@``, a tab or a carriage return is a string cell anyway in .xlsx, and
  in CSV every such text is prefixed with an apostrophe so that a spreadsheet opening it shows it as text;
- text longer than 32,767 characters (Excel's cell limit) is cut and ends with ``CUT_MARKER``, visibly;
- characters XML cannot carry (control characters other than tab, LF, CR) become U+FFFD;
- sheet names are unique (case-insensitively, as Excel compares them), without ``[]:*?/\\``, at most 31 characters;
- a table longer than Excel's 1,048,576 rows continues on a new sheet, header repeated: nothing is dropped.

Every sheet prints (survey.reports.printing): A4, fit to width, header row repeated, columns wide enough for their
headers, charts and small tables never cut by a page edge.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
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

from . import printing
from .sheets import Chart, Table

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
TOP = Alignment(vertical="top")  # the other cells of a row of several lines
CHART_WIDTH_CM = 16.0
POINTS_PER_CM = 72 / 2.54
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
    def _cell(self, sheet, value: Any, fmt: str | None = None, font: Font | None = None,
              alignment: Alignment | None = None):
        text = isinstance(value, str)
        if text:
            value = clip_text(value)
        formula_like = text and (value.startswith("=") or value in _ERROR_CODES)
        if not formula_like and fmt is None and font is None and alignment is None:
            return value
        cell = WriteOnlyCell(sheet, value)
        if formula_like:
            cell.data_type = "s"
        elif fmt and value is not None:
            if fmt == "number":  # whole numbers (counts) without decimals, the others with two
                fmt = "int" if isinstance(value, int) else "decimal"
            cell.number_format = FORMATS.get(fmt, fmt)
        if font:
            cell.font = font
        if alignment:
            cell.alignment = alignment
        return cell

    def _row(self, sheet, values: Sequence[Any], formats: Sequence[str | None], font: Font | None = None,
             alignments: Sequence[Alignment | None] = ()) -> list:
        alignments = alignments or [None] * len(formats)
        return [self._cell(sheet, value, fmt, font, alignment)
                for value, fmt, alignment in zip(values, formats, alignments)]

    def _header(self, sheet, headers: Sequence[str]) -> list:
        return [self._cell(sheet, header, font=BOLD, alignment=WRAP) for header in headers]

    def _hash(self, values: Sequence[Any]) -> None:
        self.digest.update(("\t".join("" if v is None else str(v) for v in values) + "\n").encode("utf-8"))

    # sheets -----------------------------------------------------------------------------------------------------
    def new_sheet(self, title: str, widths: Sequence[float] = (), freeze: bool = False, *, title_rows: int = 0,
                  key_columns: int = 0):
        """A sheet with these column widths, set up for print (survey.reports.printing.setup)."""
        sheet = self.book.create_sheet(self.names.make(title))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            sheet.freeze_panes = "A2"
        printing.setup(sheet, widths, title_rows=title_rows, key_columns=key_columns)
        self.row_counts[sheet.title] = 0
        return sheet

    def write_table(self, table: Table) -> list[str]:
        """Write ``table`` on its own sheet(s); returns the sheet names (more than one past Excel's row limit)."""
        headers = [c.header for c in table.columns]
        widths = [printing.column_width(c.header, c.width) for c in table.columns]
        header_height = printing.row_height(max((printing.lines(h, w, bold=True) for h, w in zip(headers, widths)),
                                                default=1))

        def start(title: str):
            sheet = self.new_sheet(title, widths, table.freeze, title_rows=1, key_columns=table.key_columns)
            if header_height:
                sheet.row_dimensions[1].height = header_height
            sheet.append(self._header(sheet, headers))
            return sheet

        sheet = start(table.title)
        names = [sheet.title]
        formats = [c.fmt for c in table.columns]
        wrapped = [index for index, column in enumerate(table.columns) if column.wrap]
        alignments = [WRAP if column.wrap else TOP for column in table.columns]
        used = 1
        fast = all(fmt is None for fmt in formats) and not wrapped
        for values in table.rows:
            if used >= self.max_rows:
                self._finish(sheet, table, used)
                sheet = start(f"{table.title} ({len(names) + 1})")
                names.append(sheet.title)
                used = 1
            if table.hashed:
                self._hash(values)
            if fast:
                sheet.append([self._cell(sheet, v) if v.__class__ is str else v for v in values])
            elif wrapped and (height := printing.row_height(max(
                    printing.lines(values[i], widths[i]) if isinstance(values[i], str) else 1 for i in wrapped))):
                sheet.row_dimensions[used + 1].height = height
                sheet.append(self._row(sheet, values, formats, alignments=alignments))
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
        """Several small tables one under another on one sheet, each followed by its charts. Columns are as wide
        as their headers and values (``widths`` at least); the text of a narrower table's last column may run
        on over the columns to its right. A page break keeps each table and each chart whole on a page."""
        shaped = [(block, [list(values) for values in block.rows]) for block in blocks]
        widths = _block_widths(shaped, widths)
        sheet = self.new_sheet(title, widths)
        pages = printing.Pages(sheet, widths)
        written = 0  # rows of the tables and the blank rows between them (not the rows under the charts)
        for block, rows in shaped:
            formats = [c.fmt for c in block.columns]
            laid = [_Line(self, sheet, [c.header for c in block.columns], widths, bold=True)]
            laid += [_Line(self, sheet, values, widths) for values in rows]
            pages.keep(sum(line.height or printing.ROW_POINTS for line in laid))
            first = pages.row + 1
            for number, line in enumerate(laid):
                if number and block.hashed:
                    self._hash(line.values)
                line.write(pages, formats, [BOLD if number == 0 else None] * len(formats))
            last = pages.row
            sheet.append([])
            pages.advance()
            written += len(laid) + 1
            for spec in block.charts:
                if last > first:
                    self._place_chart(sheet, pages, _chart(sheet, spec, first, last), spec, last - first, widths)
        self.row_counts[sheet.title] = written
        return sheet.title

    def _place_chart(self, sheet, pages: printing.Pages, chart, spec: Chart, categories: int,
                     widths: Sequence[float]) -> None:
        """Under the table it draws, as wide as the columns allow, on rows left empty for it, never across a
        page edge."""
        chart.width = min(CHART_WIDTH_CM, sum(widths) * printing.POINTS_PER_UNIT / POINTS_PER_CM)
        if spec.kind == "pie":
            chart.height = 7.5
        else:  # room for every bar and its label
            chart.height = max(6.0, 3.0 + 0.3 * categories * len(spec.value_columns))
        chart.height = min(chart.height, pages.height / POINTS_PER_CM - 1)
        rows = math.ceil(chart.height * POINTS_PER_CM / printing.ROW_POINTS) + 1
        pages.keep(rows * printing.ROW_POINTS)
        sheet.add_chart(chart, f"A{pages.row + 1}")
        for _ in range(rows):
            sheet.append([])
            pages.advance()

    def write_pairs(self, title: str, pairs: Iterable[tuple[str, Any]]) -> str:
        """A two-column sheet of labels and values (the About sheet)."""
        widths = (34, 70)
        sheet = self.new_sheet(title, widths)
        pages = printing.Pages(sheet, widths)
        count = 0
        for label, value in pairs:
            _Line(self, sheet, [label, value], widths).write(pages, (None, None), (BOLD, None))
            count += 1
        self.row_counts[sheet.title] = count
        return sheet.title

    def sha256(self) -> str:
        return self.digest.hexdigest()

    def save(self, target: str | IO[bytes]) -> None:
        if not self.book.worksheets:
            self.new_sheet("Sheet")
        self.book.save(target)


class _Line:
    """One row of a small sheet (Profile, About): its text wraps, and the row is as tall as its lines, where a
    column is too narrow; text in the last column of a row narrower than the sheet runs on over the empty
    columns to its right (merged cells)."""

    def __init__(self, writer: WorkbookWriter, sheet, values: Sequence[Any], widths: Sequence[float],
                 bold: bool = False):
        self.writer, self.sheet, self.values, self.bold = writer, sheet, list(values), bold
        self.columns = len(widths)
        last = len(self.values) - 1
        self.span = last < len(widths) - 1 and isinstance(self.values[last], str) and \
            printing.text_width(self.values[last], bold) + printing.PADDING > widths[last]
        room = [*widths[:last], sum(widths[last:]) if self.span else widths[last]]
        self.lines = [printing.lines(v, w, bold) if isinstance(v, str) else 1 for v, w in zip(self.values, room)]
        self.height = printing.row_height(max(self.lines, default=1))

    def write(self, pages: printing.Pages, formats: Sequence[str | None], fonts: Sequence[Font | None]) -> None:
        row = pages.row + 1
        if self.height:
            self.sheet.row_dimensions[row].height = self.height
        if self.span:
            self.sheet.merged_cells.add(f"{get_column_letter(len(self.values))}{row}:"
                                        f"{get_column_letter(self.columns)}{row}")
        self.sheet.append([self.writer._cell(self.sheet, value, fmt, font, self._alignment(lines))
                           for value, fmt, font, lines in zip(self.values, formats, fonts, self.lines)])
        pages.advance(self.height)

    def _alignment(self, lines: int) -> Alignment | None:
        """Headers and text of several lines wrap; in a row of several lines every cell starts at the top."""
        if self.bold or lines > 1:
            return WRAP
        return TOP if self.height else None


def _block_widths(shaped: Sequence[tuple[Table, list[list]]], minimum: Sequence[float]) -> list[float]:
    """Column widths of a Blocks sheet: every header whole (wrapped between words where long), every value,
    labels in the first column up to LABEL_WIDTH (longer ones wrap)."""
    count = max((len(block.columns) for block, _ in shaped), default=1)
    widths = [float(w) for w in minimum][:count] + [printing.MIN_WIDTH] * max(0, count - len(minimum))
    for block, rows in shaped:
        runs_on = len(block.columns) - 1 if len(block.columns) < count else None  # its text may span to the right
        for index, column in enumerate(block.columns):
            if index == runs_on:
                continue
            widths[index] = max(widths[index], printing.column_width(column.header) if index else min(
                printing.text_width(column.header, bold=True) + printing.PADDING, printing.LABEL_WIDTH))
        for values in rows:
            for index, value in enumerate(values):
                if isinstance(value, str) and index != runs_on:
                    wanted = min(printing.text_width(value) + printing.PADDING, printing.LABEL_WIDTH)
                    widths[index] = max(widths[index], wanted, printing.longest_word(value) + printing.PADDING)
                elif isinstance(value, (int, float)):
                    widths[index] = max(widths[index], printing.text_width(f"{value:,.2f}") + printing.PADDING)
    return [round(w, 1) for w in widths]


def _chart(sheet, spec: Chart, header_row: int, last_row: int):
    chart = PieChart() if spec.kind == "pie" else BarChart()
    if spec.kind != "pie":
        chart.type = "bar"
        chart.x_axis.scaling.orientation = "maxMin"  # the first row's bar on top, as in the table
        chart.y_axis.numFmt = "0%" if spec.percent else "General"
        chart.legend.position = "b"
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
