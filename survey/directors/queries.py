"""Reads for the director's pages: who on the roster has answered, and who answered without being on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from .. import codebook as cb
from ..charts import Bar, bar_chart, pyramid
from ..codebook import ResponseStatus
from ..extensions import db
from ..formatting import collation_key, percent
from ..models import AccessLink, Campaign, Organization, Response, RosterEntry
from ..integrity.queries import FlagCounts, flag_counts
from ..reports.labels import metric_label
from ..staffing import campaign_questions as cq
from ..staffing.ages import age_sex_counts
from ..staffing.metrics import METRIC_CODES, PERCENT_CODES, Metrics, OrgMetrics, org_metrics, response_rate, total


@dataclass(frozen=True)
class StaffRow:
    name: str
    post: str | None
    roster_id: int | None = None
    response_id: int | None = None
    submitted_at: dt.datetime | None = None
    status: str | None = None


@dataclass
class RosterProgress:
    answered: list[StaffRow] = field(default_factory=list)
    not_answered: list[StaffRow] = field(default_factory=list)
    not_on_roster: list[StaffRow] = field(default_factory=list)
    drafts: int = 0

    @property
    def roster_size(self) -> int:
        return len(self.answered) + len(self.not_answered)

    @property
    def response_rate(self) -> Decimal | None:
        return response_rate(len(self.answered), self.roster_size)


def _name(last: str, first: str, middle: str | None) -> str:
    return " ".join(part for part in (last, first, middle) if part)


def roster_progress(campaign: Campaign, organization: Organization) -> RosterProgress:
    """Roster members who answered (a submitted response), who have not, and submitted responses off the roster.

    Two queries in all: roster LEFT JOIN responses, and responses whose person is not on the roster.
    """
    submitted = sa.and_(Response.campaign_id == campaign.id, Response.organization_id == organization.id,
                        Response.person_key == RosterEntry.person_key)
    rows = db.session.execute(
        sa.select(RosterEntry.id, RosterEntry.last_name, RosterEntry.first_name, RosterEntry.middle_name,
                  RosterEntry.post, Response.id, Response.status, Response.submitted_at)
        .outerjoin(Response, submitted)
        .where(RosterEntry.campaign_id == campaign.id, RosterEntry.organization_id == organization.id)
        .order_by(RosterEntry.last_name, RosterEntry.first_name)
    ).all()
    progress = RosterProgress()
    for roster_id, last, first, middle, post, response_id, status, submitted_at in rows:
        person = StaffRow(_name(last, first, middle), post, roster_id, response_id, submitted_at,
                          status.value if status else None)
        if status == ResponseStatus.SUBMITTED:
            progress.answered.append(person)
        else:
            progress.not_answered.append(person)
    on_roster = sa.select(RosterEntry.person_key).where(
        RosterEntry.campaign_id == campaign.id, RosterEntry.organization_id == organization.id)
    for response_id, last, first, middle, post, status, submitted_at in db.session.execute(
        sa.select(Response.id, Response.last_name, Response.first_name, Response.middle_name, Response.post,
                  Response.status, Response.submitted_at)
        .where(Response.campaign_id == campaign.id, Response.organization_id == organization.id,
               Response.person_key.not_in(on_roster))
        .order_by(Response.last_name, Response.first_name)
    ):
        if status == ResponseStatus.SUBMITTED:
            progress.not_on_roster.append(StaffRow(_name(last, first, middle), post, None, response_id, submitted_at,
                                                   status.value))
        else:
            progress.drafts += 1
    progress.drafts += sum(1 for p in progress.not_answered if p.status == ResponseStatus.DRAFT.value)
    return progress


def staff_responses(campaign: Campaign, organization: Organization) -> list[StaffRow]:
    """Every response (draft or submitted) at the organization, for the personal-code reset list."""
    return [
        StaffRow(_name(last, first, middle), post, None, response_id, submitted_at, status.value)
        for response_id, last, first, middle, post, status, submitted_at in db.session.execute(
            sa.select(Response.id, Response.last_name, Response.first_name, Response.middle_name, Response.post,
                      Response.status, Response.submitted_at)
            .where(Response.campaign_id == campaign.id, Response.organization_id == organization.id)
            .order_by(Response.last_name, Response.first_name))
    ]


@dataclass(frozen=True)
class MetricRow:
    code: str
    label: str
    value: object
    district_value: object
    is_percent: bool


@dataclass(frozen=True)
class SubjectRow:
    label: str
    required: int
    covered: int
    coverage: object
    shortage_fte: object

    @property
    def is_short(self) -> bool:
        return self.required > self.covered


@dataclass(frozen=True)
class ExtraRow:
    """One line of a campaign question beside the district's: a choice (count and share of those who answered),
    or the number who answered (share of all responses), or a number's mean or median (``count`` the value)."""

    label: str
    count: object
    share: object
    district_count: object
    district_share: object


