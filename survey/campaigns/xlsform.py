"""Reading a campaign's own questions from an XLSForm (the questionnaire format of ODK and KoboToolbox) with
pyxform, and refusing what the platform does not support, each problem named by sheet, row and column; the versions
of a campaign's set and the questionnaire it asks are ``survey.campaigns.questions``.

Supported (README, "Campaign questions (XLSForm)"): types integer, decimal, text, date, select_one LIST,
select_multiple LIST, note, begin_group/end_group (a group is one page after the core steps; questions outside any
group go on a page "More questions"); columns name, label::…, hint::…, required, relevant, constraint,
constraint_message::…, required_message::…, default, appearance; sheet ``choices`` with list_name, name, label::….
Texts in Kazakh and Russian (both required) and English (optional), the columns named as Kobo writes them
(``label::Kazakh (kk)``) or plainly (``label::kk``); a column without a language (``label``) is in the form's
``default_language`` (sheet ``settings``). The rows of collection metadata (start, end, today, deviceid …) and
Kobo's own ``$…`` columns hold no question and are passed over; nothing else of the settings sheet is read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from .. import codebook as cb
from ..models import Response
from ..questions import CORE, Kind, Option, Page, Question, Translated
from ..questions.expressions import Expression, ExpressionError, parse
from ..tabular import TableError, check_workbook

TEXT_LIMIT = 1000  # the longest answer to a text question
MAX_FORM_BYTES = 2 * 1024 * 1024  # an XLSForm of a few hundred questions is some tens of kilobytes
MAX_QUESTIONS = 300
MORE_PAGE = "x_more"  # the page of the questions outside any group
PAGE_PREFIX = "x_"
LANGUAGE_NAMES = {"kk": "kk", "kazakh": "kk", "қазақ": "kk", "қазақша": "kk", "казахский": "kk",
                  "ru": "ru", "russian": "ru", "русский": "ru", "орыс": "ru", "орысша": "ru",
                  "en": "en", "english": "en", "английский": "en", "ағылшын": "en"}
TRANSLATED = ("label", "hint", "constraint_message", "required_message")
PLAIN = ("type", "name", "required", "relevant", "constraint", "default", "appearance")
KINDS = {"integer": Kind.INTEGER, "decimal": Kind.DECIMAL, "text": Kind.TEXT, "date": Kind.DATE, "note": Kind.NOTE,
         "select_one": Kind.ONE, "select_multiple": Kind.MANY}
METADATA = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
            "audit"}  # collected by the device, not asked: passed over
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
CHOICE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,59}$")
YES = {"yes", "true", "true()", "1"}
NO = {"", "no", "false", "false()", "0"}
# names an extra question may not take: the core questions and their parts, the columns of a response, and the
# names ODK and Kobo give their own columns
RESERVED = {"org_bin", "meta", "instanceid", "key", "submissiondate", "version", "answers", "answer_versions"}


class XLSFormRefused(Exception):
    """The XLSForm cannot be taken: ``problems`` lists each with its sheet, row and column."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    sheet: str | None
    row: int | None  # as the spreadsheet numbers it (the headers are row 1)
    column: str | None
    message: Any  # translatable

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(str(_l("sheet %(sheet)s", sheet=self.sheet)))
        if self.row:
            parts.append(str(_l("row %(row)s", row=self.row)))
        if self.column:
            parts.append(str(_l("column %(column)s", column=self.column)))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else str(self.message)


@dataclass(frozen=True)
class Definition:
    """What an XLSForm defines: its pages (groups) and questions, in the form's order. ``as_json`` is what a
    ``CampaignQuestionSet`` keeps; ``from_json`` builds the records of a given version from it."""

    pages: tuple[Page, ...]
    questions: tuple[Question, ...]

    def as_json(self) -> dict[str, Any]:
        return {"pages": [{"key": page.key, "title": _translated_json(page.title)} for page in self.pages],
                "questions": [question_json(q) for q in self.questions]}

    @classmethod
    def from_json(cls, data: dict[str, Any], version: int | None = None) -> Definition:
        pages = tuple(Page(p["key"], _translated(p["title"]) if isinstance(p["title"], dict) else _more_title())
                      for p in data["pages"])
        return cls(pages, tuple(_question_from_json(q, version) for q in data["questions"]))

    def at_version(self, version: int) -> Definition:
        return Definition(self.pages, tuple(dataclasses.replace(q, version=version) for q in self.questions))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)


