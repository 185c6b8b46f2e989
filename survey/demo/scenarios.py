"""The planted integrity cases, one scenario per rule: each turns a clean member of an organization's staff (or a
new one) into a known case of its rule, with answers the questionnaire would accept, and records the flags it must
raise. ``SCENARIOS`` lists them in the order they are tried in an organization; ``planted.Planter`` spreads them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .. import codebook as cb
from ..integrity.catalogue import CATEGORY_MIN_EXPERIENCE
from ..integrity.services import network_key
from .loader import Holder, Loader, Member, outside_job
from .organizations import OrgPlan, ReportPlan
from .people import FIRST_POST, GeneratedPerson, years_after

if TYPE_CHECKING:
    from .planted import Planter


@dataclass
class Site:
    """One organization being planted: its members as drawn, before they are written."""

    loader: Loader
    org: OrgPlan
    members: list[Member]
    others: list[OrgPlan]
    report: ReportPlan
    planter: Planter

    @property
    def rng(self) -> random.Random:
        return self.loader.rng

    @property
    def gen(self):
        return self.loader.gen

    @property
    def norm(self) -> int:
        return self.gen.norms[self.org.level]

    def respondents(self) -> list[Member]:
        return [member for member in self.members if member.answered and member.row is not None]

    def pick(self, test: Callable[[Member], bool] = lambda member: True) -> Member | None:
        """A clean respondent whose only job in the census is a main job here (not the director)."""
        candidates = [m for m in self.members if m.answered and m.row is not None and not m.planted
                      and m.holder is None and not m.other_jobs and m.basis == "main" and m.post != "director"
                      and test(m)]
        if not candidates:
            return None
        member = self.rng.choice(candidates)
        member.planted = True
        return member

    def add(self, member: Member) -> Member:
        """A planted member; one who answers takes the place of a clean respondent, so that the organization keeps
        its size and the data set its number of responses."""
        member.planted = True
        replaced = self.pick() if member.answered else None
        if replaced is not None:
            self.members[:] = [m for m in self.members if m is not replaced]
        self.members.append(member)
        return member

    def take_holder(self, test: Callable[[Holder], bool]) -> Holder | None:
        """Someone who answered at other organizations, taken out of the pool of second jobs."""
        pool = self.loader.pool
        start = self.rng.randrange(len(pool)) if pool else 0
        for index in range(len(pool)):
            at = (start + index) % len(pool)
            if all(job.organization_id != self.org.id for job in pool[at].jobs) and test(pool[at]):
                return pool.pop(at)
        return None

    def expect(self, rule: str, member: Member | None, note: str, elsewhere=(), also: Member | None = None) -> None:
        """Record the flag(s) the case must raise: here, and at ``elsewhere`` (organization ids) too; for ``also``
        (a second identity of the same case) here."""
        person = None if member is None else member.person
        self.planter.planted.expect(rule, (self.org.id, *elsewhere), person, self.org.name, note)
        if also is not None:
            self.planter.planted.flags[rule].add((self.org.id, also.person.person_key))

    def named(self, organization_ids) -> str:
        return ", ".join(self.planter.names.get(i, str(i)) for i in organization_ids)


# --- person scenarios ---------------------------------------------------------------------------------------------

def age_outside_range(site: Site) -> bool:
    """G2: someone aged 76–79 (or, every other case, 17) on the census date: a pensioner kept on, or a mistyped
    IIN."""
    age = 17 if site.planter.planted.counts()["G2"] % 2 else site.rng.randint(76, 79)
    person = site.gen.person(site.org.level, age=age)
    member = site.add(site.loader.new_member(site.org, FIRST_POST[site.org.level], "main", person))
    site.expect("G2", member, f"aged {age} on the census date")
    return True


def same_person_two_iins(site: Site) -> bool:
    """G3: one teacher on the roster and answering twice, under two IINs with the same name and birth date."""
    template = site.pick()
    if template is None:
        return False
    person = template.person
    twin = GeneratedPerson(site.gen.new_key(person.birth_date, person.sex), person.birth_date, person.sex,
                           person.last_name, person.first_name, person.middle_name, person.personal)
    member = site.add(site.loader.new_member(site.org, template.post, "main", twin))
    site.expect("G3", template, f"listed and answered twice, under two IINs, born {person.birth_date.isoformat()}",
                also=member)
    return True


def main_job_twice(site: Site) -> bool:
    """G4: someone who answered elsewhere declares the main job here too."""
    holder = site.take_holder(lambda h: True)
    if holder is None:
        return False
    elsewhere = [job.organization_id for job in holder.jobs if job.basis == "main"]  # not a secondary job too
    member = site.loader.second_job(site.org, holder, basis="main")
    if member is None:
        site.loader.pool.append(holder)
        return False
    site.add(member)
    site.expect("G4", member, f"main job here and at {site.named(elsewhere)}", elsewhere)
    return True


def hours_over_limit(site: Site) -> bool:
    """G5: a full week here and an evening job elsewhere, over 60 hours together."""
    limit = site.gen.max_hours
    member = site.pick(lambda m: m.row["total_hours_week"] >= limit - 30)
    if member is None:
        return False
    here = member.row["total_hours_week"]
    extra = limit - here + site.rng.randint(2, 8)
    member.other_jobs.append(outside_job(site.rng, "external_secondary", extra))
    site.expect("G5", member, f"{here} h a week here and {extra} h at «{member.other_jobs[-1]['org_name']}»: "
                              f"{here + extra} h")
    return True


def overload_here(site: Site) -> bool:
    """G6 (medium): more than 1.5 rates of teaching at one organization."""
    member = site.pick(lambda m: m.post in cb.TEACHER_POSTS)
    if member is None:
        return False
    gen, norm = site.gen, site.norm
    teaching = min(40, math.floor(gen.max_load * norm) + site.rng.randint(3, 8))
    rate = min(Decimal(2), Decimal(round(teaching * 4 / norm)) / 4)
    member.row, member.subjects = gen.answers(member.person, site.org.level, member.post, "main", rate, teaching,
                                              min(teaching + site.rng.randint(4, 10), gen.max_hours))
    site.expect("G6", member, f"{teaching} teaching hours a week: {teaching / norm:.2f} rates")
    return True


def overload_two_organizations(site: Site) -> bool:
    """G6 (high): a second job on top of a full one, over 2.5 rates together."""
    gen, norm = site.gen, site.norm
    high = site.planter.limits["load_high"]

    def hours_needed(holder: Holder) -> int:
        return math.floor((high - holder.load) * norm) + 2

    holder = site.take_holder(lambda h: hours_needed(h) <= 40 and h.hours + hours_needed(h) + 4 <= gen.max_hours)
    if holder is None:
        return False
    elsewhere = [job.organization_id for job in holder.jobs]
    load = holder.load
    member = site.loader.second_job(site.org, holder, basis="external_secondary", teaching=hours_needed(holder))
    if member is None:
        site.loader.pool.append(holder)
        return False
    site.add(member)
    total = load + member.row["teaching_hours"] / norm
    site.expect("G6", member, f"{member.row['teaching_hours']} teaching hours here besides {site.named(elsewhere)}: "
                              f"{total:.2f} rates", elsewhere)
    return True


def never_answers(site: Site) -> bool:
    """G7: a name on the roster that never answers anywhere (flagged once the campaign closes)."""
    if len(site.respondents()) < 8:
        return False
    person = site.gen.person(site.org.level)
    member = site.add(Member(person, FIRST_POST[site.org.level], "main", None, [], answered=False))
    site.expect("G7", member, "on the roster, never answers (flagged once the campaign closes)")
    return True


def other_job_unanswered(site: Site) -> bool:
    """G7J: names a second job at another organization of the census, but has not answered there."""
    limit = site.gen.max_hours
    member = site.pick(lambda m: m.row["total_hours_week"] <= limit - 8) if site.others else None
    if member is None:
        return False
    other = site.rng.choice(site.others)
    member.other_jobs.append({"org_bin": other.bin, "org_name": None, "basis": "external_secondary",
                              "hours": site.rng.randint(4, 8)})
    site.expect("G7J", member, f"names a second job at {other.name or other.bin}, no answer there")
    return True


def not_on_roster(site: Site) -> bool:
    """G7N: answered, but the director's roster leaves them out."""
    answered = len(site.respondents())
    roster = sum(member.on_roster for member in site.members)
    if answered > (roster - 1) * (1 + site.planter.limits["headcount_gap"]):
        return False
    member = site.pick()
    if member is None:
        return False
    member.on_roster = False
    site.expect("G7N", member, "answered, not on the roster")
    return True


