"""XLSForms for the tests of campaign questions (issue 17), built in memory.

``xlsform(survey_rows, choices_rows, settings)`` writes an .xlsx whose sheets ``survey``, ``choices`` and
``settings`` hold the given rows (the first row of each list is its headers). ``EXAMPLE`` is the standard form
the tests of every part of issue 17 use: one group ("digital", page ``x_digital``) of four questions:

- ``digital_skills`` select_one ``skill_level`` (none, basic, confident, advanced), required;
- ``ai_tools`` select_multiple ``ai_tools`` (chatgpt, gemini, copilot, other), shown when the core ``ai_use`` is
  yes (``relevant = ${ai_use} = 'true'``);
- ``mentor_hours`` integer, 0 to 20 (``constraint = . >= 0 and . <= 20``, with a message);
- ``other_tool`` text, shown when ``ai_tools`` has ``other`` selected.

Its language columns are written as Kobo writes them (``label::Kazakh (kk)``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import openpyxl

KK, RU, EN = "Kazakh (kk)", "Russian (ru)", "English (en)"


def xlsform(survey_rows: Sequence[Sequence[Any]], choices_rows: Sequence[Sequence[Any]] = (),
            settings: Sequence[Sequence[Any]] | None = None,
            sheets: dict[str, Sequence[Sequence[Any]]] | None = None) -> bytes:
    """An XLSForm (.xlsx) with these sheets (and any ``sheets`` more); the first row of each list is its headers."""
    workbook = openpyxl.Workbook()
    sheets = [("survey", survey_rows), ("choices", choices_rows), *(sheets or {}).items()]
    if settings is not None:
        sheets.append(("settings", settings))
    workbook.active.title = "survey"
    for name, rows in sheets:
        sheet = workbook["survey"] if name == "survey" else workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SURVEY_HEADERS = ["type", "name", f"label::{KK}", f"label::{RU}", f"label::{EN}", f"hint::{KK}", f"hint::{RU}",
                  "required", "relevant", "constraint", f"constraint_message::{KK}", f"constraint_message::{RU}"]
CHOICES_HEADERS = ["list_name", "name", f"label::{KK}", f"label::{RU}", f"label::{EN}"]


def question(type_: str, name: str, kk: str, ru: str, en: str = "", *, hint: tuple[str, str] = ("", ""),
             required: str = "", relevant: str = "", constraint: str = "",
             message: tuple[str, str] = ("", "")) -> list[str]:
    """A survey row under ``SURVEY_HEADERS``."""
    return [type_, name, kk, ru, en, *hint, required, relevant, constraint, *message]


EXAMPLE_SURVEY = [
    SURVEY_HEADERS,
    question("begin_group", "digital", "Цифрлық дағдылар", "Цифровые навыки", "Digital skills"),
    question("select_one skill_level", "digital_skills", "Цифрлық дағдыларыңызды қалай бағалайсыз?",
             "Как вы оцениваете свои цифровые навыки?", "How do you rate your digital skills?", required="yes"),
    question("select_multiple ai_tools", "ai_tools", "Қандай ЖИ құралдарын қолданасыз?",
             "Какими инструментами ИИ вы пользуетесь?", "Which AI tools do you use?",
             relevant="${ai_use} = 'true'"),
    question("integer", "mentor_hours", "Әріптестерді оқытуға аптасына неше сағат бөле аласыз?",
             "Сколько часов в неделю вы готовы наставлять коллег?",
             "How many hours a week would you mentor colleagues?",
             hint=("0-ден 20-ға дейін.", "От 0 до 20."), constraint=". >= 0 and . <= 20",
             message=("0-ден 20-ға дейінгі сан.", "Число от 0 до 20.")),
    question("text", "other_tool", "Басқа қандай құрал?", "Какой другой инструмент?", "Which other tool?",
             relevant="selected(${ai_tools}, 'other')"),
    question("end_group", "", "", ""),
]
EXAMPLE_CHOICES = [
    CHOICES_HEADERS,
    ["skill_level", "none", "Жоқ", "Нет навыков", "None"],
    ["skill_level", "basic", "Бастапқы", "Базовые", "Basic"],
    ["skill_level", "confident", "Сенімді", "Уверенные", "Confident"],
    ["skill_level", "advanced", "Жоғары", "Продвинутые", "Advanced"],
    ["ai_tools", "chatgpt", "ChatGPT", "ChatGPT", "ChatGPT"],
    ["ai_tools", "gemini", "Gemini", "Gemini", "Gemini"],
    ["ai_tools", "copilot", "Copilot", "Copilot", "Copilot"],
    ["ai_tools", "other", "Басқа", "Другое", "Other"],
]
EXAMPLE = xlsform(EXAMPLE_SURVEY, EXAMPLE_CHOICES, [["form_title", "form_id"], ["Example", "example"]])