def _more_title():
    return _l("More questions")


# ---- reading the XLSForm -----------------------------------------------------------------------------------------

@dataclass
class _Column:
    header: str
    base: str
    lang: str | None


def read_xlsform(data: bytes, filename: str = "") -> Definition:
    """The questions an XLSForm (.xlsx) defines; raises ``XLSFormRefused`` with every problem found."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    if not data or data[:4] != b"PK\x03\x04":
        raise XLSFormRefused([Problem(None, None, None, _l("The file is not an Excel workbook (.xlsx); an XLSForm "
                                                           "is one."))])
    if len(data) > MAX_FORM_BYTES:
        raise XLSFormRefused([Problem(None, None, None, _l("The file is larger than %(mb)s MB; an XLSForm of a few "
                                                           "hundred questions is much smaller.",
                                                           mb=MAX_FORM_BYTES // (1024 * 1024)))])
    try:
        check_workbook(data)
    except TableError as exc:
        raise XLSFormRefused([Problem(None, None, None, exc.message)]) from exc
    try:
        book = get_xlsform(io.BytesIO(data), file_type=".xlsx")
    except PyXFormError as exc:
        raise XLSFormRefused([Problem(None, None, None, _l("The workbook cannot be read as an XLSForm: "
                                                           "%(reason)s", reason=str(exc)))]) from exc
    reader = _Reader(book)
    definition = reader.read()
    if reader.problems:
        raise XLSFormRefused(reader.problems)
    # pyxform's own checks of the form's structure (what ODK Central and Kobo would say of it), with the core
    # questions the expressions name standing in at the end (the whole campaign's XLSForm has them)
    named = set().union(*(e.names for q in definition.questions for e in (q.relevant, q.constraint) if e))
    headers = reader.headers
    stand_ins = [{headers["type"]: "text", headers["name"]: code, headers["label"]: code}
                 for code in sorted(named & _core_answers())]
    try:
        workbook_to_json(workbook_dict=dataclasses.replace(book, survey=[*book.survey, *stand_ins]),
                         form_name="data", fallback_form_name="data", warnings=[])
    except PyXFormError as exc:
        row = re.search(r"\[row : (\d+)\]", str(exc))
        raise XLSFormRefused([Problem("survey", int(row.group(1)) if row else None, None,
                                      _l("pyxform refuses the form: %(reason)s", reason=str(exc)))]) from exc
    return definition


class _Reader:
    def __init__(self, book):
        self.book = book
        settings = (book.settings or [{}])[0] if book.settings else {}
        # the language of the columns without one (label, hint …), as the settings sheet names it
        self.default_language = _language(str(settings.get("default_language", "")))
        self.problems: list[Problem] = []
        # the survey sheet's headers of type, name and (the first) label, as written (read_survey finds them)
        self.headers = {"type": "type", "name": "name", "label": "label"}

    def problem(self, sheet: str | None, row: int | None, column: str | None, message: Any) -> None:
        self.problems.append(Problem(sheet, row, column, message))

    def read(self) -> Definition:
        names = {str(name).lower() for name in (self.book.sheet_names or [])}
        for sheet, message in (("external_choices", _l("External selects are not supported: remove the sheet.")),
                               ("entities", _l("Entities are not supported: remove the sheet.")),
                               ("osm", _l("OpenStreetMap questions are not supported: remove the sheet."))):
            if sheet in names:
                self.problem(sheet, None, None, message)
        if not self.book.survey:
            self.problem("survey", None, None, _l("The workbook has no sheet “survey” with questions."))
            return Definition((), ())
        lists = self.read_choices()
        return self.read_survey(lists)

    # -- headers

    def columns(self, sheet: str, headers, rows: list[dict[str, Any]], plain: Iterable[str],
                translated: Iterable[str]) -> dict[str, _Column]:
        """The sheet's columns by header; a column that is not supported is refused where it has a value."""
        found: dict[str, _Column] = {}
        for header in (headers[0] if headers else {}):
            base, _sep, lang = header.partition("::")
            base = "_".join(base.split()).lower()  # as pyxform reads a header: "Constraint Message" too
            if header.startswith("$"):  # Kobo's own bookkeeping ($kuid, $autoname …)
                continue
            if base in plain and not lang:
                found[header] = _Column(header, base, None)
                continue
            if base in translated:
                code = _language(lang) if lang else self.default_language
                if code is None:
                    self.problem(sheet, 1, header, _l("Name the language of this column as kk, ru or en, e.g. "
                                                      "“%(base)s::kk” or “%(base)s::Kazakh (kk)” (or the form's "
                                                      "default_language on the sheet settings).", base=base))
                else:
                    found[header] = _Column(header, base, code)
                continue
            used = next((number for number, row in enumerate(rows, start=2) if row.get(header) not in (None, "")),
                        None)
            if used is not None:
                self.problem(sheet, used, header, _l("The column “%(column)s” is not supported (it would change "
                                                     "what the form means here).", column=header))
        return found

    def texts(self, sheet: str, number: int, row: dict[str, Any], columns: dict[str, _Column], base: str,
              required: bool) -> Translated | None:
        """The row's text of one kind in each language; kk and ru both, when the text is required or given."""
        values = {column.lang: str(row[header]).strip() for header, column in columns.items()
                  if column.base == base and row.get(header) not in (None, "")}
        if not values and not required:
            return None
        for lang, missing in (("kk", _l("The text in Kazakh (kk) is missing.")),
                              ("ru", _l("The text in Russian (ru) is missing."))):
            if not values.get(lang):
                self.problem(sheet, number, f"{base}::{lang}", missing)
        return Translated(values.get("kk", ""), values.get("ru", ""), values.get("en", ""))

    # -- choices

    def read_choices(self) -> dict[str, list[Option]]:
        rows = list(self.book.choices or [])
        columns = self.columns("choices", self.book.choices_header, rows, ("list_name", "name"), ("label",))
        by_base = {column.base: header for header, column in columns.items() if column.lang is None}
        lists: dict[str, list[Option]] = {}
        taken = set(cb.CODES) | {"yes_no", "organizations"}
        for number, row in enumerate(rows, start=2):
            if not row:
                continue
            list_name = str(row.get(by_base.get("list_name", "list_name"), "")).strip()
            name = str(row.get(by_base.get("name", "name"), "")).strip()
            if not list_name:
                self.problem("choices", number, "list_name", _l("The choice has no list_name."))
                continue
            if list_name not in lists and list_name in taken:
                self.problem("choices", number, "list_name", _l("The list name “%(name)s” is a list of the core "
                                                                "questionnaire; choose another.", name=list_name))
            if not CHOICE_NAME.match(name):
                self.problem("choices", number, "name", _l("A choice's name is 1–60 letters, digits, '_', '-' or "
                                                           "'.', without spaces: “%(name)s” is not.", name=name))
            options = lists.setdefault(list_name, [])
            if any(option.name == name for option in options):
                self.problem("choices", number, "name", _l("The choice “%(name)s” is twice in the list "
                                                           "“%(list)s”.", name=name, list=list_name))
            label = self.texts("choices", number, row, columns, "label", required=True)
            options.append(Option(name, label))
        return lists

    # -- survey

    def read_survey(self, lists: dict[str, list[Option]]) -> Definition:
        rows = list(self.book.survey)
        columns = self.columns("survey", self.book.survey_header, rows, PLAIN, TRANSLATED)
        by_base = {column.base: header for header, column in columns.items() if column.lang is None}
        self.headers.update(by_base)
        self.headers["label"] = next((header for header, column in columns.items() if column.base == "label"),
                                     "label")
        pages: list[Page] = []
        questions: list[tuple[int, Question]] = []
        group: tuple[int, str] | None = None
        inner = 0
        names: dict[str, int] = {}
        for number, row in enumerate(rows, start=2):
            if not row:
                continue
            cell = {base: str(row.get(header, "")).strip() for base, header in by_base.items()}
            raw_type = " ".join(cell.get("type", "").split())
            name = cell.get("name", "")
            word, _sep, rest = raw_type.partition(" ")
            word = word.lower()
            if word in ("begin", "end") and rest:
                word, rest = f"{word}_{rest.split()[0].lower()}", " ".join(rest.split()[1:])
            if word == "select" and rest.lower().startswith(("one ", "multiple ", "all that apply ")):
                kind_word, _sep, rest = rest.partition(" ")
                if kind_word.lower() == "all":  # "select all that apply LIST", pyxform's other name
                    rest = rest.split(" ", 2)[2]
                word = "select_one" if kind_word.lower() == "one" else "select_multiple"
            if not word:
                if name or any(row.get(h) for h in columns):
                    self.problem("survey", number, "type", _l("The row has no type."))
                continue
            if word in METADATA and not rest:
                continue
            refusal = _refused_type(word)
            if refusal is not None:
                self.problem("survey", number, "type", refusal)
                continue
            if word == "begin_group":
                if group is not None:
                    self.problem("survey", number, "type", _l("A group inside a group is not supported: each group "
                                                              "is one page."))
                    inner += 1
                    continue
                self.check_name(number, name, names, group=True)
                title = self.texts("survey", number, row, columns, "label", required=True)
                group = (number, name)
                pages.append(Page(PAGE_PREFIX + name, title))
                continue
            if word == "end_group":
                if inner:  # the end of a group inside a group, refused above
                    inner -= 1
                    continue
                if group is None:
                    self.problem("survey", number, "type", _l("end_group without a begin_group before it."))
                elif not any(q.page == PAGE_PREFIX + group[1] for _n, q in questions):
                    self.problem("survey", group[0], "type", _l("The group “%(name)s” has no question.",
                                                                name=group[1]))
                group = None
                continue
            kind = KINDS.get(word)
            if kind is None:
                self.problem("survey", number, "type", _l("The type “%(type)s” is not supported: use integer, "
                                                          "decimal, text, date, select_one, select_multiple, note, "
                                                          "begin_group or end_group.", type=raw_type))
                continue
            self.check_name(number, name, names, group=False)
            if kind in (Kind.ONE, Kind.MANY):
                list_name, _sep, extra = rest.partition(" ")
                if extra:
                    self.problem("survey", number, "type", _l("“%(extra)s” after the list name is not supported "
                                                              "(or_other, choices from a file).", extra=extra))
                    continue
                if not list_name:
                    self.problem("survey", number, "type", _l("Name the list of choices after %(type)s.",
                                                              type=word))
                    continue
                if list_name not in lists:
                    self.problem("survey", number, "type", _l("The list “%(name)s” is not on the sheet choices.",
                                                              name=list_name))
                    continue
            elif rest:
                self.problem("survey", number, "type", _l("The type “%(type)s” is not supported.", type=raw_type))
                continue
            else:
                list_name = ""
            question = self.question(number, row, cell, columns, name, kind, tuple(lists.get(list_name, ())),
                                     list_name or None, PAGE_PREFIX + group[1] if group else MORE_PAGE)
            if question is not None:
                questions.append((number, question))
        if group is not None:
            self.problem("survey", group[0], "type", _l("The group “%(name)s” has no end_group.", name=group[1]))
        if not questions:
            self.problem("survey", None, None, _l("The form has no question."))
        elif len(questions) > MAX_QUESTIONS:
            self.problem("survey", None, None, _l("The form has %(n)s questions; a campaign takes at most "
                                                  "%(limit)s of its own.", n=len(questions), limit=MAX_QUESTIONS))
        if any(q.page == MORE_PAGE for _n, q in questions):
            pages.append(Page(MORE_PAGE, _more_title()))
        self.check_expressions(questions)
        return Definition(tuple(pages), tuple(q for _n, q in questions))

    def check_name(self, number: int, name: str, names: dict[str, int], group: bool) -> None:
        if not name:
            self.problem("survey", number, "name", _l("The row has no name."))
            return
        if not NAME.match(name):
            self.problem("survey", number, "name", _l("A name is 1–40 Latin letters, digits or '_', beginning "
                                                      "with a letter: “%(name)s” is not.", name=name))
        elif name.lower() in _reserved():
            self.problem("survey", number, "name", _l("The name “%(name)s” is taken by the core questionnaire; "
                                                      "choose another.", name=name))
        elif group and name.lower() == MORE_PAGE[len(PAGE_PREFIX):]:
            self.problem("survey", number, "name", _l("The group name “%(name)s” is reserved; choose another.",
                                                      name=name))
        if name.lower() in names:
            self.problem("survey", number, "name", _l("The name “%(name)s” is already used in row %(row)s.",
                                                      name=name, row=names[name.lower()]))
        else:
            names[name.lower()] = number

    def question(self, number, row, cell, columns, name, kind, options, list_name, page) -> Question | None:
        label = self.texts("survey", number, row, columns, "label", required=True)
        hint = self.texts("survey", number, row, columns, "hint", required=False)
        constraint_message = self.texts("survey", number, row, columns, "constraint_message", required=False)
        required_message = self.texts("survey", number, row, columns, "required_message", required=False)
        required = cell.get("required", "").lower()
        if required not in YES | NO:
            self.problem("survey", number, "required", _l("“required” is yes or no; “%(value)s” is not supported.",
                                                          value=cell.get("required")))
        relevant = self.expression(number, "relevant", cell.get("relevant", ""))
        constraint = self.expression(number, "constraint", cell.get("constraint", ""))
        default = self.default(number, kind, cell.get("default", ""), options)
        if kind is Kind.NOTE:
            for column, given in (("required", required in YES), ("constraint", constraint is not None),
                                  ("default", default is not None)):
                if given:
                    self.problem("survey", number, column, _l("A note is not answered: it takes no %(column)s.",
                                                              column=column))
        if relevant is not None and relevant.uses_here:
            self.problem("survey", number, "relevant", _l("“.” (the answer itself) belongs in a constraint, not in "
                                                          "relevant."))
        appearance = cell.get("appearance", "")
        return Question(name, kind, label, page, hint=hint, options=options if kind in (Kind.ONE, Kind.MANY) else (),
                        list_name=list_name, limit=TEXT_LIMIT if kind is Kind.TEXT else None,
                        mandatory=required in YES and kind is not Kind.NOTE, relevant=relevant, constraint=constraint,
                        constraint_message=constraint_message, required_message=required_message, default=default,
                        appearance=appearance if kind is Kind.ONE and appearance in ("minimal", "likert") else "")

    def expression(self, number: int, column: str, text: str) -> Expression | None:
        if not text:
            return None
        try:
            return parse(text)
        except ExpressionError as exc:
            self.problem("survey", number, column, _l("The expression “%(text)s” cannot be used: %(reason)s",
                                                      text=text, reason=exc.message))
            return None

    def default(self, number: int, kind: Kind, text: str, options: tuple[Option, ...]) -> Any:
        if not text:
            return None
        value = typed_answer(kind, text, tuple(option.name for option in options))
        if value is None:
            self.problem("survey", number, "default", _l("The default “%(value)s” is not an answer this question "
                                                         "takes.", value=text))
        return value

    def check_expressions(self, questions: list[tuple[int, Question]]) -> None:
        """Every name an expression uses is a stored answer: a question of the form (not a note) or of the core."""
        answered = {q.code for _n, q in questions if q.is_stored} | _core_answers()
        for number, q in questions:
            for column, expression in (("relevant", q.relevant), ("constraint", q.constraint)):
                if expression is None:
                    continue
                unknown = sorted(expression.names - answered)
                if unknown:
                    self.problem("survey", number, column, _l("The expression names %(names)s, which no question "
                                                              "answers.", names=", ".join(unknown)))
                if column == "relevant" and q.code in expression.names:
                    self.problem("survey", number, column, _l("A question cannot be shown depending on its own "
                                                              "answer."))
        self.check_cycles(questions)

    def check_cycles(self, questions: list[tuple[int, Question]]) -> None:
        """No question may be shown depending, through others, on itself (ODK refuses such a form)."""
        rows = {q.code: number for number, q in questions}
        depends = {q.code: sorted((q.relevant.names & rows.keys()) - {q.code}) if q.relevant else []
                   for _n, q in questions}
        done: set[str] = set()
        for start in depends:
            path, stack = [start], [iter(depends[start])]
            while stack:
                following = next(stack[-1], None)
                if following is None:
                    done.add(path.pop())
                    stack.pop()
                elif following in path:
                    cycle = path[path.index(following):]
                    self.problem("survey", rows[following], "relevant", _l(
                        "The questions %(names)s are each shown depending on another of them, in a circle.",
                        names=", ".join(cycle)))
                    return
                elif following not in done:
                    path.append(following)
                    stack.append(iter(depends[following]))


