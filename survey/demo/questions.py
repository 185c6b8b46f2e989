"""The demo campaign's own questions (issue 17): an XLSForm as an administrator would write it in Excel, uploaded
through the same ``upload_questions`` as the console, and answers to it drawn for the demo's respondents.

Four questions on one page after the core steps: a digital-skills self-assessment, the AI tools used (asked only
of those who said they use AI, a core answer), the hours a week with them (asked when a tool is ticked, with a
constraint), and whether the teacher would mentor colleagues (asked of the confident and advanced).
"""

from __future__ import annotations

import io
import random
from typing import Any

from openpyxl import Workbook

from ..campaigns.questions import upload_questions
from ..codebook import CampaignStatus
from ..models import Campaign, CampaignQuestionSet

FILENAME = "demo-digital-skills.xlsx"
LANGS = ("Kazakh (kk)", "Russian (ru)", "English (en)")

def _texts(column: str, kk: str, ru: str, en: str) -> dict[str, str]:
    return {f"{column}::{lang}": text for lang, text in zip(LANGS, (kk, ru, en))}


ROWS = (
    {"type": "begin_group", "name": "digital",
     **_texts("label", "Цифрлық дағдылар және ЖИ", "Цифровые навыки и ИИ", "Digital skills and AI")},
    {"type": "select_one skill_level", "name": "digital_skills", "required": "yes",
     **_texts("label", "Цифрлық дағдыларыңызды қалай бағалайсыз?", "Как вы оцениваете свои цифровые навыки?",
              "How do you rate your digital skills?")},
    {"type": "select_multiple ai_tools", "name": "ai_tools", "relevant": "${ai_use} = 'true'",
     **_texts("label", "Жұмыста қандай ЖИ құралдарын қолданасыз?", "Какие инструменты ИИ вы используете в работе?",
              "Which AI tools do you use in your work?"),
     **_texts("hint", "Барлығын белгілеңіз.", "Отметьте все подходящие.", "Tick all that apply.")},
    {"type": "integer", "name": "ai_hours", "relevant": "count-selected(${ai_tools}) > 0",
     "constraint": ". >= 0 and . <= 40",
     **_texts("label", "Аптасына сабаққа дайындалуға ЖИ-ді неше сағат қолданасыз?",
              "Сколько часов в неделю вы используете ИИ для подготовки к урокам?",
              "How many hours a week do you use AI to prepare lessons?"),
     **_texts("constraint_message", "0-ден 40 сағатқа дейін.", "От 0 до 40 часов.", "From 0 to 40 hours.")},
    {"type": "select_one yes_no_maybe", "name": "mentor",
     "relevant": "${digital_skills} = 'confident' or ${digital_skills} = 'advanced'",
     **_texts("label", "Әріптестеріңізге цифрлық құралдарды үйретуге дайынсыз ба?",
              "Готовы ли вы обучать коллег цифровым инструментам?", "Would you mentor colleagues in digital tools?")},
    {"type": "end_group", "name": "digital"},
)
SURVEY = (tuple(dict.fromkeys(key for row in ROWS for key in row)),)
SURVEY += tuple(tuple(row.get(column, "") for column in SURVEY[0]) for row in ROWS)
CHOICES = (
    ("list_name", "name", *(f"label::{lang}" for lang in LANGS)),
    ("skill_level", "beginner", "Бастауыш", "Начальный", "Beginner"),
    ("skill_level", "basic", "Негізгі", "Базовый", "Basic"),
    ("skill_level", "confident", "Сенімді", "Уверенный", "Confident"),
    ("skill_level", "advanced", "Жоғары", "Продвинутый", "Advanced"),
    ("ai_tools", "chatgpt", "ChatGPT", "ChatGPT", "ChatGPT"),
    ("ai_tools", "gemini", "Gemini", "Gemini", "Gemini"),
    ("ai_tools", "copilot", "Copilot", "Copilot", "Copilot"),
    ("ai_tools", "alice", "Алиса (Яндекс)", "Алиса (Яндекс)", "Alice (Yandex)"),
    ("ai_tools", "other", "Басқа", "Другое", "Other"),
    ("yes_no_maybe", "yes", "Иә", "Да", "Yes"),
    ("yes_no_maybe", "maybe", "Мүмкін", "Возможно", "Maybe"),
    ("yes_no_maybe", "no", "Жоқ", "Нет", "No"),
)
SETTINGS = (("form_title", "form_id", "default_language"), ("Digital skills", "demo_digital", "Russian (ru)"))

SKILLS = (("beginner", 10), ("basic", 35), ("confident", 40), ("advanced", 15))
TOOLS = (("chatgpt", 0.8), ("gemini", 0.3), ("copilot", 0.2), ("alice", 0.25), ("other", 0.1))
MENTOR = (("yes", 45), ("maybe", 35), ("no", 20))


def xlsform() -> bytes:
    """The demo's XLSForm as an .xlsx file (sheets survey, choices, settings)."""
    book = Workbook()
    for index, (title, rows) in enumerate((("survey", SURVEY), ("choices", CHOICES), ("settings", SETTINGS))):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append([cell if cell != "" else None for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def add_demo_questions(campaign: Campaign) -> CampaignQuestionSet:
    """Upload the demo's XLSForm as the campaign's own questions, as an administrator prepares a campaign: while it
    is a draft (a required question may only come with the first version), then open it again."""
    status = campaign.status
    campaign.status = CampaignStatus.DRAFT
    question_set = upload_questions(campaign, xlsform(), FILENAME, by="cli")
    campaign.status = status
    return question_set


def _pick(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def draw_answers(rng: random.Random, ai_use: bool) -> dict[str, Any]:
    """One respondent's answers to the demo's questions, in JSON form, as the rules would keep them: a question
    whose ``relevant`` is false has no answer."""
    skills = _pick(rng, SKILLS)
    answers: dict[str, Any] = {"digital_skills": skills}
    if ai_use:
        tools = [name for name, share in TOOLS if rng.random() < share]
        if tools:
            answers["ai_tools"] = tools
            answers["ai_hours"] = rng.choice((1, 2, 2, 3, 4, 5, 6, 8, 10))
    if skills in ("confident", "advanced"):
        answers["mentor"] = _pick(rng, MENTOR)
    return answers


def answers_for(seed: int, version: int):
    """The Loader's ``extra``: a row's answers to the demo's questions and the version they were given under, drawn
    from their own random stream (the core answers are drawn as without them)."""
    rng = random.Random(seed * 1000 + 17)

    def extra(row: dict) -> dict[str, Any]:
        answers = draw_answers(rng, bool(row.get("ai_use")))
        return {"answers": {**(row.get("answers") or {}), **answers},
                "answer_versions": {name: version for name in answers}}

    return extra
