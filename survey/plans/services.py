"""Writes of the forecast's growth table: typed for a district or uploaded for many. Flush, never commit; each
writes its own audit record. The route commits."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from .. import audit
from .. import codebook as cb
from ..auth.scope import visible_district_ids
from ..extensions import db
from ..models import District, GrowthAssumption, Region, User
from ..models.plans import GROWTH_PERCENT_RANGE, GROWTH_PUPILS_LIMIT
from ..registry.services import ImportRejected, RowError, RowErrors
from ..tabular import Table, TableError, as_text, read_table

GROWTH_COLUMNS = ("region", "district", "level", "growth_percent", "growth_pupils")


@dataclass(frozen=True)
class Growth:
    """One district's growth for one level (``level`` None: every level): a per cent a year, a number of pupils a
    year, or neither (back to 0)."""

    level: str | None
    percent: Decimal | None = None
    pupils: int | None = None


def set_growth(user: User, district: District, growth: Growth, *, source: str = "form") -> None:
    """Replace the district's growth for the level (or every level). A growth of 0 removes the rows: 0 is the
    default."""
    levels = [growth.level] if growth.level else [str(level) for level in cb.Level]
    rows = {row.level: row for row in db.session.scalars(sa.select(GrowthAssumption).where(
        GrowthAssumption.district_id == district.id, GrowthAssumption.level.in_(levels)))}
    zero = not growth.percent and not growth.pupils
    for level in levels:
        row = rows.get(level)
        if zero:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = GrowthAssumption(district_id=district.id, level=level)
            db.session.add(row)
        row.percent, row.pupils, row.updated_by_id = growth.percent, growth.pupils, user.id
    db.session.flush()
    audit.record("growth.set", by=user, target=district, details={
        "district": district.name, "levels": levels, "source": source,
        "percent": str(growth.percent) if growth.percent is not None else None, "pupils": growth.pupils})


def _number(raw, column: str, number: int, errors: list[RowError]):
    text = as_text(raw)
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ".").replace("%", "").strip())
    except InvalidOperation:
        errors.append(RowError(number, column, _l("%(value)s is not a number", value=text)))
        return None
    if not value.is_finite():
        errors.append(RowError(number, column, _l("%(value)s is not a number", value=text)))
        return None
    if column == "growth_percent":
        low, high = GROWTH_PERCENT_RANGE
        if not low <= value <= high or value != round(value, 2):
            errors.append(RowError(number, column, _l("must be a per cent from %(low)s to %(high)s with at most two "
                                                      "decimals", low=low, high=high)))
            return None
        return value
    if value != int(value) or abs(value) > GROWTH_PUPILS_LIMIT:
        errors.append(RowError(number, column, _l("must be a whole number of pupils from -%(n)s to %(n)s",
                                                  n=GROWTH_PUPILS_LIMIT)))
        return None
    return int(value)


def import_growth(user: User, data: bytes, filename: str) -> int:
    """Set the growth of every row of an uploaded table (GROWTH_COLUMNS), or nothing: any bad row, or a district
    outside the user's scope, rejects the file with every problem listed. Returns the rows applied."""
    try:
        table = read_table(data, filename, kind="growth")
        changes, errors = _read_growth(user, table)
    except TableError as exc:
        raise ImportRejected([], [], exc.message) from exc
    if errors:
        raise ImportRejected(errors, table.warnings)
    for district_id, growth in changes:
        set_growth(user, db.session.get(District, district_id), growth, source=filename)
    return len(changes)


def _read_growth(user: User, table: Table) -> tuple[list[tuple[int, Growth]], RowErrors]:
    """The growth of each row, checked as the rows are read (the header row first)."""
    missing = [column for column in ("region", "district") if column not in table.headers]
    if missing:
        raise ImportRejected([], table.warnings, _l("Required columns are missing from the header row: %(columns)s",
                                                    columns=", ".join(missing)))
    districts = {(region.casefold(), name.casefold()): district_id for district_id, region, name in db.session.execute(
        sa.select(District.id, Region.name, District.name).join(Region, District.region_id == Region.id)
        .where(District.id.in_(visible_district_ids(user))))}
    errors = RowErrors()
    empty = True
    seen: dict[tuple[int, str | None], int] = {}
    changes: list[tuple[int, Growth]] = []
    for number, raw in table.rows:
        empty = False
        start = errors.total
        region, name = as_text(raw.get("region")) or "", as_text(raw.get("district")) or ""
        district_id = districts.get((region.casefold(), name.casefold()))
        if district_id is None:
            errors.append(RowError(number, "district", _l("%(region)s, %(district)s: no such district in your scope",
                                                          region=region, district=name)))
        level = as_text(raw.get("level"))
        if level is not None:
            code = cb.parse_code("level", level)
            if code is None:
                errors.append(RowError(number, "level", _l("%(value)s is not one of: %(codes)s", value=level,
                                                           codes=", ".join(cb.CODES["level"]))))
            level = code
        percent = _number(raw.get("growth_percent"), "growth_percent", number, errors)
        pupils = _number(raw.get("growth_pupils"), "growth_pupils", number, errors)
        if percent and pupils:
            errors.append(RowError(number, "growth_pupils", _l("give the growth in per cent or in pupils, not both")))
        for key in ([(district_id, level)] if level else [(district_id, code) for code in cb.CODES["level"]]):
            if district_id is not None and key in seen:
                errors.append(RowError(number, "district", _l("the same district and level are already on row "
                                                              "%(row)s", row=seen[key])))
                break
            seen[key] = number
        if errors.total == start:
            changes.append((district_id, Growth(level, percent or None, pupils or None)))
    if empty:
        raise ImportRejected([], table.warnings, _l("The file has a header row but no rows."))
    return changes, errors


def growth_template(user: User, lang: str) -> bytes:
    """An .xlsx of the districts in the user's scope with their growth today: edit it and upload it again."""
    rows = {(row.district_id, str(row.level)): row for row in db.session.scalars(
        sa.select(GrowthAssumption).where(GrowthAssumption.district_id.in_(visible_district_ids(user))))}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "growth"
    sheet.append(list(GROWTH_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for district_id, region, name in db.session.execute(
            sa.select(District.id, Region.name, District.name).join(Region, District.region_id == Region.id)
            .where(District.id.in_(visible_district_ids(user))).order_by(Region.name, District.name)):
        mine = [row for (row_district, _level), row in rows.items() if row_district == district_id]
        if not mine:
            sheet.append([region, name, None, None, None])
        for row in sorted(mine, key=lambda row: cb.CODES["level"].index(str(row.level))):
            sheet.append([region, name, str(row.level), float(row.percent) if row.percent is not None else None,
                          row.pupils])
    notes = workbook.create_sheet("notes")
    notes.append([_("One row per district and level (an empty level: every level). Give growth_percent (per cent a "
                    "year, compounded) or growth_pupils (pupils a year), or neither for no growth.")])
    for level in cb.CODES["level"]:
        notes.append([level, cb.label("level", level, lang)])
    for column in ("A", "B"):
        sheet.column_dimensions[column].width = 28
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
