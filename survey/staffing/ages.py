"""The age × sex counts behind an age pyramid (bands as the staffing metrics define them)."""

from __future__ import annotations

import sqlalchemy as sa

from ..codebook import ResponseStatus
from ..extensions import db
from ..models import Campaign, Response
from .metrics import AGE_BAND_FLOORS, age_band_conditions


def age_sex_counts(campaign: Campaign, organization_ids) -> list[tuple[str, int, int]]:
    """(band, men, women) of submitted responses at the organizations, youngest band first. One GROUP BY."""
    band = sa.case(*((condition, code) for code, condition in age_band_conditions(campaign.census_date)))
    counts = {
        (row_band, getattr(sex, "value", sex)): count
        for row_band, sex, count in db.session.execute(
            sa.select(band, Response.sex, sa.func.count())
            .where(Response.campaign_id == campaign.id, Response.status == ResponseStatus.SUBMITTED,
                   Response.organization_id.in_(organization_ids))
            .group_by(band, Response.sex))
    }
    return [(code, counts.get((code, "m"), 0), counts.get((code, "f"), 0)) for code, _ in AGE_BAND_FLOORS]
