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


def with_shared_strings(data: bytes, extra: int = 0) -> bytes:
    """The same .xlsx with its texts in a shared-strings table, as Excel and LibreOffice write them (openpyxl
    writes them inline); ``extra`` unused texts are added to the table."""
    import re
    import zipfile

    texts: list[str] = []

    def shared(match) -> bytes:
        texts.append(match.group(2).decode())
        return match.group(1) + b' t="s"><v>' + str(len(texts) - 1).encode() + b"</v></c>"

    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = re.sub(rb'(<c r="[A-Z]+\d+")(?: s="\d+")? t="inlineStr"><is><t>(.*?)</t></is></c>', shared,
                   source.read("xl/worksheets/sheet1.xml"))
    texts += [f"unused {n}" for n in range(extra)]
    table = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
             f'main" count="{len(texts)}" uniqueCount="{len(texts)}">'
             + "".join(f"<si><t>{text}</t></si>" for text in texts) + "</sst>").encode()
    parts = {
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": table,
        "[Content_Types].xml": source.read("[Content_Types].xml").replace(b"</Types>", (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'spreadsheetml.sharedStrings+xml"/></Types>')),
        "xl/_rels/workbook.xml.rels": source.read("xl/_rels/workbook.xml.rels").replace(b"</Relationships>", (
            b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.pop(info.filename, None) or source.read(info))
        for name, content in parts.items():
            target.writestr(name, content)
    return buffer.getvalue()
