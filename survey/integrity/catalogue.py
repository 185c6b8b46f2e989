"""The catalogue of integrity rules ("dead souls", reference/domain.md §d): stable codes, severities, thresholds.

Codes follow the reference table (G2 … G18); where the issue splits a reference rule in two, a letter is added
(G7N, G7J). Each rule is either about a person (one flag per response of that person, subject = person key) or about
an organization (one flag per organization, subject = ''). Flags are signals for verification, never verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from ..codebook import Severity
from ..domain.people import EXPERIENCE_FROM_AGE, GRADUATION_MIN_AGE, OVERLOAD_RATES

PERSON = "person"
ORGANIZATION = "organization"

# Thresholds: an installation overrides any of them with INTEGRITY_THRESHOLDS (README, settings), a JSON object.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "min_age": 18,                  # G2: age on the census date below this …
    "max_age": 75,                  # … or above this
    "max_week_hours": 60,           # G5: all working hours a week across organizations (12 h × 5 days)
    "load_medium": float(OVERLOAD_RATES),  # G6: teaching load across organizations, in rates (hours / norm)
    "load_high": 2.5,
    "headcount_gap": 0.2,           # G18: headcount and roster further apart than this share of the roster
    "hours_ratio_low": 0.7,         # G9: teaching hours / required curriculum hours
    "hours_ratio_high": 1.15,
    "preschool_ratio_low": 5,       # G10: children per educator FTE
    "preschool_ratio_high": 35,
    "burst_responses": 5,           # G11: this many responses from one network address …
    "burst_minutes": 30,            # … within this many minutes
    "identical_responses": 3,       # G12: respondents of one organization with identical personal sections
}

# CODEBOOK / reference §b.1: minimum pedagogical experience (years) for each current category.
CATEGORY_MIN_EXPERIENCE = {"pedagogue": 0, "moderator": 2, "expert": 3, "researcher": 4, "master": 5}
HIGHER_EDUCATION = ("bachelor", "master", "doctorate", "candidate_or_doctor_of_science")


def thresholds() -> dict[str, float]:
    """The thresholds in force: DEFAULT_THRESHOLDS with the installation's INTEGRITY_THRESHOLDS over them."""
    merged = dict(DEFAULT_THRESHOLDS)
    merged.update(current_app.config["INTEGRITY_THRESHOLDS"])
    return merged


def message_numbers(limits: dict[str, float]) -> dict[str, str]:
    """The numbers the rules' meanings name (``%(load_medium)s`` …), written in the page's language."""
    numbers = {name: format_decimal(value) for name, value in limits.items()}
    numbers.update(headcount_gap_percent=format_decimal(limits["headcount_gap"] * 100),
                   graduation_min_age=format_decimal(GRADUATION_MIN_AGE),
                   experience_from_age=format_decimal(EXPERIENCE_FROM_AGE))
    return numbers


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity  # G6 raises medium to high above the hard threshold
    subject: str  # PERSON or ORGANIZATION
    title: Any  # lazy string
    meaning: Any  # lazy string: what to verify
    cross_organization: bool = False  # evidence may name other organizations

    def explain(self, limits: dict[str, float] | None = None) -> str:
        """The meaning in the page's language, with the thresholds in force (``thresholds()`` unless given)."""
        return str(self.meaning) % message_numbers(thresholds() if limits is None else limits)