def _refused_type(word: str) -> Any:
    if word in ("begin_repeat", "end_repeat"):
        return _l("Repeats are not supported.")
    if word == "calculate":
        return _l("Calculations are not supported.")
    if word in ("geopoint", "geotrace", "geoshape", "start-geopoint", "background-geopoint"):
        return _l("Locations (geo types) are not supported.")
    if word in ("image", "audio", "video", "file", "background-audio", "background-video", "barcode"):
        return _l("Media questions (photos, sound, video, files) are not supported.")
    if word in ("select_one_from_file", "select_multiple_from_file", "select_one_external", "xml-external",
                "csv-external"):
        return _l("External selects (choices from a file) are not supported.")
    return None


def _language(text: str) -> str | None:
    text = text.strip()
    inner = re.search(r"\(([^()]+)\)\s*$", text)
    key = (inner.group(1) if inner else text).strip().lower()
    return LANGUAGE_NAMES.get(key)


def _reserved() -> set[str]:
    names = {q.code.lower() for q in CORE.questions} | {p.code.lower() for q in CORE.questions for p in q.parts}
    return names | {column.name.lower() for column in Response.__table__.columns} | RESERVED


def _core_answers() -> set[str]:
    """The core answers an expression may name: the stored single answers (not the IIN, not repeated rows)."""
    return {q.code for q in CORE.questions if q.is_stored and q.kind is not Kind.ROWS}


