"""Test data built the one way: a teacher's response with every answer a submitted questionnaire must have.

``build_response`` is what the ``make_response`` fixture (conftest.py) calls; the data modules (staffing_data.py,
plans_data.py) call it directly. Which answers are mandatory comes from the questionnaire itself
(``survey.questions.CORE.mandatory``, the same list the database's CHECK constraint demands of a submitted
response); ``TYPICAL`` gives each of them a value that the questionnaire's own lists and ranges accept.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from survey import codebook as cb
from survey.domain import hash_iin, parse_iin
from survey.extensions import db
from survey.models import Response, ResponseOtherJob, ResponseSubject
from survey.models.base import utcnow
from survey.questions import CORE, Kind

BIRTH = dt.date(1985, 3, 14)

# A teacher at a main job with one full rate and 16 hours, a bachelor with pedagogical education, no category:
# consistent with every integrity rule (a test adds what should break one).
TYPICAL: dict[str, Any] = {
    "last_name": "Тестова", "first_name": "Айгерім", "consent": True, "post": "teacher", "basis": "main",
    "contract": "permanent", "start_date": dt.date(2015, 9, 1), "rate": Decimal(1), "teaching_hours": 16,
    "languages": "kk", "education_level": "bachelor", "ped_education": "ped_higher", "specialty": "Педагогика",
    "graduation_year": 2007, "category": "none", "experience_total": Decimal(10), "experience_org": Decimal(5),
}


def _accepted(code: str, value: Any) -> bool:
    """Whether the questionnaire's record of ``code`` takes ``value`` (its codebook list, its range)."""
    q = CORE[code]
    if q.kind is Kind.ONE:
        return value in cb.CODES[q.choices]
    if q.kind is Kind.MANY:
        return all(part in cb.CODES[q.choices] for part in value.split(";"))
    return q.low is None or q.low <= value <= q.high


assert set(CORE.mandatory) <= set(TYPICAL), f"TYPICAL lacks {sorted(set(CORE.mandatory) - set(TYPICAL))}"
assert all(_accepted(code, value) for code, value in TYPICAL.items()), "TYPICAL has an answer CORE refuses"
_keys = itertools.count(1)


def build_response(campaign, org, *, iin: str | None = None, person_key: str | None = None, birth_date=BIRTH,
                   sex: str = "f", status: str = "submitted", subjects=(), other_jobs=(), **answers) -> Response:
    """A response at ``org`` with every mandatory answer (``TYPICAL``, ``answers`` over it), added to the
    session; submitted now unless ``status`` says otherwise (a draft keeps its answers, as a real one may).

    ``iin`` gives the person key, birth date and sex as the questionnaire does; else ``person_key`` (default: a
    new one), ``birth_date`` and ``sex``. ``subjects`` are (subject, hours[, language]) rows, their hours the
    teaching hours unless given; ``other_jobs`` are (org_bin, basis, hours) rows or dicts of their fields."""
    from tests.conftest import TEST_HASH_KEY

    if iin is not None:
        person_key = hash_iin(iin, TEST_HASH_KEY)
        birth_date, sex = parse_iin(iin)
    values = {"submitted_at": utcnow() if status == "submitted" else None, **TYPICAL,
              **({"teaching_hours": sum(row[1] for row in subjects)} if subjects else {}), **answers}
    response = Response(campaign_id=campaign.id, organization_id=org.id, person_key=person_key or f"key-{next(_keys)}",
                        birth_date=birth_date, sex=sex, status=status, **values)
    response.subjects = [ResponseSubject(subject=row[0], hours=row[1], language=row[2] if len(row) > 2 else "kk")
                         for row in subjects]
    response.other_jobs = [ResponseOtherJob(**job) if isinstance(job, dict) else
                           ResponseOtherJob(org_bin=job[0], basis=job[1], hours=job[2]) for job in other_jobs]
    db.session.add(response)
    return response
