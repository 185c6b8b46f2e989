"""Paper questionnaires typed into a spreadsheet: the flat layout of CODEBOOK §2, checked by the same rules as the
web form, imported all or nothing. A row for a person who already answered at that organization updates their
response as a new version; re-importing the same file changes nothing. The caller commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import audit, questions, rules
from .. import codebook as cb
from ..campaigns.services import takes_part
from ..codebook import ResponseStatus
from ..domain import hash_iin, normalize_id, parse_iin
from ..extensions import db
from ..models import Campaign, Organization, OrgReport, Response
from ..models.base import utcnow
from ..questions import Kind, Questionnaire
from ..registry.services import ImportRejected, RowError, RowErrors
from ..tabular import TableError, as_text, read_table
from . import services
from .services import apply_values

PERSON_KEY_COLUMNS = ("person_key", "birth_date", "sex")  # CODEBOOK §0: an export's stand-in for the IIN
PERSON_KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
CHUNK = 900  # identifiers per IN (...) list


@dataclass(frozen=True)
class Layout:
    """The flat layout of a questionnaire: its columns, those a file must have, and each repeated question's items
    (``subjects``: ``subject:hours:language``)."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    items: dict[str, tuple[str, ...]]


def layout(questionnaire: Questionnaire) -> Layout:
    mandatory = questionnaire.mandatory
    together = tuple(code for name in mandatory for code in rules.READ_WITH.get(name, ()))
    items = {q.code: tuple(part.code for part in q.parts if part.in_flat)
             for q in questionnaire.columns if q.kind is Kind.ROWS}
    return Layout(("org_bin", "iin") + PERSON_KEY_COLUMNS + questionnaire.answers, ("org_bin",) + mandatory + together,
                  items)


@dataclass(frozen=True)
class _Birth:
    birth_date: Any


@dataclass
class PaperSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Any] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    organization: Organization
    person_key: str
    birth_date: Any
    sex: str
    values: dict[str, Any]


def _items(parts: tuple[str, ...], text: Any) -> list[dict[str, Any]] | None:
    """'mathematics:12:kk; algebra:8:ru' → rows of parts; None when an item has too many parts."""
    rows = []
    for item in (as_text(text) or "").split(";"):
        if not item.strip():
            continue
        pieces = [piece.strip() for piece in item.split(":")]
        if len(pieces) > len(parts):
            return None
        rows.append(dict(zip(parts, pieces + [""] * (len(parts) - len(pieces)))))
    return rows


def _where(error: rules.FieldError) -> Any:
    if error.row is None:
        return error.message
    return _l("item %(n)s, %(part)s: %(message)s", n=error.row + 1, part=error.part, message=error.message)


def _person(number: int, raw: dict[str, Any], headers: list[str], key: str,
            errors: list[RowError]) -> tuple[str | None, Any, str | None]:
    """(person key, birth date, sex) from the row's IIN, or from the person_key, birth_date and sex that an export
    of this installation writes in its place (the keyed hash only matches with the same IIN_HASH_KEY)."""
    if "iin" in headers and not all(column in headers and raw.get(column) is not None
                                    for column in PERSON_KEY_COLUMNS):
        iin, iin_error = rules.check_iin(raw.get("iin"))
        if iin_error is not None:
            errors.append(RowError(number, "iin", iin_error))
            return None, None, None
        birth, sex = parse_iin(iin)
        return hash_iin(iin, key), birth, sex
    start = len(errors)
    person_key = (as_text(raw.get("person_key")) or "").lower()
    if not PERSON_KEY_PATTERN.fullmatch(person_key):
        errors.append(RowError(number, "person_key", _l("must be the 64-character person key of an export")))
    birth = raw.get("birth_date")
    if isinstance(birth, dt.datetime):
        birth = birth.date()
    elif not isinstance(birth, dt.date):
        try:
            birth = dt.date.fromisoformat(as_text(birth) or "")
        except ValueError:
            errors.append(RowError(number, "birth_date", _l("must be a date YYYY-MM-DD")))
    sex = cb.parse_code("sex", as_text(raw.get("sex")) or "") if raw.get("sex") is not None else None
    if sex not in ("m", "f"):
        errors.append(RowError(number, "sex", _l("must be m or f")))
    if len(errors) > start:
        return None, None, None
    return person_key, birth, sex


