"""The record of a question, the pages it is asked on, and a questionnaire made of them.

Plain dataclasses, no Flask request and no database: the forms, the rules, the review page, the exports, the
database's CHECK constraints and the XLSForm are all derived from these records (see ``survey.questions``).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from babel.numbers import format_decimal
from flask_babel import LazyString, get_locale

from .. import codebook as cb

if TYPE_CHECKING:
    from .expressions import Expression

LANGUAGES = ("kk", "ru", "en")


def reader_language() -> str:
    """The reader's language: Flask-Babel's locale (the page's language, else the configured default); outside an
    application, where there is none, the codebook's own (``codebook.FALLBACK_LANGUAGE``)."""
    locale = get_locale()
    return cb.FALLBACK_LANGUAGE if locale is None else str(locale)


class Kind(enum.StrEnum):
    TEXT = "text"  # free text up to ``limit`` characters, or a ``format``: a person's name, a BIN
    IIN = "iin"  # the person's IIN: checked, turned into person key, birth date and sex at once, never stored
    INTEGER = "integer"
    DECIMAL = "decimal"  # with its ``step`` (0.25 for a rate) or its decimal ``places``
    DATE = "date"
    YEAR = "year"
    YES_NO = "yes_no"
    CONSENT = "consent"  # must be agreed to
    ONE = "one"  # a single choice from a codebook list
    MANY = "many"  # several choices from a codebook list
    ROWS = "rows"  # repeated rows of ``parts`` (subjects, other jobs)
    NOTE = "note"  # a text shown among the questions of a campaign's XLSForm; nothing is stored


class Format(enum.StrEnum):
    NAME = "name"  # letters, with a hyphen, space or apostrophe joining parts
    BIN = "bin"  # 12 digits with a valid check digit (CODEBOOK §6)


@dataclass(frozen=True)
class Translated:
    """A text given in each language, as an uploaded XLSForm gives its labels; shown in the reader's language.

    The core questions' texts are lazy strings of the catalogs instead; both turn into text with ``str()``.
    """

    kk: str
    ru: str
    en: str = ""

    def __str__(self) -> str:
        lang = reader_language()
        return getattr(self, lang, "") or self.ru or self.kk


@dataclass(frozen=True)
class Option:
    """A choice of a campaign question's own list (an XLSForm's ``choices`` sheet): its name is what is stored."""

    name: str
    label: Translated


@dataclass(frozen=True)
class When:
    """A question is asked only when another answer is (``equal``) or is not the code ``value``.

    "Is not" waits for the other answer: while it is blank the question is neither asked nor excused.
    """

    code: str
    value: str
    equal: bool = True

    def holds(self, answer: Any) -> bool | None:
        """True: asked; False: not asked; None: not known yet."""
        if isinstance(answer, bool):
            answer = "true" if answer else "false"
        if answer is None or answer == "" or answer == []:
            return False if self.equal else None
        return (str(answer) == self.value) == self.equal

    @property
    def attribute(self) -> str:
        """As the pages' script reads it (``data-show-when``): ``ai_use=true``, ``category!=none``."""
        return f"{self.code}{'=' if self.equal else '!='}{self.value}"


@dataclass(frozen=True)
class Page:
    key: str
    title: Any
    is_step: bool = True  # a numbered step of the questionnaire (the identity page is not one)


@dataclass(frozen=True, eq=False)
class Question:
    """One question of CODEBOOK §2 (or, later, of a campaign's own XLSForm). Texts are lazy catalog strings or
    ``Translated``; a label, hint or message may name ``%(low)s``, ``%(high)s`` and ``%(step)s``, filled in from
    the record's own numbers in the reader's language."""

    code: str
    kind: Kind
    label: Any
    page: str = ""  # the page it is asked on; "" for the parts of a row
    export_label: Any = None  # the column header of exports and the Codebook sheet (default: the label)
    hint: Any = None
    choices: str | None = None  # the codebook list it chooses from (codebook.CODES)
    low: int | Decimal | None = None
    high: int | Decimal | None = None
    step: Decimal | None = None
    places: int | None = None
    limit: int | None = None  # the longest text
    format: Format | None = None
    mandatory: bool = False  # must be answered before the questionnaire counts as submitted (when it is asked)
    asked_when: When | None = None
    required_message: Any = None  # instead of "This answer is required."
    not_asked_message: Any = None  # an answer given while the question is not asked is refused with this
    constraint_message: Any = None  # when the step, the places or the format is not met
    personal: bool = False  # part of the personal sections that integrity rule G12 compares
    per_person: bool = False  # the same at every organization of the person: filled in from an answer elsewhere
    appearance: str = ""  # as XLSForm's: "minimal" a drop-down list, "likert" a scale of buttons
    autocomplete: str | None = None  # the browser's autocomplete token
    parts: tuple[Question, ...] = ()  # the parts of each row (``Kind.ROWS``)
    rows_shown: int = 0  # empty rows on a new page
    row_text: Any = None  # a row on the review page: the parts by code, e.g. "%(subject)s: %(hours)s h"
    instead: str | None = None  # a part shown, and accepted as the answer, in this part's place when it is blank
    in_flat: bool = True  # written in the flat layout (``subject:hours:language``); free text with ':' is not
    # A campaign's own question (an uploaded XLSForm, ``survey.campaigns.questions``): its choices, the XLSForm
    # list they came from, its ``relevant`` and ``constraint`` expressions, its default answer (JSON form) and the
    # version of the campaign's question set it belongs to (None: a core question).
    options: tuple[Option, ...] = ()
    list_name: str | None = None
    relevant: Expression | None = None
    constraint: Expression | None = None
    default: Any = None
    version: int | None = None

    def __post_init__(self) -> None:
        if self.kind is Kind.INTEGER and self.choices and self.low is None:  # a scale: its range is its points
            points = [int(code) for code in cb.CODES[self.choices]]
            object.__setattr__(self, "low", min(points))
            object.__setattr__(self, "high", max(points))

    @property
    def numbers(self) -> dict[str, Any]:
        """``low``, ``high``, ``step`` and the ``second`` and ``third`` values a step allows, for the record's
        texts, in the reader's language (0,25 in kk and ru)."""
        locale = reader_language()
        values = {"low": self.low, "high": self.high, "step": self.step}
        if self.step is not None and self.low is not None:
            values.update(second=self.low + self.step, third=self.low + 2 * self.step)
        return {name: _number(value, locale) for name, value in values.items()}

    def text(self, which: str) -> str:
        """The label, export label, hint or a message in the reader's language, its numbers filled in."""
        value = getattr(self, which)
        if which == "export_label" and value is None:
            value = self.label
        if value is None:
            return ""
        text = str(value)
        return text % self.numbers if "%(" in text else text

    def lazy(self, which: str) -> LazyString:
        """``text(which)`` when it is shown, in the language of that moment (a rule's message, a form's label)."""
        return LazyString(self.text, which)

    def typed(self, value: Any) -> Any:
        """An answer kept in JSON form (dates and decimals as text) as the typed value the rules give."""
        if value is None or value == "":
            return [] if self.is_list else None
        if self.kind is Kind.DATE and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if self.kind is Kind.DECIMAL and not isinstance(value, Decimal):
            return Decimal(str(value))
        return value

    @property
    def is_list(self) -> bool:
        return self.kind in (Kind.MANY, Kind.ROWS)

    @property
    def is_stored(self) -> bool:
        return self.kind not in (Kind.IIN, Kind.NOTE)

    @property
    def is_extra(self) -> bool:
        """A campaign's own question (from its XLSForm), kept in ``responses.answers``."""
        return self.version is not None

    def choice_codes(self) -> tuple[str, ...]:
        """The codes an answer chooses from: the question's own options, else its codebook list (yes/no: the
        XLSForm's ``true`` and ``false``)."""
        if self.options:
            return tuple(option.name for option in self.options)
        if self.choices:
            return tuple(cb.CODES[self.choices])
        if self.kind is Kind.YES_NO:
            return ("true", "false")
        return ()

    def choice_label(self, code: str) -> str:
        """The label of one of ``choice_codes()`` in the reader's language (the code itself when unknown)."""
        for option in self.options:
            if option.name == code:
                return str(option.label)
        if self.choices:
            return cb.label(self.choices, code, reader_language())
        return str(code)

    def part(self, code: str) -> Question:
        return next(p for p in self.parts if p.code == code)


def _number(value: Any, locale: str) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=locale, group_separator=False)