@dataclass(frozen=True)
class ExtraQuestion:
    label: str
    rows: list[ExtraRow]


@dataclass
class Dashboard:
    flags: FlagCounts
    metrics: OrgMetrics
    district: Metrics
    rows: list[MetricRow]
    subjects: list[SubjectRow]
    age_chart: object
    category_chart: object
    coverage_chart: object
    extra: list[ExtraQuestion] = field(default_factory=list)


DASHBOARD_CODES = tuple(code for code in METRIC_CODES if not code.startswith(("share_age_", "share_")))


def dashboard(campaign: Campaign, organization: Organization, lang: str, titles: dict[str, str]) -> Dashboard:
    """The director's numbers: every §7 metric for the organization beside its district's (sums, not averages)."""
    district_ids = sa.select(Organization.id).where(Organization.district_id == organization.district_id)
    by_org = org_metrics(campaign, district_ids)
    mine = by_org[organization.id]
    district = total(by_org.values())
    rows = [MetricRow(code, metric_label(code, lang), mine.value(code), district.value(code), code in PERCENT_CODES)
            for code in DASHBOARD_CODES]
    subjects = sorted((
        SubjectRow(cb.label("subject", code, lang), cover.required, cover.covered, cover.coverage, cover.shortage_fte)
        for code, cover in mine.subjects.items()), key=lambda row: collation_key(row.label))  # as the reader reads
    ages = [(cb.label("age_band", band, lang), men, women)
            for band, men, women in age_sex_counts(campaign, [organization.id])]
    categories = [
        Bar(cb.label("category", code, lang), count, f"{count} ({percent(mine.share(count))})")
        for code, count in mine.categories.items() if count or code in ("none", "pedagogue", "moderator", "expert",
                                                                          "researcher", "master")
    ]
    coverage = [Bar(row.label, row.covered, f"{row.covered} / {row.required}", highlight=row.is_short)
                for row in subjects]
    top = max([row.required for row in subjects] + [row.covered for row in subjects] + [0])
    return Dashboard(
        flags=flag_counts(campaign, [organization.id]).get(organization.id, FlagCounts()),
        metrics=mine, district=district, rows=rows, subjects=subjects,
        age_chart=pyramid(titles["ages"], ages, titles["men"], titles["women"]),
        category_chart=bar_chart(titles["categories"], categories),
        coverage_chart=bar_chart(titles["coverage"], coverage, maximum=top or None),
        extra=extra_questions(campaign, organization, district_ids, titles),
    )


def extra_questions(campaign: Campaign, organization: Organization, district_ids: sa.Select,
                    titles: dict[str, str]) -> list[ExtraQuestion]:
    """The campaign's own questions: the organization's answers beside the district's (sums of the district's
    organizations; medians over the district's answers). Empty when the campaign has none."""
    questions = cq.extra_questions(campaign)
    if not questions:
        return []
    per_org = cq.grouped_figures(campaign, district_ids, "organization", questions)
    mine = per_org.get(organization.id) or cq.CampaignFigures()
    district = cq.scope_figures(campaign, district_ids, questions, per_org).figures
    views = []
    for q in questions:
        ours, theirs = mine[q.code], district[q.code]
        rows = []
        if q.kind in cq.CHOICE_KINDS:
            rows = [ExtraRow(q.choice_label(code), ours.chosen.get(code, 0), ours.share(code),
                             theirs.chosen.get(code, 0), theirs.share(code)) for code in q.choice_codes()]
        rows.append(ExtraRow(titles["answered"], ours.answered, mine.answered_share(q.code),
                             theirs.answered, district.answered_share(q.code)))
        if q.kind in cq.NUMBER_KINDS:
            rows += [ExtraRow(titles["mean"], ours.mean, None, theirs.mean, None),
                     ExtraRow(titles["median"], ours.median, None, theirs.median, None)]
        views.append(ExtraQuestion(q.text("label"), rows))
    return views


def access_link(campaign: Campaign, organization: Organization) -> AccessLink | None:
    """The link and short code through which the organization's staff answer in the campaign."""
    return db.session.scalar(sa.select(AccessLink).where(AccessLink.campaign_id == campaign.id,
                                                         AccessLink.organization_id == organization.id))
