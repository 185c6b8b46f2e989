"""Age bands on the census date as SQL conditions, and the age × sex counts behind an age pyramid."""

from __future__ import annotations

import sqlalchemy as sa

from ..codebook import ResponseStatus
from ..extensions import db
from ..models import Campaign, Response
from .metrics import AGE_BAND_FLOORS, latest_birth_for_age


def age_band_conditions(census) -> list[tuple[str, sa.ColumnElement]]:
    """(band code, condition on Response.birth_date) for every band of CODEBOOK §7, youngest first."""
    floors = [(band, latest_birth_for_age(census, years) if years else None) for band, years in AGE_BAND_FLOORS]
    conditions = []
    for index, (band, lower) in enumerate(floors):
        upper = floors[index + 1][1] if index + 1 < len(floors) else None
        conditions.append((band, sa.and_(sa.true(), *([Response.birth_date <= lower] if lower else []),
                                         *([Response.birth_date > upper] if upper else []))))
    return conditions


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
