"""Import the organization registry from .xlsx/.csv: validate every row, then upsert by BIN, or change nothing.

The CLI command and the administrator's upload page both call ``import_organizations``, which writes the audit
record; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit
from .. import codebook as cb
from ..domain import IdentityError, check_id, normalize_id, parse_iin
from ..extensions import db
from ..models import District, Organization, Region
from ..tabular import TableError, as_text, read_table

COLUMNS = ("bin", "id_kind", "name_ru", "name_kk", "level", "org_type", "ownership", "region", "district", "kato",
           "languages", "address")
REQUIRED = ("bin", "level", "ownership", "region", "district")
FIELDS = ("id_kind", "name_ru", "name_kk", "level", "org_type", "ownership", "kato", "languages", "address")

ID_REASONS = {
    "length": _l("must have 12 digits"),
    "digits": _l("must contain digits only"),
    "unissuable": _l("is not a valid number (no check digit exists for it)"),
    "check_digit": _l("the check digit does not match: check for a typing error"),
    "century": _l("the 7th digit of an IIN must be 1 to 6"),
    "birth_date": _l("the first six digits of an IIN must be a birth date"),
}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: Any  # a lazy translated string

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


MAX_LISTED_ERRORS = 100  # a refused file lists this many row errors, then says how many more there are


class RowErrors:
    """The row errors of an import as it reads on: every one is counted, the first ``MAX_LISTED_ERRORS`` kept
    (a file bad on every row must not fill the memory, nor a page, with millions of them)."""

    def __init__(self) -> None:
        self.listed: list[RowError] = []
        self.total = 0

    def append(self, error: RowError) -> None:
        self.total += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(error)

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.append(error)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[RowError]:
        return iter(self.listed)


class ImportRejected(Exception):
    """The file was refused as a whole; nothing was changed. ``errors`` lists at most ``MAX_LISTED_ERRORS`` row
    errors; ``total`` counts them all and ``more`` those not listed."""

    def __init__(self, errors: RowErrors | list[RowError], warnings: list[Any] | None = None,
                 file_error: Any = None):
        super().__init__(f"{len(errors)} errors")
        self.errors = list(errors)[:MAX_LISTED_ERRORS]
        self.total = len(errors)
        self.more = self.total - len(self.errors)
        self.warnings = warnings or []
        self.file_error = file_error

    @property
    def more_message(self) -> Any:
        """What to say after the listed errors, when some are not listed."""
        if not self.more:
            return None
        return _l("…and %(n)s more errors. Correct the rows above and upload the file again to see them.",
                  n=self.more)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    regions_created: int = 0
    districts_created: int = 0
    warnings: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _fold(text: str) -> str:
    return text.casefold()


def _split_codes(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]


def _validate_row(number: int, raw: dict[str, Any], errors: list[RowError]) -> dict[str, Any] | None:
    """Clean one row into model values, appending every problem to ``errors``."""
    row: dict[str, Any] = {}
    start = len(errors)

    def fail(column: str, message: Any) -> None:
        errors.append(RowError(number, column, message))

    for column in REQUIRED:
        if raw.get(column) is None:
            fail(column, _l("is required"))

    id_kind = cb.IdKind.BIN.value
    if raw.get("id_kind") is not None:
        id_kind = cb.parse_code("id_kind", as_text(raw["id_kind"])) or ""
        if not id_kind:
            fail("id_kind", _l("must be one of: %(codes)s", codes="bin, iin"))
    row["id_kind"] = id_kind or cb.IdKind.BIN.value

    if raw.get("bin") is not None:
        text = as_text(raw["bin"]) if not isinstance(raw["bin"], (int, float)) else None
        if text and re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", text.replace(",", ".")):
            fail("bin", _l("was saved in scientific notation (e.g. 4.01E+10) and its digits are lost; format the column as text"))
        else:
            number_text = normalize_id(raw["bin"])
            try:
                if id_kind == cb.IdKind.IIN.value:
                    parse_iin(number_text)
                else:
                    check_id(number_text)
            except IdentityError as exc:
                fail("bin", ID_REASONS[exc.code])
            row["bin"] = number_text

    names = 0
    for column in ("name_ru", "name_kk"):
        value = as_text(raw.get(column))
        if value is not None:
            names += 1
            if len(value) > 300:
                fail(column, _l("is longer than %(n)s characters", n=300))
        row[column] = value
    if names == 0:
        fail("name_ru", _l("at least one of name_ru and name_kk is required"))

    for column, allowed in (("level", cb.CODES["level"]), ("ownership", cb.CODES["ownership"]),
                            ("org_type", cb.ORG_TYPES)):
        value = as_text(raw.get(column))
        if value is None:
            row[column] = None
            continue
        code = cb.parse_code(column, value)
        if code is None:
            fail(column, _l("%(value)s is not one of: %(codes)s", value=value, codes=", ".join(allowed)))
        row[column] = code

    for column in ("region", "district"):
        value = as_text(raw.get(column))
        if value is not None and len(value) > 120:
            fail(column, _l("is longer than %(n)s characters", n=120))
        row[column] = value

    kato = as_text(raw.get("kato"))
    if kato is not None and not re.fullmatch(r"\d{1,12}", kato):
        fail("kato", _l("must be a KATO code of up to 12 digits"))
    row["kato"] = kato

    languages = as_text(raw.get("languages"))
    if languages is not None:
        codes = []
        for part in _split_codes(languages):
            code = cb.parse_code("language", part)
            if code is None:
                fail("languages", _l("%(value)s is not one of: %(codes)s", value=part, codes=", ".join(cb.LANGUAGES)))
            elif code not in codes:
                codes.append(code)
        languages = ";".join(codes) or None
    row["languages"] = languages

    address = as_text(raw.get("address"))
    if address is not None and len(address) > 500:
        fail("address", _l("is longer than %(n)s characters", n=500))
    row["address"] = address
    return row if len(errors) == start else None


def _validate_file(data: bytes, filename: str) -> tuple[list[dict[str, Any]], RowErrors, list[Any]]:
    """Check the header row, then every row as it is read. Returns (clean rows, errors, warnings)."""
    table = read_table(data, filename, kind="registry")
    warnings = list(table.warnings)
    errors = RowErrors()
    missing = [c for c in REQUIRED if c not in table.headers]
    if "name_ru" not in table.headers and "name_kk" not in table.headers:
        missing.append("name_ru / name_kk")
    if missing:
        raise ImportRejected(
            [], warnings, _l("Required columns are missing from the header row: %(columns)s", columns=", ".join(missing))
        )
    unknown = [h for h in table.headers if h not in COLUMNS]
    if unknown:
        warnings.append(_l("Unknown columns were ignored: %(columns)s", columns=", ".join(unknown)))
    clean: list[dict[str, Any]] = []
    first_row_of: dict[str, int] = {}
    for number, raw in table.rows:
        row = _validate_row(number, raw, errors)
        bin_ = row["bin"] if row else normalize_id(raw.get("bin"))
        if bin_:
            if bin_ in first_row_of:
                errors.append(RowError(number, "bin", _l("the same BIN is already on row %(row)s", row=first_row_of[bin_])))
                continue
            first_row_of[bin_] = number
        if row is not None:
            clean.append(row)
    if not clean and not errors:
        raise ImportRejected([], warnings, _l("The file has a header row but no organizations."))
    return clean, errors, warnings


def import_organizations(data: bytes, filename: str = "", *, by: audit.Actor = None) -> ImportSummary:
    """Validate the whole file, then upsert every organization by BIN; all or nothing. Audited (``by`` is who
    imports); flushes, the caller commits."""
    try:
        rows, errors, warnings = _validate_file(data, filename)
    except TableError as exc:
        raise ImportRejected([], [], exc.message) from exc
    if errors:
        raise ImportRejected(errors, warnings)

    summary = ImportSummary(warnings=warnings)
    with db.session.begin_nested():
        districts = _resolve_districts(rows, summary)
        existing: dict[str, Organization] = {}
        bins = [row["bin"] for row in rows]
        for start in range(0, len(bins), 900):
            chunk = bins[start:start + 900]
            for org in db.session.scalars(sa.select(Organization).where(Organization.bin.in_(chunk))):
                existing[org.bin] = org
        for row in rows:
            district = districts[(_fold(row["region"]), _fold(row["district"]))]
            values = {name: row[name] for name in FIELDS}
            org = existing.get(row["bin"])
            if org is None:
                db.session.add(Organization(bin=row["bin"], district=district, **values))
                summary.created += 1
                continue
            changed = org.district_id != district.id
            for name, value in values.items():
                if getattr(org, name) != value:
                    setattr(org, name, value)
                    changed = True
            if changed:
                org.district = district
                summary.updated += 1
            else:
                summary.unchanged += 1
        db.session.flush()
    audit.record("registry.import", by=by, details={
        "file": filename, "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged})
    return summary


def _resolve_districts(rows: list[dict[str, Any]], summary: ImportSummary) -> dict[tuple[str, str], District]:
    """Find or create each (region, district) named in the file, matching names case-insensitively."""
    regions = {_fold(r.name): r for r in db.session.scalars(sa.select(Region))}
    districts = {(_fold(d.region.name), _fold(d.name)): d
                 for d in db.session.scalars(sa.select(District).options(sa.orm.joinedload(District.region)))}
    for row in rows:
        region_key, district_key = _fold(row["region"]), _fold(row["district"])
        region = regions.get(region_key)
        if region is None:
            region = regions[region_key] = Region(name=row["region"])
            db.session.add(region)
            summary.regions_created += 1
        if (region_key, district_key) not in districts:
            districts[(region_key, district_key)] = District(region=region, name=row["district"])
            db.session.add(districts[(region_key, district_key)])
            summary.districts_created += 1
    db.session.flush()
    return districts
