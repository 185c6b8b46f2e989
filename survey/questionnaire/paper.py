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

from .. import audit, rules
from .. import codebook as cb
from ..campaigns.questions import questionnaire_for
from ..campaigns.services import takes_part
from ..codebook import ResponseStatus
from ..domain import hash_iin, normalize_id, parse_iin
from ..extensions import db
from ..imports.submissions import Export, Submission, UnreadableExport, read_export
from ..models import Campaign, Organization, OrgReport, Response, SubmissionImport
from ..models.base import utcnow
from ..questions import Kind, Question, Questionnaire
from ..registry.services import ImportRejected, RowError, RowErrors
from ..tabular import TableError, as_text, read_table
from .services import apply_values, rule_context

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


def _choice_names(question: Question, value: Any) -> Any:
    """A select_multiple's cell as ODK writes it, its choice names separated by spaces ("kk ru"), as a list; a cell
    separated by ';' or ',', or of labels, is left to the rules."""
    if question.kind is not Kind.MANY or not isinstance(value, str) or ";" in value or "," in value:
        return value
    names = value.split()
    return names if set(names) <= set(question.choice_codes()) else value


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
        answers = {name: _choice_names(questionnaire[name], raw.get(name)) for name in fields}
        broken = []
        for column, parts in items.items():
            if column in fields and not isinstance(raw.get(column), list):  # ODK and Kobo give rows as rows
                answers[column] = _items(parts, raw.get(column))
                if answers[column] is None:
                    errors.append(RowError(number, column, _l("write items as %(format)s, separated by ';'",
                                                              format=":".join(parts))))
                    answers[column] = []
                    broken.append(column)
        checked = rules.check(answers, rule_context(campaign, _Birth(birth)), fields, broken=broken)
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


def _read_flat(data: bytes, filename: str, questionnaire: Questionnaire
               ) -> tuple[list[str], list[tuple[int, dict[str, Any]]], list[Any]]:
    """The flat layout's header and rows, its required columns checked."""
    try:
        table = read_table(data, filename, kind="responses")
    except TableError as exc:
        raise ImportRejected([], [], exc.message) from exc
    warnings = list(table.warnings)
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
    return table.headers, table_rows, warnings


def _read_export(source: str, data: bytes, filename: str, questionnaire: Questionnaire) -> Export:
    try:
        export = read_export(source, data, filename, questionnaire)
    except UnreadableExport as exc:
        raise ImportRejected([], [], exc.message) from exc
    missing = [column for column in ("org_bin", "iin") if column not in export.headers]
    if missing:
        raise ImportRejected([], export.warnings, _l("Required columns are missing from the export: %(columns)s",
                                                     columns=", ".join(missing)))
    return export


def import_responses(campaign: Campaign, data: bytes, filename: str = "", source: str = "paper", *,
                     by: audit.Actor = None) -> PaperSummary:
    """Check every row with the questionnaire's rules, then create or update the responses; all or nothing.
    Audited (``by``: who imports); flushes, the caller commits.

    ``source``: "paper" (the flat layout), "odk" (ODK Central's CSV export) or "kobo" (KoboToolbox's XLSX or CSV
    export). A submission is imported once per instance id: the same instance with the same answers changes
    nothing, even when the response was edited since; an edited one becomes a new version of its response.
    """
    questionnaire = questionnaire_for(campaign)
    submissions: dict[int, Submission] = {}
    known: dict[str, SubmissionImport] = {}
    summary = PaperSummary()
    if source == "paper":
        headers, table_rows, warnings = _read_flat(data, filename, questionnaire)
    else:
        export = _read_export(source, data, filename, questionnaire)
        headers, warnings = export.headers, export.warnings
        known = _imported(campaign, source, [s.instance_id for s in export.submissions])
        fresh = [s for s in export.submissions
                 if known.get(s.instance_id) is None or known[s.instance_id].digest != s.digest]
        summary.unchanged = len(export.submissions) - len(fresh)
        submissions = {s.number: s for s in fresh}
        table_rows = [(s.number, s.values) for s in fresh]
        if not export.submissions:
            raise ImportRejected([], warnings, _l("The export has no submissions."))
    summary.warnings = warnings
    if not table_rows and source == "paper":
        raise ImportRejected([], warnings, _l("The file has a header row but no responses."))
    errors = RowErrors()
    rows = _validate(campaign, table_rows, headers, errors, questionnaire)
    if errors:
        raise ImportRejected(errors, warnings)
    _save(campaign, rows, summary, source, submissions, known)
    audit.record("responses.import", by=by, target=campaign, details={
        "file": filename, "source": source, "created": summary.created, "updated": summary.updated,
        "unchanged": summary.unchanged})
    return summary


