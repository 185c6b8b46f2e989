"""Spreadsheet files for the importer tests, built in memory."""

from __future__ import annotations

import io

import openpyxl


def xlsx_bytes(rows: list[list]) -> bytes:
    """An .xlsx file whose first sheet holds ``rows`` (cells keep their Python types: numbers stay numbers)."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