@dataclass(frozen=True, eq=False)
class Step:
    """A numbered page of the questionnaire: its questions in the order of the page (single answers first, then
    the repeated rows, whose "Add a row" button ends the page)."""

    number: int
    key: str
    title: Any
    questions: tuple[Question, ...] = field(repr=False)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)

    @cached_property
    def show_when(self) -> dict[str, str]:
        """``data-show-when`` of the inputs asked only sometimes."""
        return {q.code: q.asked_when.attribute for q in self.questions if q.asked_when is not None}

    def hints(self) -> dict[str, str]:
        """The hints under the inputs, in the reader's language (built once per language)."""
        lang = reader_language()
        cache = self.__dict__.setdefault("_hints", {})
        found = cache.get(lang)
        if found is None:
            found = cache[lang] = {q.code: q.text("hint") for q in self.questions if q.hint is not None}
        return found


class Questionnaire:
    """Pages and questions, in the order of the codebook (which is the order of export columns), with what every
    user of them needs derived once."""

    def __init__(self, pages: tuple[Page, ...], questions: tuple[Question, ...]):
        self.pages, self.questions = tuple(pages), tuple(questions)
        keys = [page.key for page in self.pages]
        codes = [q.code for q in self.questions]
        if len(set(keys)) != len(keys) or len(set(codes)) != len(codes):
            raise ValueError("page keys and question codes must be unique")
        for q in self.questions:
            if q.page not in keys:
                raise ValueError(f"question {q.code} is on page {q.page!r}, which is not defined")
            if q.choices and q.choices not in cb.CODES:
                raise ValueError(f"question {q.code} chooses from {q.choices!r}, which the codebook does not list")
            if q.asked_when is not None and q.asked_when.code not in codes:
                raise ValueError(f"question {q.code} depends on {q.asked_when.code}, which is not defined")
        self.by_code = {q.code: q for q in self.questions}

    def __repr__(self) -> str:
        return f"<Questionnaire of {len(self.questions)} questions>"

    def __getitem__(self, code: str) -> Question:
        return self.by_code[code]

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def on_page(self, key: str) -> tuple[Question, ...]:
        """The page's questions in the order it shows them: single answers first, then repeated rows."""
        here = [q for q in self.questions if q.page == key]
        return tuple([q for q in here if q.kind is not Kind.ROWS] + [q for q in here if q.kind is Kind.ROWS])

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        pages = [page for page in self.pages if page.is_step]
        return tuple(Step(number, page.key, page.title, self.on_page(page.key))
                     for number, page in enumerate(pages, start=1))

    @cached_property
    def step_by_number(self) -> dict[int, Step]:
        return {step.number: step for step in self.steps}

    @property
    def review_step(self) -> int:
        """The number of the summary page, where the questionnaire is submitted."""
        return len(self.steps) + 1

    def step_of(self, code: str) -> int:
        """The step that asks ``code``; the review step for an answer no step asks (the names)."""
        question = self.by_code.get(code)
        for step in self.steps:
            if question is not None and step.key == question.page:
                return step.number
        return self.review_step

    @cached_property
    def answers(self) -> tuple[str, ...]:
        """Every stored answer, in the order the pages ask them (what the rules check by default)."""
        return tuple(q.code for page in self.pages for q in self.on_page(page.key) if q.is_stored)

    @cached_property
    def columns(self) -> tuple[Question, ...]:
        """Every stored answer in the codebook's order: the export columns and the flat layout."""
        return tuple(q for q in self.questions if q.is_stored)

    @cached_property
    def mandatory(self) -> tuple[str, ...]:
        """Answers that every submitted questionnaire has (the ones asked only sometimes are the rules' concern)."""
        return tuple(q.code for q in self.questions
                     if q.mandatory and q.asked_when is None and q.relevant is None and q.is_stored)

    @cached_property
    def personal(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions if q.personal)

    @cached_property
    def per_person(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions if q.per_person)

    @cached_property
    def asked_sometimes(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.asked_when is not None)

    def identity(self) -> tuple[Question, ...]:
        """The questions of the page before the steps (IIN, names, consent)."""
        return tuple(q for page in self.pages if not page.is_step for q in self.on_page(page.key))

    def with_questions(self, *questions: Question) -> Questionnaire:
        """This questionnaire with more questions after its own (a test's definition; a campaign's own questions)."""
        return Questionnaire(self.pages, self.questions + tuple(questions))

    def with_pages(self, pages: tuple[Page, ...], questions: tuple[Question, ...]) -> Questionnaire:
        """This questionnaire with more pages, and their questions, after its own (a campaign's XLSForm)."""
        return Questionnaire(self.pages + tuple(pages), self.questions + tuple(questions))
