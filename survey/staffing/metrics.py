"""CODEBOOK §7 staffing metrics: their definitions. The SQL that computes them is in ``aggregates.py``.

``org_metrics(campaign, organization_ids)`` (aggregates.py, importable from here too) runs a handful of GROUP BY
queries and returns one :class:`OrgMetrics` per organization. Each carries *numerators and denominators* (counts,
sums), never ready-made ratios; the ratios are properties computed from them, here. ``rollup`` and ``total`` add
organizations into districts, regions, level × ownership or the country by summing those numerators and
denominators, so a district's share is never an average of its schools' shares.

Only submitted responses count. Ages are taken on the campaign's census date from ``Response.birth_date``;
retirement follows ``survey.domain.people`` (men 63; women 61, rising by half a year a year to 63 in 2031).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Callable, Hashable, Iterable

from .. import codebook as cb
from ..domain.people import OVERLOAD_RATES, norms_from_config  # noqa: F401  (norms_from_config: imported from here)
from ..models.geography import localized_name

NEAR_RETIREMENT_YEARS = 5
NOVICE_MAX_YEARS = 5
TURNOVER_PLANS = ("move_education", "leave_profession")
AGE_BAND_FLOORS = (("under_30", None), ("30_39", 30), ("40_49", 40), ("50_59", 50), ("60_plus", 60))
AREA_LEVELS = ("district", "region", "level_ownership", "national")

# Every metric code of CODEBOOK §7 in display order; ``Metrics.value(code)`` answers each one.
METRIC_CODES: tuple[str, ...] = (
    "headcount", "headcount_main", "fte_contract", "fte_load", "vacancy_fte", "vacancy_rate", "pupils_per_teacher",
    *(f"share_{category}" for category in cb.CATEGORIES),
    *(f"share_age_{band}" for band in cb.AGE_BANDS),
    "near_retirement_share", "novice_share", "no_ped_education_share", "overload_share", "secondary_job_share",
    "turnover_risk_share", "ai_use_share", "response_rate",
)
PERCENT_CODES = frozenset(code for code in METRIC_CODES if code.endswith(("_share", "_rate")) or
                          code.startswith("share_"))


def _ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def response_rate(responding: int, roster: int) -> Decimal | None:
    """CODEBOOK §7 ``response_rate``: roster members who submitted a response there / the roster's size; None
    without a roster. The metrics, the progress board and the director's dashboard all take it from here."""
    return _ratio(responding, roster)


@dataclass
class SubjectCover:
    """Weekly hours of one subject: required by the curriculum, covered by submitted responses, shortage in FTE.

    ``shortage_fte`` is summed organization by organization (max(0, required − covered) / norm at each), so one
    school's surplus never hides another's shortage in a roll-up.
    """

    required: int = 0
    covered: int = 0
    shortage_fte: Decimal = Decimal(0)

    @property
    def coverage(self) -> Decimal | None:
        return _ratio(self.covered, self.required)

    def __add__(self, other: SubjectCover) -> SubjectCover:
        return SubjectCover(self.required + other.required, self.covered + other.covered,
                            self.shortage_fte + other.shortage_fte)


def _add_counts(a: dict, b: dict) -> dict:
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged[key] + value if key in merged else value
    return merged


@dataclass
class Metrics:
    """Numerators and denominators of every §7 metric for a set of organizations (one, or a roll-up).

    All fields add up; ratios are properties. ``value(code)`` gives any metric by its CODEBOOK code.
    """

    organizations: int = 0
    headcount: int = 0
    headcount_main: int = 0
    fte_contract: Decimal = Decimal(0)        # Σ rate
    teaching_hours: int = 0
    fte_load: Decimal = Decimal(0)            # Σ teaching hours / norm (each organization's own norm)
    teacher_fte_load: Decimal = Decimal(0)    # the same, teachers' posts only
    vacancy_fte: Decimal = Decimal(0)
    pupils: int = 0                           # organizations that reported pupils
    pupils_teacher_fte: Decimal = Decimal(0)  # teachers' fte_load at those same organizations
    categories: dict[str, int] = field(default_factory=dict)
    age_bands: dict[str, int] = field(default_factory=dict)
    near_retirement: int = 0
    novice: int = 0
    no_ped_education: int = 0
    overload: int = 0
    secondary_job: int = 0
    plans_answered: int = 0
    turnover_risk: int = 0
    ai_answered: int = 0
    ai_use: int = 0
    roster_size: int = 0
    roster_responding: int = 0
    subjects: dict[str, SubjectCover] = field(default_factory=dict)  # by subject code, in no particular order

    # ratios -------------------------------------------------------------------------------------------------------
    @property
    def vacancy_rate(self) -> Decimal | None:
        return _ratio(self.vacancy_fte, self.fte_contract + self.vacancy_fte)

    @property
    def pupils_per_teacher(self) -> Decimal | None:
        return _ratio(self.pupils, self.pupils_teacher_fte)

    def share(self, count: int) -> Decimal | None:
        """``count`` / headcount."""
        return _ratio(count, self.headcount)

    @property
    def turnover_risk_share(self) -> Decimal | None:
        return _ratio(self.turnover_risk, self.plans_answered)

    @property
    def ai_use_share(self) -> Decimal | None:
        return _ratio(self.ai_use, self.ai_answered)

    @property
    def response_rate(self) -> Decimal | None:
        return response_rate(self.roster_responding, self.roster_size)

    @property
    def shortage_fte(self) -> Decimal:
        """Σ over subjects of the shortage FTE."""
        return sum((cover.shortage_fte for cover in self.subjects.values()), Decimal(0))

    def value(self, code: str) -> Decimal | int | None:
        """The metric ``code`` of CODEBOOK §7 (also ``coverage_<subject>`` and ``shortage_fte_<subject>``)."""
        direct = {
            "headcount": self.headcount, "headcount_main": self.headcount_main, "fte_contract": self.fte_contract,
            "fte_load": self.fte_load, "vacancy_fte": self.vacancy_fte,
        }
        if code in direct:
            return direct[code]
        shares = {
            "near_retirement_share": self.near_retirement, "novice_share": self.novice,
            "no_ped_education_share": self.no_ped_education, "overload_share": self.overload,
            "secondary_job_share": self.secondary_job,
        }
        if code in shares:
            return self.share(shares[code])
        if code in ("vacancy_rate", "pupils_per_teacher", "turnover_risk_share", "ai_use_share", "response_rate"):
            return getattr(self, code)
        if code.startswith("share_age_"):
            return self.share(self.age_bands.get(code.removeprefix("share_age_"), 0))
        if code.startswith("share_"):
            return self.share(self.categories.get(code.removeprefix("share_"), 0))
        if code.startswith("coverage_"):
            cover = self.subjects.get(code.removeprefix("coverage_"))
            return cover.coverage if cover else None
        if code.startswith("shortage_fte_"):
            cover = self.subjects.get(code.removeprefix("shortage_fte_"))
            return cover.shortage_fte if cover else Decimal(0)
        raise KeyError(code)

    def __add__(self, other: Metrics) -> Metrics:
        combined = {}
        for item in fields(Metrics):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            combined[item.name] = _add_counts(mine, theirs) if isinstance(mine, dict) else mine + theirs
        return Metrics(**combined)


