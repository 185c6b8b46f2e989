"""Demo data of the AI plan: the people responsible for digitalization (issue 18), for the Almaty demo."""

from __future__ import annotations

import random

import sqlalchemy as sa

from .. import codebook as cb
from ..codebook import ResponseStatus
from ..extensions import db
from ..models import Campaign, OrgReport, Response, ResponseSubject

WITHOUT_LEAD_EVERY = 4  # every fourth organization has named nobody yet, so that the lists have something to show


def add_digital_leads(campaign: Campaign, seed: int = 1) -> int:
    """Name a member of staff responsible for digitalization in the reports of three organizations in four: an
    informatics teacher where there is one, else a deputy director, else anyone who answered. Returns how many."""
    rng = random.Random(seed)
    preference = sa.case((ResponseSubject.subject == "informatics", 0), (Response.post == "deputy_director", 1),
                         else_=2)
    named = 0
    reports = db.session.scalars(sa.select(OrgReport).where(OrgReport.campaign_id == campaign.id)
                                 .order_by(OrgReport.organization_id)).all()
    for number, report in enumerate(reports):
        if number % WITHOUT_LEAD_EVERY == WITHOUT_LEAD_EVERY - 1:
            continue
        person = db.session.execute(
            sa.select(Response.last_name, Response.first_name, Response.middle_name, Response.post)
            .outerjoin(ResponseSubject, ResponseSubject.response_id == Response.id)
            .where(Response.campaign_id == campaign.id, Response.organization_id == report.organization_id,
                   Response.status == ResponseStatus.SUBMITTED)
            .order_by(preference, Response.id).limit(1)).first()
        if person is None:
            continue
        last, first, middle, post = person
        report.digital_lead_name = " ".join(part for part in (last, first, middle) if part)
        report.digital_lead_post = cb.label("post", post, "ru")
        report.digital_lead_contact = f"+7 7{rng.randint(0, 99):02d} {rng.randint(100, 999)} {rng.randint(10, 99)} " \
                                      f"{rng.randint(10, 99)}"
        named += 1
    db.session.flush()
    return named
