"""People and reports for the forecast and AI-plan tests, whose expected figures are worked out by hand.

Census date 2026-11-01; norms: school 16, college 18, preschool 24 hours a week.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from survey.extensions import db
from survey.models import OrgReport, RequiredHours, Response, Vacancy
from tests.factories import build_response

CENSUS = dt.date(2026, 11, 1)


def person(campaign, org, birth: dt.date, sex: str = "f", rate: str = "1", subjects=(), *, post: str = "teacher",
           basis: str = "main", key: str | None = None, status: str = "submitted", **answers) -> Response:
    """A response of a teacher born on ``birth`` at ``org``; ``subjects`` are (code, hours) pairs."""
    return build_response(campaign, org, person_key=key, birth_date=birth, sex=sex, status=status, subjects=subjects,
                          **{"post": post, "basis": basis, "start_date": dt.date(2020, 9, 1), "rate": Decimal(rate),
                             "teaching_hours": sum(hours for _, hours in subjects),
                             "graduation_year": birth.year + 22, "experience_org": Decimal("2"), **answers})


def report(campaign, org, *, pupils=None, required=(), vacancies=(), **fields) -> OrgReport:
    """The organization report: ``required`` (subject, hours) rows, ``vacancies`` (post, subject, rate) rows."""
    row = OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=pupils, **fields)
    row.required_hours = [RequiredHours(subject=subject, hours=hours) for subject, hours in required]
    row.vacancies = [Vacancy(post=post, subject=subject, rate=Decimal(rate)) for post, subject, rate in vacancies]
    db.session.add(row)
    return row
