"""People and reports for the forecast and AI-plan tests, whose expected figures are worked out by hand.

Census date 2026-11-01; norms: school 16, college 18, preschool 24 hours a week.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from survey.extensions import db
from survey.models import OrgReport, RequiredHours, Response, ResponseSubject, Vacancy
from survey.models.base import utcnow

CENSUS = dt.date(2026, 11, 1)
_keys = itertools.count(1)


def person(campaign, org, birth: dt.date, sex: str = "f", rate: str = "1", subjects=(), *, post: str = "teacher",
           basis: str = "main", key: str | None = None, status: str = "submitted", **answers) -> Response:
    """A response of a teacher born on ``birth`` at ``org``; ``subjects`` are (code, hours) pairs."""
    values = dict(post=post, basis=basis, contract="permanent", start_date=dt.date(2020, 9, 1), rate=Decimal(rate),
                  teaching_hours=sum(hours for _, hours in subjects), education_level="bachelor",
                  ped_education="ped_higher", specialty="Педагогика", graduation_year=birth.year + 22,
                  category="none", experience_total=Decimal("10"), experience_org=Decimal("2"), languages="kk")
    values.update(answers)
    response = Response(campaign_id=campaign.id, organization_id=org.id, person_key=key or f"key-{next(_keys)}",
                        birth_date=birth, sex=sex, last_name="Тестова", first_name="Айгерім", consent=True,
                        status=status, submitted_at=utcnow() if status == "submitted" else None, **values)
    response.subjects = [ResponseSubject(subject=code, hours=hours, language="kk") for code, hours in subjects]
    db.session.add(response)
    return response


def report(campaign, org, *, pupils=None, required=(), vacancies=(), **fields) -> OrgReport:
    """The organization report: ``required`` (subject, hours) rows, ``vacancies`` (post, subject, rate) rows."""
    row = OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=pupils, **fields)
    row.required_hours = [RequiredHours(subject=subject, hours=hours) for subject, hours in required]
    row.vacancies = [Vacancy(post=post, subject=subject, rate=Decimal(rate)) for post, subject, rate in vacancies]
    db.session.add(row)
    return row
