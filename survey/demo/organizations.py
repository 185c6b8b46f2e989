"""Organizations of the demo: their kind, their identifier and the director's report (CODEBOOK §5).

The report is drawn from the staff who were drawn for the organization, so that its numbers agree with them:
the curriculum needs about the hours the staff teach (plus the hours of its vacancies), a kindergarten has 10–24
children per educator's rate. A new field of the report is one more key in ``report_row``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .people import FIRST_POST, SUBJECTS, Mix, make_bin, make_iin

ORG_SIZE = {"preschool": (6, 30), "school": (25, 120), "college": (30, 110)}
PUPILS_PER_STAFF = {"preschool": 11, "school": 14, "college": 12}
CHILDREN_PER_EDUCATOR_RATE = (10, 24)  # kindergartens; reference §b.2: ≈25 today, a target of 12
OWNERSHIP = {
    "preschool": Mix((("private", 80), ("state", 18), ("ppp", 2))),
    "school": Mix((("state", 90), ("private", 8), ("ppp", 2))),
    "college": Mix((("state", 60), ("private", 40))),
}
ORG_TYPES = {
    "preschool": Mix((("kindergarten", 60), ("nursery_kindergarten", 25), ("mini_centre", 15))),
    "school": Mix((("general_school", 65), ("gymnasium", 10), ("lyceum", 8), ("small_school", 12),
                   ("special_school", 2), ("boarding_school", 3))),
    "college": Mix((("college", 85), ("higher_college", 15))),
}
OWNER_IIN_SHARE = 0.1  # private kindergartens run by a sole proprietor under the owner's IIN (CODEBOOK §1)
VACANCY_RATES = Mix(((Decimal("0.5"), 2), (Decimal("1"), 5), (Decimal("1.5"), 2)))
VACANCY_SHARE = Decimal("0.08")  # open rates, at most this share of the staff's


@dataclass
class OrgPlan:
    id: int
    bin: str
    level: str
    size: int
    name: str = ""


def org_kind(rng: random.Random, level: str) -> tuple[str, str]:
    """(ownership, org_type) for an organization of ``level``."""
    return OWNERSHIP[level].draw(rng), ORG_TYPES[level].draw(rng)


def identifier(rng: random.Random, level: str, ownership: str, census: dt.date) -> tuple[str, str]:
    """(number, id_kind): a legal entity's BIN, or the owner's IIN for some private kindergartens."""
    if level == "preschool" and ownership == "private" and rng.random() < OWNER_IIN_SHARE:
        return owners_iin(rng, census), "iin"
    return make_bin(rng), "bin"


def owners_iin(rng: random.Random, census: dt.date) -> str:
    birth = census.replace(year=census.year - rng.randint(30, 60)) - dt.timedelta(days=rng.randint(1, 364))
    return make_iin(birth, rng.choice("mf"), rng)


@dataclass
class StaffHours:
    """What the report is drawn from: the staff's teaching, all of them and those who answered."""

    subjects: Counter = field(default_factory=Counter)  # subject → hours a week, every member drawn
    answered_subjects: Counter = field(default_factory=Counter)  # … of those who answered
    educator_hours: int = 0  # teaching posts' hours (CODEBOOK §7 "teachers"), every member drawn
    answered_educator_hours: int = 0
    rates: Decimal = Decimal(0)


@dataclass
class ReportPlan:
    """Planted causes of the organization-level rules (``planted.py``); clean by default."""

    inflated_hours: bool = False  # G9: the staff claim far more teaching than the curriculum needs
    few_children: bool = False  # G10: a kindergarten with fewer than 5 children per educator's rate


def report_row(org: OrgPlan, staff: StaffHours, rng: random.Random, norms: dict[str, int],
               plan: ReportPlan) -> dict:
    """The organization report's own fields (pupils, classes, approved rates)."""
    if org.level == "preschool" and staff.educator_hours:
        fte = staff.educator_hours / norms["preschool"]
        pupils = int(fte * rng.uniform(*CHILDREN_PER_EDUCATOR_RATE))
        if plan.few_children:
            pupils = int(staff.answered_educator_hours / norms["preschool"] * rng.uniform(2.5, 4.5))
    else:
        pupils = int(org.size * PUPILS_PER_STAFF[org.level] * rng.uniform(0.8, 1.3))
    return {"pupils": max(1, pupils), "classes": max(1, org.size // 2),
            "approved_rates": Decimal(org.size) * Decimal("1.15")}


def vacancy_rows(org: OrgPlan, staff: StaffHours, rng: random.Random) -> list[dict]:
    """Open posts on the census date: a few, of at most ``VACANCY_SHARE`` of the staff's rates."""
    rows, room = [], staff.rates * VACANCY_SHARE
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        rate = VACANCY_RATES.draw(rng)
        if rate > room:
            break
        room -= rate
        rows.append({"post": FIRST_POST[org.level],
                     "subject": SUBJECTS[org.level].draw(rng) if org.level in SUBJECTS else None, "rate": rate})
    return rows


def required_hours(org: OrgPlan, staff: StaffHours, vacancies: list[dict], rng: random.Random,
                   norms: dict[str, int], plan: ReportPlan) -> dict[str, int]:
    """Curriculum hours per subject: what the staff teach, give or take, plus what the vacancies would teach.

    Against the answered hours this stays within rule G9's 0.7–1.15 once everyone has answered; a planted G9
    asks for only 70 % of the hours the respondents teach."""
    if plan.inflated_hours:
        return {subject: max(1, math.floor(hours * 0.7)) for subject, hours in staff.answered_subjects.items()
                if hours}
    required = {subject: math.ceil(hours * rng.uniform(0.92, 1.12)) for subject, hours in staff.subjects.items()}
    for vacancy in vacancies:
        if vacancy["subject"] is not None:
            hours = int(vacancy["rate"] * norms[org.level])
            required[vacancy["subject"]] = required.get(vacancy["subject"], 0) + hours
    return {subject: hours for subject, hours in required.items() if hours > 0}
