"""The steps of the questionnaire: which answers each page asks for."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..rules.response import EDUCATION_FIELDS, EMPLOYMENT_FIELDS, WORK_FIELDS


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: object  # lazy translated string
    fields: tuple[str, ...]


STEPS = (
    Step(1, "employment", _l("Work at this organization"), EMPLOYMENT_FIELDS),
    Step(2, "other_jobs", _l("Other jobs"), ("other_jobs",)),
    Step(3, "education", _l("Education, category, experience"), EDUCATION_FIELDS),
    Step(4, "work", _l("Development, workload, AI, plans"), WORK_FIELDS),
)
REVIEW_STEP = len(STEPS) + 1  # the summary page, where the questionnaire is submitted
BY_NUMBER = {step.number: step for step in STEPS}


def step_of_field(name: str) -> int:
    for step in STEPS:
        if name in step.fields:
            return step.number
    return REVIEW_STEP
