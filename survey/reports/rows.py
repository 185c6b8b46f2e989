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
from .. import questions
from ..codebook import ResponseStatus
from ..domain.people import age_band, age_on
from ..extensions import db
from ..models import Campaign, Organization, Response, ResponseSubject
from ..models.responses import answer_value, has_own_column, row_model
from ..questions import CORE, Kind, Question, Questionnaire

BATCH = 5000

# Who answered where, CODEBOOK §0: `org_bin`, and person_key / birth_date / sex in place of the IIN; then every
# answer in the codebook's order (the flat layout of the paper import, issue 3 item 11); then how it arrived.
RECORD_FIELDS = ("org_bin", "person_key", "birth_date", "sex")
AFTER_FIELDS = ("source", "version", "submitted_at")


def flat_fields(questionnaire: Questionnaire) -> tuple[str, ...]:
    return RECORD_FIELDS + tuple(q.code for q in questionnaire.columns)


def response_fields(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The Responses sheet: the flat layout without the repeated rows, which have sheets of their own."""
    answers = tuple(q.code for q in questionnaire.columns if q.kind is not Kind.ROWS)
    return ("response_id",) + RECORD_FIELDS + answers + AFTER_FIELDS


def row_fields(question: Question) -> tuple[str, ...]:
    """The sheet of a repeated question (Subjects, Other jobs): one row per answered row, joined by response id."""
    return ("response_id",) + tuple(part.code for part in question.parts)


def row_questions(questionnaire: Questionnaire) -> tuple[Question, ...]:
    return tuple(q for q in questionnaire.columns if q.kind is Kind.ROWS)


# The core questionnaire's layouts (the exports read the questionnaire they are given).
FLAT_FIELDS = flat_fields(CORE)
RESPONSE_FIELDS = response_fields(CORE)
SUBJECT_FIELDS = row_fields(CORE["subjects"])
OTHER_JOB_FIELDS = row_fields(CORE["other_jobs"])

_COLUMNS = {
    "response_id": Response.id, "org_bin": Organization.bin, "submitted_at": Response.submitted_at,
}
# the record's own columns that are not answers
_SEX = Question("sex", Kind.ONE, "", choices="sex")
_BIRTH_DATE = Question("birth_date", Kind.DATE, "")


def _column(code: str):
    return _COLUMNS[code] if code in _COLUMNS else answer_value(code)


def _questions(questionnaire: Questionnaire, parts_of: Question | None = None) -> dict[str, Question]:
    """The records of a sheet's columns: the answers and the record's own sex and birth date, or a row's parts."""
    if parts_of is not None:
        return {part.code: part for part in parts_of.parts}
    return {**questionnaire.by_code, "sex": _SEX, "birth_date": _BIRTH_DATE}


def converter(q: Question | None, values: str, lang: str, document: bool = False) -> Callable[[Any], Any] | None:
    """How to write the stored answer to ``q``; None when it goes as it is. ``document``: the answer is kept in
    JSON form (a question without a column of its own: dates and decimals as text, lists as lists)."""
    if q is None:
        return None
    if q.kind in (Kind.YES_NO, Kind.CONSENT):
        if values == "codes":
            return lambda v: None if v is None else ("true" if v else "false")
        yes, no = _("Yes"), _("No")
        return lambda v: None if v is None else (yes if v else no)
    if q.kind is Kind.DATE and values == "codes":
        return lambda v: None if v is None or isinstance(v, str) else v.isoformat()
    if values == "labels" and q.kind is Kind.ONE:
        if q.options:  # a campaign question's own choices (the language of the moment: the export's)
            return lambda v: None if v is None else q.choice_label(v)
        return lambda v: cb.label(q.choices, v, lang)
    if values == "labels" and q.kind is Kind.MANY:
        if q.options:
            return lambda v: None if not v else "; ".join(q.choice_label(item) for item in _codes(v))
        return lambda v: None if not v else "; ".join(cb.label(q.choices, item, lang) for item in _codes(v))
    if document and q.kind is Kind.MANY:
        separator = " " if q.is_extra else ";"  # a campaign question's names as ODK writes them: "chatgpt gemini"
        return lambda v: separator.join(v) or None if v else None
    if document and q.kind in (Kind.DECIMAL, Kind.DATE):
        return q.typed
    return None


def _codes(value: Any) -> list[str]:
    return value.split(";") if isinstance(value, str) else list(value)


def _submitted_at(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _converted(codes: Sequence[str], values: str, lang: str, questionnaire: Questionnaire,
               parts_of: Question | None = None) -> Callable[[Sequence[Any]], list]:
    known = _questions(questionnaire, parts_of)
    converters = [_submitted_at if code == "submitted_at" else
                  converter(known.get(code), values, lang, parts_of is None and not has_own_column(code))
                  for code in codes]
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


def response_rows(campaign: Campaign, organization_ids, values: str = "codes", lang: str = "ru",
                  questionnaire: Questionnaire | None = None) -> Iterator[list]:
    """One row per submitted response, in ``response_fields`` order, ordered by response id."""
    questionnaire = questionnaire or questions.current()
    codes = response_fields(questionnaire)
    convert = _converted(codes, values, lang, questionnaire)
    query = (sa.select(*(_column(code) for code in codes))
             .join(Organization, Response.organization_id == Organization.id)
             .where(*_scope(campaign, organization_ids)))
    for rows in _batches(query, Response.id):
        for row in rows:
            yield convert(row)


def question_rows(question: Question, campaign: Campaign, organization_ids, values: str = "codes",
                  lang: str = "ru") -> Iterator[list]:
    """The rows of a repeated question (subjects, other jobs) of the submitted responses, in ``row_fields``."""
    model, codes = row_model(question.code), row_fields(question)
    convert = _converted(codes, values, lang, questions.current(), parts_of=question)
    query = (sa.select(model.id, *(getattr(model, c) for c in codes))
             .join(Response, model.response_id == Response.id)
             .where(*_scope(campaign, organization_ids)))
    for rows in _batches(query, model.id):
        for row in rows:
            yield convert(row[1:])


def flat_rows(campaign: Campaign, organization_ids, questionnaire: Questionnaire | None = None) -> Iterator[list]:
    """The flat layout in codes (``flat_fields``): each repeated question as ``;``-separated items of its parts
    (``subject:hours:language``, ``org_bin:basis:hours``) — what the paper import reads back."""
    questionnaire = questionnaire or questions.current()
    fields = flat_fields(questionnaire)
    repeated = row_questions(questionnaire)
    base = [code for code in fields if code not in {q.code for q in repeated}]
    convert = _converted(base, "codes", "en", questionnaire)
    query = (sa.select(Response.id, *(_column(code) for code in base))
             .join(Organization, Response.organization_id == Organization.id)
             .where(*_scope(campaign, organization_ids)))
    for rows in _batches(query, Response.id):
        ids = [row[0] for row in rows]
        items = {}
        for q in repeated:
            model = row_model(q.code)
            items[q.code] = _grouped(sa.select(model.response_id, *(getattr(model, part.code) for part in q.parts
                                                                    if part.in_flat))
                                     .where(model.response_id.in_(ids)).order_by(model.id))
        for row in rows:
            values = convert(row[1:])
            for q in repeated:  # in the order of the layout
                values.insert(fields.index(q.code), items[q.code].get(row[0]))
            yield values


def _grouped(query: sa.Select) -> dict[int, str]:
    grouped: dict[int, list[str]] = {}
    for response_id, *parts in db.session.execute(query):
        grouped.setdefault(response_id, []).append(":".join("" if p is None else str(p) for p in parts))
    return {key: ";".join(items) for key, items in grouped.items()}


@dataclass
class StaffSheetRow:
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


def staff_rows(campaign: Campaign, organization_id: int, values: str, lang: str) -> list[StaffSheetRow]:
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
        result.append(StaffSheetRow(rid, " ".join(p for p in (last, first, middle) if p), label("post", post),
                               label("basis", basis), rate, hours, items, label("category", category), experience,
                               label("age_band", band)))
    return result
