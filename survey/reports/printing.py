"""How a sheet prints. Every sheet the renderer makes goes through ``setup``: A4, fitted to the page width
(landscape when the table is wide), the header row repeated on every page, the sheet's name above and the page
number below. ``Pages`` places manual page breaks so that a chart or a small table never straddles a page edge;
``column_width`` and ``lines`` size columns and rows so that every header shows whole. openpyxl only.

Widths are in Excel's unit: the width of a digit of the default font (Calibri 11: 7 px = 5.25 pt). Texts are
measured by an estimate per character that errs on the wide side; it is calibrated on DejaVu Sans, the font
LibreOffice uses for Calibri where Carlito is not installed, which is wider than Calibri: a column sized here
shows its text in Excel and in LibreOffice alike.
"""

from __future__ import annotations

import math
from typing import Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

A4_PAPER = 9  # the paperSize code of A4 in SpreadsheetML
A4_POINTS = (595.3, 841.9)
MARGINS = dict(left=0.5, right=0.5, top=0.75, bottom=0.75, header=0.3, footer=0.3)  # inches
POINTS_PER_UNIT = 5.25  # one unit of column width in Excel (7 px at 96 px an inch)
ROW_POINTS = 15.0  # a row of one line of the 11 pt default font
LANDSCAPE_FROM = 1.2  # a table wider than 1.2 portrait pages prints landscape
MIN_SCALE = 0.6  # a table that one landscape page shows only below 60 % spreads over more pages, key columns repeated

AUTO_WIDTH = 16.0  # a column with no width of its own: its header on one line up to this width, wrapped beyond
LABEL_WIDTH = 44.0  # the first column of a Profile: longer labels wrap
MIN_WIDTH = 6.0
PADDING = 1.5  # the cell's own margins, in width units

_NARROW = frozenset(" .,:;'!|()[]{}ilIjtfr-іїј")
_WIDE = frozenset("mwMWшщжыюфМШЩЖЫЮФ%@№")
_BOLD = 1.12
_SAFETY = 1.05
_WIDEST = 1.45 * _BOLD * _SAFETY  # no character is wider than this


class _Widths(dict):
    """The width of each character, worked out the first time it is seen."""

    def __missing__(self, ch: str) -> float:
        self[ch] = width = (0.6 if ch in _NARROW else 1.45 if ch in _WIDE else 1.3 if ch.isupper()
                            else 1.0 if ch.isdigit() else 0.95)
        return width


_WIDTHS = _Widths()


def text_width(text: str, bold: bool = False) -> float:
    """The width of ``text`` on one line, in width units, a little more rather than less."""
    return sum(map(_WIDTHS.__getitem__, text)) * (_BOLD if bold else 1.0) * _SAFETY


def longest_word(text: str, bold: bool = False) -> float:
    return max((text_width(word, bold) for word in text.split()), default=0.0)


def lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines ``text`` takes when wrapped at spaces in a column ``width`` wide (a word wider than the
    column is broken: it takes as many lines as it needs)."""
    room = max(1.0, width - PADDING)
    if len(text) * _WIDEST <= room and "\n" not in text:
        return 1  # short enough whatever its letters (most cells)
    space = text_width(" ", bold)
    count = 0
    for paragraph in text.split("\n"):
        count, line = count + 1, 0.0
        for word in paragraph.split():
            size = text_width(word, bold)
            if line and line + space + size <= room:
                line += space + size
                continue
            if line:
                count += 1
            count += math.ceil(size / room) - 1
            line = size - room * (math.ceil(size / room) - 1)
    return count


def column_width(header: str, width: float | None = None) -> float:
    """A column wide enough for its header: ``width`` (or the whole header, up to AUTO_WIDTH) and never narrower
    than the header's longest word, so that a wrapped header breaks between words only."""
    wanted = width if width else min(text_width(header, bold=True) + PADDING, AUTO_WIDTH)
    return round(max(wanted, longest_word(header, bold=True) + PADDING, MIN_WIDTH), 1)


def row_height(count: int) -> float | None:
    """The height of a row of ``count`` lines (None: the default height of one line)."""
    return count * ROW_POINTS if count > 1 else None


def _printable_width(orientation: str) -> float:
    size = A4_POINTS[1] if orientation == "landscape" else A4_POINTS[0]
    return size - 72 * (MARGINS["left"] + MARGINS["right"])


def setup(sheet, widths: Sequence[float], *, title_rows: int = 0, key_columns: int = 0) -> None:
    """A4, fit to width, landscape when wide; ``title_rows`` repeated at the top of every page; the sheet's name in
    the header and the page number in the footer. A table too wide to read on one page spreads over as many pages
    as keep it at MIN_SCALE or larger, its first ``key_columns`` repeated on each."""
    wide = sum(widths) * POINTS_PER_UNIT
    page = sheet.page_setup
    page.paperSize = A4_PAPER
    page.orientation = "landscape" if wide > LANDSCAPE_FROM * _printable_width("portrait") else "portrait"
    page.fitToPage = True
    page.fitToWidth = max(1, math.ceil(wide * MIN_SCALE / _printable_width("landscape")))
    page.fitToHeight = 0  # as many pages down as the rows need
    page.pageOrder = "overThenDown"  # a wide table's rows stay together: their continuation comes next
    sheet.page_margins = PageMargins(**MARGINS)
    if title_rows:
        sheet.print_title_rows = f"1:{title_rows}"
    if key_columns and page.fitToWidth > 1:
        sheet.print_title_cols = f"A:{get_column_letter(key_columns)}"
    sheet.oddHeader.center.text = "&A"
    sheet.oddFooter.center.text = "&P / &N"


def page_height(sheet, widths: Sequence[float]) -> float:
    """How much of the sheet a page holds at most, in points at 100 %, a little less to be safe.

    Fitting to width scales the sheet by its printable width over the columns' width, or less (never more than
    100 %). Excel draws columns narrowest (POINTS_PER_UNIT); LibreOffice without Calibri's metrics draws them
    wider and so scales further down: its pages hold more, never less."""
    page = sheet.page_setup
    size = A4_POINTS[0] if page.orientation == "landscape" else A4_POINTS[1]
    scale = min(1.0, page.fitToWidth * _printable_width(page.orientation) / max(1.0, sum(widths) * POINTS_PER_UNIT))
    return 0.95 * (size - 72 * (MARGINS["top"] + MARGINS["bottom"])) / scale


class Pages:
    """Manual page breaks that keep blocks and charts whole on a sheet written row by row.

    A stretch between two breaks that fits ``page_height`` fits on one printed page whatever the scale the
    program printing it chooses, so no automatic break ever falls inside it."""

    def __init__(self, sheet, widths: Sequence[float]):
        self.sheet = sheet
        self.height = page_height(sheet, widths)
        self.row = 0  # rows written so far
        self.used = 0.0  # points of the current page used

    def keep(self, height: float) -> None:
        """Start a new page before something ``height`` points tall unless it fits on this one."""
        if self.used and self.used + height > self.height:
            self.sheet.row_breaks.append(Break(id=self.row))
            self.used = 0.0

    def advance(self, height: float | None = None) -> None:
        """Count one row written (``height`` None: one line)."""
        height = height or ROW_POINTS
        self.keep(height)
        self.row += 1
        self.used += height
