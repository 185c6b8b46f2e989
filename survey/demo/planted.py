"""Integrity cases planted on purpose, a few of each rule, and the flags they must raise (and nothing else).

The people the generator draws trip no rule; each scenario (``scenarios.py``) turns a few of them into a known case
of one rule, with answers the questionnaire would accept (a category awarded too early, a second job not answered, a
roster that leaves people out …). ``Planted`` records, rule by rule, the (organization, person) pairs the checks
must flag: the demo prints them and the tests compare them with the flags.

About 2 % of the respondents are planted: ``PER_RESPONDENT`` cases of each person scenario per respondent and
``PER_ORGANIZATION`` of each organization scenario per organization, at least one of each, spread over the
organizations as they are drawn.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from ..integrity.catalogue import RULES, thresholds
from ..integrity.services import RunSummary, run_campaign_checks
from ..models import Campaign
from .loader import Loader, Member
from .organizations import OrgPlan, ReportPlan, identifier, owners_iin
from .people import GeneratedPerson
from .scenarios import SCENARIOS, Site

PER_RESPONDENT = 0.002
PER_ORGANIZATION = 0.005
# Rules whose causes the questionnaire and the paper import refuse (survey/rules): a true census cannot hold them.
NOT_PLANTED = {
    "G14": "a start date after the census date is refused on entry",
    "G15": "a graduation before 17 or experience beyond age − 16 is refused on entry",
}
WAITS_FOR_CLOSE = {"G7"}  # the rule runs once the campaign has closed


@dataclass
class Case:
    rule: str
    organization: str
    person: str  # full name; '' for a case about the organization
    note: str


@dataclass
class Planted:
    """The flags the checks must raise: rule → {(organization id, person key or '')}."""

    flags: dict[str, set[tuple[int, str]]] = field(
        default_factory=lambda: {rule.code: set() for rule in RULES})
    cases: list[Case] = field(default_factory=list)

    def expect(self, rule: str, organization_ids, person: GeneratedPerson | None, organization: str, note: str) -> None:
        """One case: the flags of ``rule`` it must raise at each of ``organization_ids``, for ``person`` (or for
        the organization)."""
        key = "" if person is None else person.person_key
        self.flags[rule].update((organization_id, key) for organization_id in organization_ids)
        self.cases.append(Case(rule, organization, "" if person is None else person.full_name, note))

    def people(self, rules=None) -> set[str]:
        """Person keys of the planted cases (of ``rules``, default all person rules)."""
        return {key for rule, pairs in self.flags.items() if rules is None or rule in rules
                for _, key in pairs if key}

    def respondents(self) -> set[str]:
        """Planted people who answered (G7's never do)."""
        return self.people({rule for rule in self.flags if rule not in WAITS_FOR_CLOSE})

    def counts(self) -> dict[str, int]:
        counts = {rule: 0 for rule in self.flags}
        for case in self.cases:
            counts[case.rule] += 1
        return counts


class Planter:
    """Plants the scenarios' cases over the organizations, as the loader draws them one by one."""

    def __init__(self, rng: random.Random, respondents: int, organizations: int):
        self.rng = rng
        self.limits = thresholds()
        self.planted = Planted()
        self.names: dict[int, str] = {}
        self.left = {s.name: max(1, round((PER_RESPONDENT * respondents) if s.per == "respondent"
                                          else PER_ORGANIZATION * organizations)) for s in SCENARIOS}
        self.left["G16"] = max(1, round(PER_ORGANIZATION * organizations))
        self.owed = dict.fromkeys(self.left, 0)  # cases due at earlier organizations that could not hold them
        self.organizations_left = organizations
        self.identifiers_left = organizations

    def _due(self, name: str, remaining: int) -> int:
        """How many cases of ``name`` to try here: its cases left, spread over the organizations left, plus those
        owed by earlier organizations that did not suit it."""
        share = (self.left[name] - self.owed[name]) / max(1, remaining)
        due = self.owed[name] + int(share) + (self.rng.random() < share - int(share))
        return min(due, self.left[name])

    def identifier(self, level: str, ownership: str, census: dt.date, taken: set[str]) -> tuple[str, str, bool]:
        """(number, id_kind, planted) of an organization being created, a number not in ``taken`` (and added to
        it): some are registered under a person's IIN in place of their BIN (G16), as if the director's own number
        had been typed."""
        planted = self._due("G16", self.identifiers_left) > 0
        self.identifiers_left -= 1
        if planted:
            self.left["G16"] -= 1
        while True:
            number, kind = (owners_iin(self.rng, census), "bin") if planted else identifier(self.rng, level, ownership,
                                                                                            census)
            if number not in taken:
                taken.add(number)
                return number, kind, planted

    def registered(self, org: OrgPlan, planted: bool) -> None:
        """Record an organization created with ``identifier``'s answer."""
        self.names[org.id] = org.name or str(org.id)
        if planted:
            self.planted.expect("G16", (org.id,), None, org.name, "registered under an IIN typed as its BIN")

    def plant(self, loader: Loader, org: OrgPlan, members: list[Member], others: list[OrgPlan],
              report: ReportPlan) -> None:
        self.names.setdefault(org.id, org.name or str(org.id))
        site = Site(loader, org, members, others, report, self)
        groups: set[str] = set()
        for scenario in SCENARIOS:
            due = self._due(scenario.name, self.organizations_left)
            planted = 0
            while planted < due and scenario.group not in groups and scenario.plant(site):
                planted += 1
                if scenario.group:
                    groups.add(scenario.group)
            self.left[scenario.name] -= planted
            self.owed[scenario.name] = due - planted
        self.organizations_left -= 1


@dataclass
class Loaded:
    """What a demo load did; printed, it is the demo command's output."""

    text: str
    campaign_code: str
    planted: Planted
    summary: RunSummary

    def __str__(self) -> str:
        return self.text


def check_after_load(campaign: Campaign) -> RunSummary:
    """Run every integrity rule over the freshly loaded campaign (audited like `survey check`). Flushes."""
    return run_campaign_checks(campaign, by="demo")


def describe(planted: Planted, summary: RunSummary, respondents: int, listing: bool) -> list[str]:
    """Lines for the demo's output: the flags the checks raised, what was planted (each case when ``listing``)."""
    active = ", ".join(f"{r.code} {r.active}" for r in summary.results if r.active)
    people = len(planted.respondents())
    lines = [f"Integrity checks ran after loading: {summary.active} open flags ({active or 'none'}) "
             f"in {summary.seconds:.1f} s.",
             f"Planted, each flagged by its rule: {people} of {respondents} respondents "
             f"({people / max(1, respondents):.1%}), in {len(planted.cases)} cases:"]
    if listing:
        lines += [f"  {case.rule:<4} {case.organization}{' · ' + case.person if case.person else ''}: {case.note}"
                  for case in planted.cases]
    else:
        lines.append("  " + ", ".join(f"{rule} {count}" for rule, count in planted.counts().items() if count))
    lines.append("Not planted: " + "; ".join(f"{rule} ({why})" for rule, why in NOT_PLANTED.items()) + ".")
    return lines
