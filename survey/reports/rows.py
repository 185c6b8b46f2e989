"""Rows of responses for the raw export and the Staff sheet: read in id-ordered batches, never all at once.

Values are codes (``values="codes"``: dates ISO, booleans ``true``/``false``, lists ``;``-separated) or translated
labels (``values="labels"``: dates as dates, booleans yes/no). Only submitted responses are exported; the IIN never
is (``person_key``, ``birth_date`` and ``sex`` stand in for it, CODEBOOK §0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import codebook as cb
from ..codebook import ResponseStatus
from ..domain.people import age_band, age_on
from ..extensions import db
from ..models import Campaign, Organization, Response, ResponseOtherJob, ResponseSubject

BATCH = 5000

# CODEBOOK §2 in the flat layout of the paper import (issue 3 item 11): `org_bin` plus the section codes, with
# person_key / birth_date / sex in place of iin.
FLAT_FIELDS = (
    "org_bin", "person_key", "birth_date", "sex", "last_name", "first_name", "middle_name", "consent", "post",
    "basis", "contract", "start_date", "rate", "teaching_hours", "subjects", "languages", "other_jobs",
    "education_level", "ped_education", "specialty", "graduation_year", "category", "category_year",
    "experience_total", "experience_org", "pd_hours_3y", "total_hours_week", "ai_use", "ai_purposes", "ai_training",
    "ai_training_wanted", "satisfaction", "plans",
)
RESPONSE_FIELDS = ("response_id",) + tuple(f for f in FLAT_FIELDS if f not in ("subjects", "other_jobs")) + (
    "source", "version", "submitted_at")
SUBJECT_FIELDS = ("response_id", "subject", "hours", "language")
OTHER_JOB_FIELDS = ("response_id", "org_bin", "org_name", "basis", "hours")

ENUM_FIELDS = {
    "sex": "sex", "post": "post", "basis": "basis", "contract": "contract", "education_level": "education_level",
    "ped_education": "ped_education", "category": "category", "ai_training": "ai_training", "plans": "plans",
    "subject": "subject", "language": "language",
}
LIST_FIELDS = {"languages": "language", "ai_purposes": "ai_purposes"}
BOOL_FIELDS = ("consent", "ai_use", "ai_training_wanted")
DATE_FIELDS = ("birth_date", "start_date")

_COLUMNS = {
    "response_id": Response.id, "org_bin": Organization.bin, "submitted_at": Response.submitted_at,
}


def _column(code: str):
    return _COLUMNS.get(code) or getattr(Response, code)


def converter(code: str, values: str, lang: str) -> Callable[[Any], Any] | None:
    """How to write the stored value of field ``code``; None when it goes as it is."""
    if code in BOOL_FIELDS:
        if values == "codes":
            return lambda v: None if v is None else ("true" if v else "false")
        yes, no = _("Yes"), _("No")
        return lambda v: None if v is None else (yes if v else no)
    if code == "submitted_at":
        return lambda v: None if v is None else v.isoformat()
    if code in DATE_FIELDS and values == "codes":
        return lambda v: None if v is None else v.isoformat()
    if values == "labels" and code in ENUM_FIELDS:
        field = ENUM_FIELDS[code]
        return lambda v: cb.label(field, v, lang)
    if values == "labels" and code in LIST_FIELDS:
        field = LIST_FIELDS[code]
        return lambda v: None if not v else "; ".join(cb.label(field, item, lang) for item in v.split(";"))
    return None


def _converted(codes: Sequence[str], values: str, lang: str) -> Callable[[Sequence[Any]], list]:
    converters = [converter(code, values, lang) for code in codes]
    pairs = [(i, f) for i, f in enumerate(converters) if f is not None]

    def convert(row: Sequence[Any]) -> list:
        row = list(row)
        for index, function in pairs:
            row[index] = function(row[index])
        return row

    return convert


def _scope(campaign: Campaign, organization_ids) -> list:
    conditions = [Response.campaign_id == campaign.id, Response.status == ResponseStatus.SUBMITTED]
    if organization_ids is not None:
        conditions.append(Response.organization_id.in_(organization_ids))
    return conditions


def _batches(query: sa.Select, key, batch: int = BATCH) -> Iterator[list]:
    """Keyset pagination on ``key`` (selected first): flat memory, whatever the number of rows."""
    last = None
    while True:
        page = query.order_by(key).limit(batch)
        if last is not None:
            page = page.where(key > last)
        rows = db.session.execute(page).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]
        if len(rows) < batch:
            return


def response_rows(campaign: Campaign, organization_ids, values: str = "codes", lang: str = "ru") -> Iterator[list]:
    """One row per submitted response, in RESPONSE_FIELDS order, ordered by response id."""
    convert = _converted(RESPONSE_FIELDS, values, lang)
    query = (sa.select(*(_column(code) for code in RESPONSE_FIELDS))
             .join(Organization, Response.organization_id == Organization.id)
             .where(*_scope(campaign, organization_ids)))
    for rows in _batches(query, Response.id):
        for row in rows:
            yield convert(row)


def _child_rows(model, codes: Sequence[str], campaign, organization_ids, values, lang) -> Iterator[list]:
    convert = _converted(codes, values, lang)
    query = (sa.select(model.id, *(getattr(model, c) for c in codes))
             .join(Response, model.response_id == Response.id)
             .where(*_scope(campaign, organization_ids)))
    for rows in _batches(query, model.id):
        for row in rows:
            yield convert(row[1:])


def subject_rows(campaign: Campaign, organization_ids, values: str = "codes", lang: str = "ru") -> Iterator[list]:
    return _child_rows(ResponseSubject, SUBJECT_FIELDS, campaign, organization_ids, values, lang)


def other_job_rows(campaign: Campaign, organization_ids, values: str = "codes", lang: str = "ru") -> Iterator[list]:
    return _child_rows(ResponseOtherJob, OTHER_JOB_FIELDS, campaign, organization_ids, values, lang)


def flat_rows(campaign: Campaign, organization_ids) -> Iterator[list]:
    """The flat layout in codes (FLAT_FIELDS): subjects as ``subject:hours:language`` and other jobs as
    ``org_bin:basis:hours``, ``;``-separated — what the paper import reads back."""
    base = [code for code in FLAT_FIELDS if code not in ("subjects", "other_jobs")]
    convert = _converted(base, "codes", "en")
    query = (sa.select(Response.id, *(_column(code) for code in base))
             .join(Organization, Response.organization_id == Organization.id)
             .where(*_scope(campaign, organization_ids)))
    subjects_at, jobs_at = FLAT_FIELDS.index("subjects"), FLAT_FIELDS.index("other_jobs")
    for rows in _batches(query, Response.id):
        ids = [row[0] for row in rows]
        subjects = _grouped(sa.select(ResponseSubject.response_id, ResponseSubject.subject, ResponseSubject.hours,
                                      ResponseSubject.language)
                            .where(ResponseSubject.response_id.in_(ids)).order_by(ResponseSubject.id))
        jobs = _grouped(sa.select(ResponseOtherJob.response_id, ResponseOtherJob.org_bin, ResponseOtherJob.basis,
                                  ResponseOtherJob.hours)
                        .where(ResponseOtherJob.response_id.in_(ids)).order_by(ResponseOtherJob.id))
        for row in rows:
            values = convert(row[1:])
            values.insert(subjects_at, subjects.get(row[0]))
            values.insert(jobs_at, jobs.get(row[0]))
            yield values


def _grouped(query: sa.Select) -> dict[int, str]:
    grouped: dict[int, list[str]] = {}
    for response_id, *parts in db.session.execute(query):
        grouped.setdefault(response_id, []).append(":".join("" if p is None else str(p) for p in parts))
    return {key: ";".join(items) for key, items in grouped.items()}


@dataclass
class StaffRow:
    response_id: int
    name: str
    post: str
    basis: str
    rate: Any
    teaching_hours: int | None
    subjects: str
    category: str
    experience_total: Any
    age_band: str


def staff_rows(campaign: Campaign, organization_id: int, values: str, lang: str) -> list[StaffRow]:
    """The Staff sheet of an organization: one row per submitted response, by name. Never the IIN."""
    label = (lambda field, code: cb.label(field, code, lang)) if values == "labels" else (lambda field, code: code)
    query = (sa.select(Response.id, Response.last_name, Response.first_name, Response.middle_name, Response.post,
                       Response.basis, Response.rate, Response.teaching_hours, Response.category,
                       Response.experience_total, Response.birth_date)
             .where(*_scope(campaign, [organization_id]))
             .order_by(Response.last_name, Response.first_name, Response.id))
    subjects = _grouped(
        sa.select(ResponseSubject.response_id, ResponseSubject.subject, ResponseSubject.hours)
        .join(Response, ResponseSubject.response_id == Response.id)
        .where(*_scope(campaign, [organization_id])).order_by(ResponseSubject.id))
    result = []
    for rid, last, first, middle, post, basis, rate, hours, category, experience, birth in db.session.execute(query):
        items = subjects.get(rid, "")
        if values == "labels" and items:
            items = "; ".join(f"{label('subject', s)} {h}" for s, h in (item.split(":") for item in items.split(";")))
        band = age_band(age_on(birth, campaign.census_date))
        result.append(StaffRow(rid, " ".join(p for p in (last, first, middle) if p), label("post", post),
                               label("basis", basis), rate, hours, items, label("category", category), experience,
                               label("age_band", band)))
    return result
