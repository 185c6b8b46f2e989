"""A campaign's own questions on the teacher's pages (issue 17): which are shown, and what the page script needs to
show and hide the others at once.

The server decides: a question whose ``relevant`` is false given the answers of other pages is not shown at all,
and on save an answer whose question is not relevant is cleared (``rules.extra.settle``). A question that depends on
an answer of its own page is shown, with its expression as ``data-relevant`` for questionnaire.js, which hides it
while the expression is false; the answers of other pages it reads come as the form's ``data-answers``. Without
the script every such question stays visible, and the save still clears what is not relevant.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..questions import Question, Questionnaire, Step
from ..questions.expressions import text_of
from ..rules.extra import is_relevant, questions_of


@dataclass(frozen=True)
class PageExpressions:
    relevant: dict[str, str]  # code -> its expression as JSON text (``data-relevant``)
    off_page: tuple[Question, ...]  # questions whose relevance reads only answers of other pages
    names: tuple[str, ...]  # the answers of other pages the page's expressions read

    @property
    def reads_answers(self) -> bool:
        return bool(self.off_page or self.names)


@lru_cache(maxsize=256)  # bounded: questionnaires are rebuilt when a campaign's questions change
def page_expressions(step: Step) -> PageExpressions:
    """What never changes for a step (steps are made once per questionnaire)."""
    here = {q.code for q in step.questions}
    relevant, off_page, names = {}, [], []
    for q in step.questions:
        if q.relevant is None:
            continue
        read = q.relevant.names
        if read & here:
            relevant[q.code] = json.dumps(q.relevant.as_json(), ensure_ascii=False, separators=(",", ":"))
            names.extend(sorted(read - here))
        else:
            off_page.append(q)
    return PageExpressions(relevant, tuple(off_page), tuple(dict.fromkeys(names)))


@dataclass(frozen=True)
class PageState:
    hidden: frozenset[str]  # not shown: not relevant given the answers of other pages
    relevant: dict[str, str]
    answers: str  # ``data-answers``: the answers of other pages the page script reads, as JSON text ("" if none)


def page_state(step: Step, values: Callable[[], dict[str, Any]]) -> PageState | None:
    """What the step's page shows of the campaign's questions, given the stored answers (typed values, asked for
    only when an expression reads them); None for a page without expressions (every core step)."""
    expressions = page_expressions(step)
    if not expressions.relevant and not expressions.reads_answers:
        return None
    values = values() if expressions.reads_answers else {}
    hidden = frozenset(q.code for q in expressions.off_page if not is_relevant(q, values))
    answers = ""
    if expressions.names:
        answers = json.dumps({name: text_of(values.get(name)) for name in expressions.names}, ensure_ascii=False,
                             separators=(",", ":"))
    return PageState(hidden, expressions.relevant, answers)


def not_asked(questionnaire: Questionnaire, values: dict[str, Any]) -> frozenset[str]:
    """The campaign's questions whose ``relevant`` is false for these answers (the review page leaves them out)."""
    return frozenset(q.code for q in questions_of(questionnaire) if not is_relevant(q, values))
