"""The empty registry template: the header row to fill, and a notes sheet listing every column and code."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .. import codebook as cb
from .services import COLUMNS, REQUIRED


def column_notes() -> dict[str, str]:
    return {
        "bin": _("12 digits with a valid check digit; keep leading zeros (format the column as text)."),
        "id_kind": _("bin (default) or iin, when a sole-proprietor kindergarten uses the owner's IIN."),
        "name_ru": _("Name in Russian, up to 300 characters. At least one of name_ru and name_kk."),
        "name_kk": _("Name in Kazakh, up to 300 characters. At least one of name_ru and name_kk."),
        "level": _("Level of education: a code from the list below."),
        "org_type": _("Type of organization: a code from the list below (optional)."),
        "ownership": _("Ownership: a code from the list below."),
        "region": _("Region (oblast or city of republican significance) as written; created if new."),
        "district": _("District; created under its region if new."),
        "kato": _("KATO code of the settlement or district (optional)."),
        "languages": _("Languages of instruction, codes separated by ';' (optional)."),
        "address": _("Address (optional)."),
    }


def build_registry_template(lang: str) -> bytes:
    """An .xlsx with the 'organizations' sheet (headers, drop-downs) and a 'notes' sheet."""
    notes = column_notes()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "organizations"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column)
        cell.font = bold
        cell.comment = Comment(notes[column], "survey")
        if column in REQUIRED:
            cell.fill = required_fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = 14 if column not in {"name_ru", "name_kk", "address"} else 40
        if column in {"bin", "kato"}:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    for column in ("id_kind", "level", "ownership", "org_type"):
        codes = cb.CODES[column]
        letter = sheet.cell(row=1, column=COLUMNS.index(column) + 1).column_letter
        validation = DataValidation(type="list", formula1='"' + ",".join(codes) + '"', allow_blank=True)
        validation.add(f"{letter}2:{letter}10000")
        sheet.add_data_validation(validation)

    info = workbook.create_sheet("notes")
    info.append([_("Column"), _("Required"), _("Rule")])
    for cell in info[1]:
        cell.font = bold
    for column in COLUMNS:
        info.append([column, _("yes") if column in REQUIRED else _("no"), notes[column]])
    info.append([])
    info.append([_("Allowed codes"), _("Label")])
    info.cell(row=info.max_row, column=1).font = bold
    for field in ("id_kind", "level", "ownership", "org_type", "language"):
        info.append([field])
        info.cell(row=info.max_row, column=1).font = bold
        for code in cb.CODES[field]:
            info.append([code, cb.label(field, code, lang)])
    info.append([])
    info.append([_("One bad row rejects the whole file, with a list of every bad row. Re-importing the same file changes nothing.")])
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 40
    info.column_dimensions["C"].width = 80

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