def category_too_early(site: Site) -> bool:
    """G13: a category that needs more years of experience than the person has."""
    member = site.pick(lambda m: m.row["education_level"] != "secondary" and m.row["experience_total"] < 4)
    if member is None:
        return False
    row, year = member.row, site.gen.census.year
    experience = int(row["experience_total"])
    category = min((c for c, years in CATEGORY_MIN_EXPERIENCE.items() if years > experience),
                   key=CATEGORY_MIN_EXPERIENCE.get)  # the next one up
    row["category"] = category
    row["category_year"] = site.rng.randint(max(row["graduation_year"], year - 1), year)
    site.expect("G13", member, f"category {category} after {experience} year{'' if experience == 1 else 's'} of "
                               f"experience (it needs {CATEGORY_MIN_EXPERIENCE[category]})")
    return True


# --- organization scenarios ---------------------------------------------------------------------------------------

def hours_beyond_curriculum(site: Site) -> bool:
    """G9: the staff claim 40 % more teaching hours than the curriculum needs."""
    if not any(m.subjects for m in site.respondents()):
        return False
    site.report.inflated_hours = True
    site.expect("G9", None, "teaching hours 1.4 times the curriculum's")
    return True


def few_children(site: Site) -> bool:
    """G10: a kindergarten with under 5 children per educator's rate (ghost staff, or children gone)."""
    hours = sum(m.row["teaching_hours"] for m in site.respondents() if m.row["post"] in cb.TEACHER_POSTS)
    if site.org.level != "preschool" or hours < site.norm:
        return False
    site.report.few_children = True
    site.expect("G10", None, "2.5–4.5 children per educator's rate")
    return True