@dataclass
class OrgMetrics(Metrics):
    """The metrics of one organization, with what a report needs to place it."""

    organization_id: int = 0
    bin: str = ""
    name_ru: str | None = None
    name_kk: str | None = None
    level: str = ""
    ownership: str = ""
    district_id: int = 0
    district: str = ""
    region_id: int = 0
    region: str = ""
    norm: int = 0
    has_report: bool = False

    def name(self, lang: str = "ru") -> str:
        return localized_name(self.name_ru, self.name_kk, lang)


def total(items: Iterable[Metrics]) -> Metrics:
    """The sum of numerators and denominators of ``items`` (a plain :class:`Metrics`)."""
    result = Metrics()
    for item in items:
        result = result + item
    return result


# The group of an organization in each kind of roll-up (anything with these attributes: OrgMetrics, a forecast …).
ROLLUP_KEYS: dict[str, Callable[[Any], Hashable]] = {
    "district": lambda m: m.district_id,
    "region": lambda m: m.region_id,
    "level_ownership": lambda m: (m.level, m.ownership),
    "national": lambda m: None,
}


class Placed:
    """Figures of one organization with its ``place`` (its OrgMetrics): where it is, for roll-ups (ROLLUP_KEYS) and
    sheets. Mixed into the forecast's and the AI plan's per-organization results."""

    place: OrgMetrics
    organization_id = property(lambda self: self.place.organization_id)
    bin = property(lambda self: self.place.bin)
    level = property(lambda self: self.place.level)
    ownership = property(lambda self: self.place.ownership)
    district_id = property(lambda self: self.place.district_id)
    district = property(lambda self: self.place.district)
    region_id = property(lambda self: self.place.region_id)
    region = property(lambda self: self.place.region)

    def name(self, lang: str = "ru") -> str:
        return self.place.name(lang)


def grouped(items: Iterable[Any], by: str, empty: Callable[[], Any]) -> dict[Hashable, Any]:
    """``items`` added (their ``add``) into one ``empty()`` per group: district, region, level_ownership, national."""
    key = ROLLUP_KEYS[by]
    groups: dict[Hashable, Any] = {}
    for item in items:
        group = key(item)
        if group not in groups:
            groups[group] = empty()
        groups[group].add(item)
    return groups


def rollup(items: Iterable[OrgMetrics], by: str | Callable[[OrgMetrics], Hashable]) -> dict[Hashable, Metrics]:
    """Organizations summed per group. ``by``: "district" (district id), "region" (region id), "level_ownership"
    ((level, ownership)), "national" (one group, key None), or a function of an :class:`OrgMetrics`."""
    key = ROLLUP_KEYS[by] if isinstance(by, str) else by
    groups: dict[Hashable, Metrics] = {}
    for item in items:
        group = key(item)
        groups[group] = groups.get(group, Metrics()) + item
    return groups


# The SQL that fills the definitions above, importable from here as it always was (aggregates.py imports this
# module's definitions, which are all in place by now).
from .aggregates import (  # noqa: E402,F401
    _count,
    _org_filter,
    _submitted,
    age_band_conditions,
    latest_birth_for_age,
    latest_birth_near_retirement,
    org_metrics,
    organizations,
    roster_counts,
    tune_for_aggregates,
)
