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


def with_part(data: bytes, name: str, change) -> bytes:
    """The same .xlsx with the part ``name`` replaced by ``change(its bytes)``."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    assert name in source.namelist(), name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return buffer.getvalue()