def _imported(campaign: Campaign, source: str, instance_ids: Iterable[str]) -> dict[str, SubmissionImport]:
    """The instances of these ids already imported from ``source``."""
    ids = sorted(set(instance_ids))
    return {
        record.instance_id: record
        for start in range(0, len(ids), CHUNK)
        for record in db.session.scalars(sa.select(SubmissionImport).where(
            SubmissionImport.campaign_id == campaign.id, SubmissionImport.source == source,
            SubmissionImport.instance_id.in_(ids[start:start + CHUNK])))
    }


def _earlier(campaign: Campaign, source: str, submissions: Iterable[Submission]) -> dict[str, int]:
    """Each submission's response from an earlier import: its own instance id, the instance it replaces
    (``deprecatedID``) or its root (ODK Central's KEY, Kobo's rootUuid) → response id."""
    keys = {key for s in submissions for key in (s.instance_id, s.deprecated_id, s.root_id) if key}
    if not keys:
        return {}
    keys_sorted = sorted(keys)
    found: dict[str, int] = {}
    for start in range(0, len(keys_sorted), CHUNK):
        chunk = keys_sorted[start:start + CHUNK]
        for instance, root, response_id in db.session.execute(
                sa.select(SubmissionImport.instance_id, SubmissionImport.root_id, SubmissionImport.response_id)
                .where(SubmissionImport.campaign_id == campaign.id, SubmissionImport.source == source,
                       sa.or_(SubmissionImport.instance_id.in_(chunk), SubmissionImport.root_id.in_(chunk)))
                .order_by(SubmissionImport.id)):
            found[instance] = response_id
            found[root] = response_id
    return found


def _save(campaign: Campaign, rows: list[_Row], summary: PaperSummary, source: str,
          submissions: dict[int, Submission], known: dict[str, SubmissionImport]) -> None:
    """Create or update the rows' responses; ``known``: the submissions imported before (by instance id)."""
    existing: dict[tuple[int, str], Response] = {}
    keys = sorted({row.person_key for row in rows})
    earlier = _earlier(campaign, source, submissions.values())
    for start in range(0, len(keys), CHUNK):
        query = (sa.select(Response)
                 .where(Response.campaign_id == campaign.id, Response.person_key.in_(keys[start:start + CHUNK]))
                 .options(selectinload(Response.subjects), selectinload(Response.other_jobs))
                 .order_by(Response.id)
                 .with_for_update(of=Response))  # a concurrent edit waits, then builds on this one's version
        existing.update({(r.organization_id, r.person_key): r for r in db.session.scalars(query)})
    ids = sorted(set(earlier.values()) - {r.id for r in existing.values()})
    by_id = {r.id: r for r in existing.values()}
    for start in range(0, len(ids), CHUNK):
        by_id.update({r.id: r for r in db.session.scalars(
            sa.select(Response).where(Response.id.in_(ids[start:start + CHUNK]))
            .options(selectinload(Response.subjects), selectinload(Response.other_jobs))
            .order_by(Response.id).with_for_update(of=Response))})
    with db.session.begin_nested():
        for row in rows:
            submission = submissions.get(row.number)
            response = existing.get((row.organization.id, row.person_key))
            if submission is not None and response is None:
                response = _earlier_response(by_id, earlier, submission, row)
            is_new = response is None
            if is_new:
                response = Response(campaign=campaign, organization=row.organization, person_key=row.person_key,
                                    birth_date=row.birth_date, sex=row.sex, status=ResponseStatus.DRAFT,
                                    source=source, current_step=1, last_name="", first_name="")
                db.session.add(response)
                summary.created += 1
            changed = apply_values(response, row.values, source=source)
            if response.status != ResponseStatus.SUBMITTED:
                response.status = ResponseStatus.SUBMITTED
                response.submitted_at = utcnow()
                summary.updated += 0 if is_new else 1
            elif changed:
                summary.updated += 1
            else:
                summary.unchanged += 1
            if submission is not None:
                _record(campaign, source, submission, response, known)
        db.session.flush()


def _earlier_response(by_id: dict[int, Response], earlier: dict[str, int], submission: Submission,
                      row: _Row) -> Response | None:
    """The response an earlier instance of this submission became at the same organization, when the edit changed
    the person (an IIN typed wrong, then corrected): it takes the corrected person key, birth date and sex. (A
    submission moved to another organization is a response of its own there.)"""
    for key in (submission.instance_id, submission.deprecated_id, submission.root_id):
        response = by_id.get(earlier.get(key or "", 0))
        if response is not None and response.organization_id == row.organization.id:
            response.person_key, response.birth_date, response.sex = row.person_key, row.birth_date, row.sex
            return response
    return None


def _record(campaign: Campaign, source: str, submission: Submission, response: Response,
            known: dict[str, SubmissionImport]) -> None:
    record = known.get(submission.instance_id)
    if record is None:
        record = SubmissionImport(campaign_id=campaign.id, source=source, instance_id=submission.instance_id)
        db.session.add(record)
    record.response = response
    record.root_id = submission.root_id
    record.digest = submission.digest
    record.version = response.version or 1  # a new response is version 1 once inserted
    record.imported_at = utcnow()
