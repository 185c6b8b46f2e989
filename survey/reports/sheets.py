"""What a sheet holds, independent of the library that renders it (no openpyxl here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence


@dataclass
class Column:
    header: str
    fmt: str | None = None  # "percent", "decimal", "int", "number" (int for whole numbers, else decimal), "date"
    width: float | None = None  # at least; the renderer widens a column to show its header (wrapped if long)
    wrap: bool = False  # long text wraps within the width, the row grows


@dataclass
class Highlight:
    """Conditional formatting on one column: ``operator`` as in Excel (greaterThan, lessThan …)."""

    column: int  # 0-based index into the table's columns
    operator: str
    value: float
    fill: str = "red"  # "red" or "amber"


@dataclass
class Chart:
    """A native Excel chart over a block just written: labels in ``label_column``, series in ``value_columns``."""

    kind: str  # "bar" or "pie"
    title: str
    label_column: int = 0
    value_columns: tuple[int, ...] = (1,)
    percent: bool = False


@dataclass
class Table:
    """Rows for one sheet (or one block of a sheet). ``rows`` may be a generator: it is consumed once, streamed."""

    title: str
    columns: list[Column]
    rows: Iterable[Sequence[Any]]
    totals: Sequence[Any] | None = None
    freeze: bool = True
    autofilter: bool = False
    hashed: bool = True
    highlights: list[Highlight] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)  # in a Blocks sheet: drawn under the table
    key_columns: int = 1  # repeated on every page when the table prints more than one page wide


@dataclass
class Blocks:
    """Several small tables, one under another, on one sheet (the Profile)."""

    title: str
    tables: list[Table]
    widths: Sequence[float] = ()  # at least; the renderer sizes the columns to what they hold


@dataclass
class Pairs:
    """A sheet of label → value rows. ``pairs`` may be a function of (SHA-256 of the data rows written so far,
    {sheet name: row count}), for the About sheet that is written last."""

    title: str
    pairs: Any  # Iterable[tuple[str, Any]] | Callable[[str, dict[str, int]], Iterable[tuple[str, Any]]]


Sheet = Table | Blocks | Pairs
