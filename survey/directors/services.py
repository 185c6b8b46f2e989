"""The director's side of a campaign: the organization report, the roster, sign-off and reopening, code resets.

Services flush, never commit; the route or command commits once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import audit
from .. import codebook as cb
from ..domain import IdentityError, person_from_iin
from ..extensions import db
from ..models import Campaign, OrgReport, Organization, RequiredHours, Response, RosterEntry, User, Vacancy
from ..models.base import utcnow
from ..questionnaire.services import set_personal_code
from ..registry.services import ID_REASONS, ImportRejected, RowError, RowErrors
from ..tabular import TableError, as_text, read_table

ROSTER_COLUMNS = ("iin", "last_name", "first_name", "middle_name", "post")


class LockedError(Exception):
    """The organization's data are signed off for this campaign; nothing may change until it is reopened."""


@dataclass(frozen=True)
class RosterRow:
    iin: str
    last_name: str
    first_name: str
    middle_name: str | None
    post: str | None


def find_report(campaign: Campaign, organization: Organization) -> OrgReport:
    """The organization's report for the campaign; before its first change an empty one, not stored (a page
    shows it, and a refused form leaves nothing behind): the services that change it store it."""
    report = db.session.scalar(sa.select(OrgReport).where(
        OrgReport.campaign_id == campaign.id, OrgReport.organization_id == organization.id))
    return report if report is not None else OrgReport(campaign_id=campaign.id, organization_id=organization.id)


def ensure_unlocked(report: OrgReport) -> None:
    if report.is_attested:
        raise LockedError()


def _writable(report: OrgReport) -> OrgReport:
    """The report, unlocked, and stored before its first change."""
    ensure_unlocked(report)
    if report.id is None:
        db.session.add(report)
        db.session.flush()
    return report


def save_report(report: OrgReport, *, pupils: int | None, classes: int | None, approved_rates: Decimal | None,
                vacancies: list[dict[str, Any]], required_hours: list[dict[str, Any]], user: User,
                digital_lead: tuple[str | None, str | None, str | None] = (None, None, None)) -> None:
    """Replace the report's numbers, vacancy rows, required-hours rows and the person responsible for
    digitalization (name, post, contact) with what the director typed."""
    _writable(report)
    report.pupils, report.classes, report.approved_rates = pupils, classes, approved_rates
    report.digital_lead_name, report.digital_lead_post, report.digital_lead_contact = digital_lead
    report.vacancies.clear()
    report.required_hours.clear()
    db.session.flush()  # delete the old rows first: the new ones may reuse their (report, subject) keys
    report.vacancies = [Vacancy(post=row["post"], subject=row.get("subject") or None, rate=row["rate"])
                        for row in vacancies]
    merged: dict[str, int] = {}
    for row in required_hours:
        merged[row["subject"]] = merged.get(row["subject"], 0) + int(row["hours"])
    report.required_hours = [RequiredHours(subject=subject, hours=hours) for subject, hours in merged.items()]
    db.session.flush()
    audit.record("report.save", by=user, target=report, details={
        "pupils": pupils, "classes": classes, "approved_rates": str(approved_rates) if approved_rates else None,
        "vacancies": len(vacancies), "required_hours": len(merged), "digital_lead": digital_lead[0] is not None})


def _hash_key() -> str:
    return current_app.config["IIN_HASH_KEY"]


def validate_roster_row(number: int, raw: dict[str, Any], errors: list[RowError] | RowErrors) -> RosterRow | None:
    """Check one roster row (from a form or a file); append every problem to ``errors``."""
    start = len(errors)
    iin = re.sub(r"[\s\u00a0-]", "", as_text(raw.get("iin")) or "")
    if not iin:
        errors.append(RowError(number, "iin", _l("is required")))
    else:
        try:
            person_from_iin(iin, _hash_key())
        except IdentityError as exc:
            errors.append(RowError(number, "iin", ID_REASONS[exc.code]))
    names = {}
    for column in ("last_name", "first_name", "middle_name"):
        value = as_text(raw.get(column))
        if value is None and column != "middle_name":
            errors.append(RowError(number, column, _l("is required")))
        elif value is not None and len(value) > 60:
            errors.append(RowError(number, column, _l("is longer than %(n)s characters", n=60)))
        names[column] = value
    post = as_text(raw.get("post"))
    if post is not None:
        code = cb.parse_code("post", post)
        if code is None:
            errors.append(RowError(number, "post", _l("%(value)s is not one of: %(codes)s", value=post,
                                                      codes=", ".join(cb.POSTS))))
        post = code
    if len(errors) > start:
        return None
    return RosterRow(iin=iin, post=post, **names)


