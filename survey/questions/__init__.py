"""The questionnaire defined once, as data: one record per question (``model``), the core questions of CODEBOOK §2
(``core``), and the questionnaire an app asks (``current``). Imports nothing of the project but the codebook.

Everything else is derived from the records: the step forms and the hints and show/hide of their inputs
(``survey.questionnaire.forms``), the rules' parsers and mandatory answers (``survey.rules``), the review page
(``survey.questionnaire.display``), the export columns, their labels and the Codebook sheet (``survey.reports``), the
flat layout of the paper import, integrity rule G12's fields, the database's CHECK constraints
(``survey.models.responses``) and the XLSForm (``survey.questions.xlsform``).
"""

from __future__ import annotations

from flask import current_app, has_app_context

from .core import CORE
from .model import Format, Kind, Option, Page, Question, Questionnaire, Step, Translated, When

EXTENSION = "survey.questionnaire"

__all__ = [
    "CORE", "Format", "Kind", "Option", "Page", "Question", "Questionnaire", "Step", "Translated", "When", "current", "use",
]


def current() -> Questionnaire:
    """The questionnaire this app asks: the core one, unless ``use`` gave it another (a test's definition)."""
    if has_app_context():
        return current_app.extensions.get(EXTENSION, CORE)
    return CORE


def use(app, questionnaire: Questionnaire | None) -> None:
    """Make ``app`` ask ``questionnaire`` (None: the core one again)."""
    if questionnaire is None:
        app.extensions.pop(EXTENSION, None)
    else:
        app.extensions[EXTENSION] = questionnaire