def _validate(campaign: Campaign, table_rows: Iterable[tuple[int, dict[str, Any]]], headers: list[str],
              errors: list[RowError], questionnaire: Questionnaire) -> list[_Row]:
    fields = tuple(name for name in questionnaire.answers if name in headers)
    items = layout(questionnaire).items
    context = services.rule_context
    bins = sorted({normalize_id(raw.get("org_bin")) for _, raw in table_rows})
    organizations = {
        org.bin: org
        for start in range(0, len(bins), CHUNK)
        for org in db.session.scalars(sa.select(Organization).options(joinedload(Organization.district))
                                      .where(Organization.bin.in_(bins[start:start + CHUNK])))
    }
    locked = set(db.session.scalars(sa.select(OrgReport.organization_id).where(
        OrgReport.campaign_id == campaign.id, OrgReport.attested_at.is_not(None))))
    key = current_app.config["IIN_HASH_KEY"]
    clean: list[_Row] = []
    first_row: dict[tuple[int, str], int] = {}
    for number, raw in table_rows:
        start = len(errors)
        organization = organizations.get(normalize_id(raw.get("org_bin")))
        if organization is None:
            errors.append(RowError(number, "org_bin", _l("no organization in the registry has this BIN")))
        elif not takes_part(campaign, organization):
            errors.append(RowError(number, "org_bin", _l("this organization does not take part in the campaign")))
        elif organization.id in locked:
            errors.append(RowError(number, "org_bin", _l("the director has signed off this organization: its "
                                                         "answers are locked")))
        person_key, birth, sex = _person(number, raw, headers, key, errors)
        answers = {name: raw.get(name) for name in fields}
        broken = []
        for column, parts in items.items():
            if column in fields:
                answers[column] = _items(parts, raw.get(column))
                if answers[column] is None:
                    errors.append(RowError(number, column, _l("write items as %(format)s, separated by ';'",
                                                              format=":".join(parts))))
                    answers[column] = []
                    broken.append(column)
        checked = rules.check(answers, context(campaign, _Birth(birth)), fields, broken=broken)
        errors.extend(RowError(number, error.field, _where(error)) for error in checked.errors)
        if len(errors) > start or organization is None or person_key is None:
            continue
        earlier = first_row.setdefault((organization.id, person_key), number)
        if earlier != number:
            errors.append(RowError(number, "iin", _l("the same person at the same organization is already on row "
                                                     "%(row)s", row=earlier)))
            continue
        clean.append(_Row(number, organization, person_key, birth, sex, checked.values))
    return clean


def import_responses(campaign: Campaign, data: bytes, filename: str = "", *, by: audit.Actor = None) -> PaperSummary:
    """Check every row with the questionnaire's rules, then create or update the responses; all or nothing.
    Audited (``by``: who imports); flushes, the caller commits."""
    try:
        table = read_table(data, filename, kind="responses")
    except TableError as exc:
        raise ImportRejected([], [], exc.message) from exc
    warnings = list(table.warnings)
    questionnaire = questions.current()
    columns = layout(questionnaire)
    missing = [column for column in columns.required if column not in table.headers]
    if "iin" not in table.headers and not all(column in table.headers for column in PERSON_KEY_COLUMNS):
        missing.insert(1, "iin")
    if missing:
        raise ImportRejected([], warnings, _l("Required columns are missing from the header row: %(columns)s",
                                              columns=", ".join(missing)))
    unknown = [h for h in table.headers if h not in columns.columns]
    if unknown:
        warnings.append(_l("Unknown columns were ignored: %(columns)s", columns=", ".join(unknown)))
    try:
        table_rows = list(table.rows)  # read to the end (or to the row limit) after the header was checked
    except TableError as exc:
        raise ImportRejected([], warnings, exc.message) from exc
    if not table_rows:
        raise ImportRejected([], warnings, _l("The file has a header row but no responses."))
    errors = RowErrors()
    rows = _validate(campaign, table_rows, table.headers, errors, questionnaire)
    if errors:
        raise ImportRejected(errors, warnings)

    summary = PaperSummary(warnings=warnings)
    existing: dict[tuple[int, str], Response] = {}
    keys = sorted({row.person_key for row in rows})
    for start in range(0, len(keys), CHUNK):
        query = (sa.select(Response)
                 .where(Response.campaign_id == campaign.id, Response.person_key.in_(keys[start:start + CHUNK]))
                 .options(selectinload(Response.subjects), selectinload(Response.other_jobs))
                 .order_by(Response.id)
                 .with_for_update(of=Response))  # a concurrent edit waits, then builds on this one's version
        existing.update({(r.organization_id, r.person_key): r for r in db.session.scalars(query)})
    with db.session.begin_nested():
        for row in rows:
            response = existing.get((row.organization.id, row.person_key))
            is_new = response is None
            if is_new:
                response = Response(campaign=campaign, organization=row.organization, person_key=row.person_key,
                                    birth_date=row.birth_date, sex=row.sex, status=ResponseStatus.DRAFT,
                                    source="paper", current_step=1, last_name="", first_name="")
                db.session.add(response)
                summary.created += 1
            changed = apply_values(response, row.values, source="paper")
            if response.status != ResponseStatus.SUBMITTED:
                response.status = ResponseStatus.SUBMITTED
                response.submitted_at = utcnow()
                summary.updated += 0 if is_new else 1
            elif changed:
                summary.updated += 1
            else:
                summary.unchanged += 1
        db.session.flush()
    audit.record("responses.import", by=by, target=campaign, details={
        "file": filename, "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged})
    return summary