def add_roster_rows(report: OrgReport, rows: list[tuple[int, RosterRow]], user: User, *, source: str) -> int:
    """Add people to the roster; an IIN already on it (or twice in ``rows``) rejects the whole batch."""
    _writable(report)
    existing = set(db.session.scalars(sa.select(RosterEntry.person_key).where(
        RosterEntry.campaign_id == report.campaign_id, RosterEntry.organization_id == report.organization_id)))
    errors = RowErrors()
    seen: dict[str, int] = {}
    entries = []
    for number, row in rows:
        person = person_from_iin(row.iin, _hash_key())
        if person.person_key in existing:
            errors.append(RowError(number, "iin", _l("this person is already on the roster")))
            continue
        if person.person_key in seen:
            errors.append(RowError(number, "iin", _l("the same IIN is already on row %(row)s",
                                                     row=seen[person.person_key])))
            continue
        seen[person.person_key] = number
        entries.append(RosterEntry(
            campaign_id=report.campaign_id, organization_id=report.organization_id, person_key=person.person_key,
            birth_date=person.birth_date, sex=person.sex, last_name=row.last_name, first_name=row.first_name,
            middle_name=row.middle_name, post=row.post))
    if errors:
        raise ImportRejected(errors)
    db.session.add_all(entries)
    db.session.flush()
    audit.record("roster.add", by=user, target=report, details={"added": len(entries), "source": source})
    return len(entries)


def import_roster(report: OrgReport, data: bytes, filename: str, user: User) -> int:
    """Add every row of an uploaded roster file, or none (row-level errors in ``ImportRejected``)."""
    ensure_unlocked(report)
    errors = RowErrors()
    rows = []
    try:
        table = read_table(data, filename, kind="roster")
        missing = [c for c in ("iin", "last_name", "first_name") if c not in table.headers]
        if missing:
            raise ImportRejected([], table.warnings, _l("Required columns are missing from the header row: "
                                                        "%(columns)s", columns=", ".join(missing)))
        for number, raw in table.rows:
            row = validate_roster_row(number, raw, errors)
            if row is not None:
                rows.append((number, row))
    except TableError as exc:
        raise ImportRejected([], [], exc.message) from exc
    if not rows and not errors:
        raise ImportRejected([], table.warnings, _l("The file has a header row but no people."))
    if errors:
        raise ImportRejected(errors, table.warnings)
    return add_roster_rows(report, rows, user, source=filename)


def remove_roster_entry(report: OrgReport, entry: RosterEntry, user: User) -> None:
    _writable(report)
    audit.record("roster.remove", by=user, target=report, details={"entry_id": entry.id})
    db.session.delete(entry)
    db.session.flush()


def attest(report: OrgReport, user: User) -> None:
    """The director certifies the organization's data: the report and the responses lock."""
    _writable(report)
    report.attested_at = utcnow()
    report.attested_by_id = user.id
    db.session.flush()
    audit.record("report.attest", by=user, target=report, details={"organization_id": report.organization_id})


def reopen(report: OrgReport, user: User, reason: str) -> None:
    """An administrator of the scope reopens signed-off data; the reason is kept in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required")
    if not report.is_attested:
        return
    attested_by, attested_at = report.attested_by_id, report.attested_at
    report.attested_at = None
    report.attested_by_id = None
    db.session.flush()
    audit.record("report.reopen", by=user, target=report, details={
        "organization_id": report.organization_id, "reason": reason, "attested_by_id": attested_by,
        "attested_at": attested_at.isoformat()})


def reset_personal_code(response: Response, user: User) -> str:
    """Give a member of staff a new personal code (the old one stops working); returns it to show once."""
    code = set_personal_code(response)
    db.session.flush()
    audit.record("response.reset_code", by=user, target=response, details={
        "organization_id": response.organization_id, "campaign_id": response.campaign_id})
    return code