def typed_answer(kind: Kind, text: str, choices: tuple[str, ...] = ()) -> Any:
    """``text`` as the JSON form of an answer of ``kind`` (see the contract), or None when it is not one."""
    text = text.strip()
    if kind is Kind.INTEGER:
        return int(text) if re.fullmatch(r"-?\d{1,15}", text) else None
    if kind is Kind.DECIMAL:
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None
        return format(number, "f") if number.is_finite() else None
    if kind is Kind.DATE:
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            return None
    if kind is Kind.TEXT:
        return text if len(text) <= TEXT_LIMIT else None
    if kind is Kind.ONE:
        return text if text in choices else None
    if kind is Kind.MANY:
        chosen = set(text.split())
        return [name for name in choices if name in chosen] if chosen <= set(choices) else None
    return None


# ---- the JSON kept with a version ----------------------------------------------------------------------------

def _translated_json(value: Any) -> dict[str, str] | None:
    if isinstance(value, Translated):
        return {"kk": value.kk, "ru": value.ru, "en": value.en}
    return None


def _translated(value: dict[str, str] | None) -> Translated | None:
    return Translated(value["kk"], value["ru"], value.get("en", "")) if value else None


def question_json(q: Question) -> dict[str, Any]:
    return {"name": q.code, "kind": q.kind.value, "page": q.page, "label": _translated_json(q.label),
            "hint": _translated_json(q.hint), "constraint_message": _translated_json(q.constraint_message),
            "required_message": _translated_json(q.required_message), "required": q.mandatory,
            "relevant": q.relevant.text if q.relevant else None,
            "constraint": q.constraint.text if q.constraint else None, "default": q.default,
            "list": q.list_name, "appearance": q.appearance,
            "options": [{"name": o.name, "label": _translated_json(o.label)} for o in q.options]}


def _question_from_json(data: dict[str, Any], version: int | None) -> Question:
    kind = Kind(data["kind"])
    return Question(
        data["name"], kind, _translated(data["label"]), data["page"], hint=_translated(data["hint"]),
        constraint_message=_translated(data["constraint_message"]),
        required_message=_translated(data["required_message"]), mandatory=data["required"],
        relevant=parse(data["relevant"]) if data["relevant"] else None,
        constraint=parse(data["constraint"]) if data["constraint"] else None, default=data["default"],
        list_name=data["list"], appearance=data["appearance"], limit=TEXT_LIMIT if kind is Kind.TEXT else None,
        options=tuple(Option(o["name"], _translated(o["label"])) for o in data["options"]), version=version)