def one_address(site: Site) -> bool:
    """G11: six answers sent from one network address within 20 minutes."""
    respondents = site.respondents()
    if len(respondents) < 6:
        return False
    rng, loader = site.rng, site.loader
    key = network_key(f"10.{site.org.id % 250}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
    first = loader.opened + dt.timedelta(minutes=rng.randint(60, 6 * 24 * 60))
    for index, member in enumerate(rng.sample(respondents, 6)):
        member.row["network_key"] = key
        member.row["submitted_at"] = first + dt.timedelta(minutes=4 * index)
    site.expect("G11", None, "six answers from one network address within 20 minutes")
    return True


def identical_answers(site: Site) -> bool:
    """G12: two more forms with exactly the answers of a third, under other names: filled by one hand."""
    template = site.pick()
    if template is None:
        return False
    for _ in range(2):
        person = site.gen.person(site.org.level, birth_year=template.person.birth_date.year)
        row = dict(template.row, person_key=person.person_key, birth_date=person.birth_date, sex=person.sex,
                   last_name=person.last_name, first_name=person.first_name, middle_name=person.middle_name)
        row["start_date"] = max(row["start_date"], years_after(person.birth_date, 16))
        site.add(Member(person, template.post, "main", row, [dict(s) for s in template.subjects]))
    site.expect("G12", None, f"three forms with the same answers as {template.person.full_name}'s")
    return True


def roster_short(site: Site) -> bool:
    """G18: the roster leaves out the newest staff, over a fifth of those who answered (each one a G7N too)."""
    respondents = site.respondents()
    if not 6 <= len(respondents) <= 25:
        return False
    gap = site.planter.limits["headcount_gap"]
    keep = math.ceil(len(respondents) / (1 + gap)) - 1
    while keep * (1 + gap) >= len(respondents):
        keep -= 1
    for member in site.members:
        member.on_roster = member.answered and member.row is not None
    left_out = sorted(respondents, key=lambda m: m.row["start_date"], reverse=True)[:len(respondents) - keep]
    for member in left_out:
        member.on_roster = False
        site.expect("G7N", member, "answered, left off a roster that lacks the newest staff")
    site.expect("G18", None, f"{len(respondents)} answered, the roster lists {keep}")
    return True


@dataclass(frozen=True)
class Scenario:
    name: str
    per: str  # "respondent" or "organization": what the number of cases is proportional to
    plant: Callable[[Site], bool]
    group: str | None = None  # at most one scenario of a group in an organization (they touch the same thing)


# In this order within an organization: those that add people, then those that change someone, then the roster.
SCENARIOS = (
    Scenario("G2", "respondent", age_outside_range),
    Scenario("G3", "respondent", same_person_two_iins),
    Scenario("G4", "respondent", main_job_twice),
    Scenario("G6 two organizations", "respondent", overload_two_organizations),
    Scenario("G12", "organization", identical_answers),
    Scenario("G5", "respondent", hours_over_limit),
    Scenario("G6", "respondent", overload_here),
    Scenario("G7J", "respondent", other_job_unanswered),
    Scenario("G13", "respondent", category_too_early),
    Scenario("G11", "organization", one_address),
    Scenario("G9", "organization", hours_beyond_curriculum),
    Scenario("G10", "organization", few_children),
    Scenario("G7", "respondent", never_answers, group="roster"),
    Scenario("G7N", "respondent", not_on_roster, group="roster"),
    Scenario("G18", "organization", roster_short, group="roster"),
)