RULES: tuple[Rule, ...] = (
    Rule("G2", Severity.MEDIUM, PERSON, _l("Age outside the working range"),
         _l("The age derived from the IIN is implausible for a member of staff; check the IIN and the person.")),
    Rule("G3", Severity.HIGH, PERSON, _l("Same name and birth date under two IINs"),
         _l("Two IINs carry the same full name and birth date: one person may have been entered twice."),
         cross_organization=True),
    Rule("G4", Severity.HIGH, PERSON, _l("Main job at two or more organizations"),
         _l("A person can have only one main job (Labour Code); the others must be secondary jobs."),
         cross_organization=True),
    Rule("G5", Severity.HIGH, PERSON, _l("Weekly hours across organizations over the limit"),
         _l("All working hours across organizations exceed what the 12-hour daily limit allows."),
         cross_organization=True),
    Rule("G6", Severity.MEDIUM, PERSON, _l("Teaching load across organizations too high"),
         _l("Teaching hours across organizations exceed %(load_medium)s rates (high severity above %(load_high)s "
            "rates)."),
         cross_organization=True),
    Rule("G7", Severity.HIGH, PERSON, _l("On the roster, but no response"),
         _l("The campaign has closed and this roster member never answered: verify the person in person."),
         cross_organization=True),
    Rule("G7N", Severity.MEDIUM, PERSON, _l("Response from a person not on the roster"),
         _l("The organization's roster does not list this respondent.")),
    Rule("G7J", Severity.MEDIUM, PERSON, _l("Other job without a response there"),
         _l("The person names another organization as an employer, but has not answered there."),
         cross_organization=True),
    Rule("G9", Severity.MEDIUM, ORGANIZATION, _l("Teaching hours do not match the curriculum"),
         _l("Teaching hours of the staff against the hours the curriculum requires are below %(hours_ratio_low)s "
            "or above %(hours_ratio_high)s.")),
    Rule("G10", Severity.HIGH, ORGANIZATION, _l("Children per educator implausible"),
         _l("A preschool with fewer than %(preschool_ratio_low)s or more than %(preschool_ratio_high)s children "
            "per educator FTE.")),
    Rule("G11", Severity.MEDIUM, ORGANIZATION, _l("Many responses from one network address"),
         _l("Several responses were sent from one network address within minutes: one person may have filled them.")),
    Rule("G12", Severity.MEDIUM, ORGANIZATION, _l("Identical answers from several respondents"),
         _l("Several respondents gave exactly the same answers to the personal sections.")),
    Rule("G13", Severity.MEDIUM, PERSON, _l("Category inconsistent with experience or education"),
         _l("The qualification category needs more experience or a higher education, or was awarded after the "
            "census date.")),
    Rule("G14", Severity.MEDIUM, PERSON, _l("Start date after the census date"),
         _l("The person started work at this organization after the census date.")),
    Rule("G15", Severity.MEDIUM, PERSON, _l("Graduation or experience impossible for the age"),
         _l("Graduation before age %(graduation_min_age)s, or more years of experience than the years since age "
            "%(experience_from_age)s.")),
    Rule("G16", Severity.MEDIUM, ORGANIZATION, _l("Organization identifier invalid"),
         _l("The BIN fails its check digit, is not a legal entity's BIN, or a state organization is registered "
            "under an IIN.")),
    Rule("G18", Severity.MEDIUM, ORGANIZATION, _l("Headcount and roster far apart"),
         _l("The number of respondents and the roster differ by more than %(headcount_gap_percent)s %%.")),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}

# Rules that need registers this installation cannot reach: kept here for the record, nothing runs or shows them.
OUT_OF_REACH = {
    "G1": "IIN format and check digit: enforced at entry, so an invalid IIN never reaches the database",
    "G8": "ESUTD employment contracts: external register",
    "G17": "deceased or inactive IIN: ГБД ФЛ, external register",
    "G18-NOBD": "headcount against NOBD: external register (the roster stands in for it here)",
    "G10-attendance": "enrolled children against e-attendance: external register",
}

EVIDENCE_LABELS = {
    "age": _l("Age on the census date"),
    "min_age": _l("Lowest plausible age"),
    "max_age": _l("Highest plausible age"),
    "identities": _l("IINs with this name and birth date"),
    "main_jobs": _l("Organizations declaring the main job"),
    "hours": _l("Working hours a week, all organizations"),
    "max_hours": _l("Limit of hours a week"),
    "organizations": _l("Organizations with a response"),
    "other_job_hours": _l("Hours at other jobs without a response"),
    "teaching_hours": _l("Teaching hours a week"),
    "load": _l("Teaching load, in rates"),
    "responses_elsewhere": _l("Responses at other organizations"),
    "roster": _l("Roster size"),
    "headcount": _l("Respondents"),
    "jobs": _l("Other jobs without a response"),
    "required_hours": _l("Required curriculum hours"),
    "ratio": _l("Ratio"),
    "children": _l("Children enrolled"),
    "educator_fte": _l("Educator FTE"),
    "addresses": _l("Network addresses"),
    "responses": _l("Responses involved"),
    "minutes": _l("Within minutes"),
    "groups": _l("Groups of identical answers"),
    "largest": _l("Largest group"),
    "experience": _l("Years of pedagogical experience"),
    "min_experience": _l("Experience the category needs"),
    "higher_education": _l("Higher education (1 = yes)"),
    "category_year": _l("Year the category was awarded"),
    "days_after_census": _l("Days after the census date"),
    "birth_year": _l("Birth year"),
    "graduation_year": _l("Graduation year"),
    "max_experience": _l("Most experience possible for the age"),
    "check_digit_valid": _l("Check digit valid (1 = yes)"),
    "type_digit": _l("Type digit of the BIN"),
}

SEVERITY_LABELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
STATUS_LABELS = {"open": lazy_pgettext("flag status", "Open"), "explained": _l("Explained"),
                 "confirmed": _l("Confirmed"), "dismissed": _l("Dismissed")}
