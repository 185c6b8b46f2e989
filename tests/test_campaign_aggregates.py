"""A campaign's own questions aggregated (issue 17, item 3): per organization in SQL, summed upward to district,
region and country, medians over each scope's answers; the "Campaign questions" sheet of the profiles workbooks and
the director's dashboard. Every figure below is worked out by hand from the answers in ``answered``.

The staffing data set (tests/staffing_data.py) with these answers to the campaign's questions:

  district Бостандыкский  S1: P1 advanced, chatgpt+gemini, 4 lessons, 2.5 h, a comment
                              P2 basic, no tools, 0 lessons
                              P3 confident, gemini, 10 lessons, 1.25 h
                              P4 nothing;   P5 a draft (advanced, chatgpt, 99 lessons): never counted
                          S2: P3 advanced, chatgpt+copilot, 6 lessons;   P6 basic, 1 lesson
  district Медеуский      K1: P7 confident, copilot, 3 lessons, 0.5 h;   P8 nothing
  region Астана           C1: P9 basic, chatgpt, 20 lessons;   P1 in another campaign (50 lessons): never counted
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey.extensions import db
from survey.models import District, Organization, Region, Response
from survey.staffing import campaign_questions as cq
from tests import staffing_data
from tests.test_exports import export, rows_of

SURVEY = [
    ["type", "name", "label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)"],
    ["note", "intro", "Қосымша сұрақтар", "Дополнительные вопросы", "More questions"],
    ["select_one skill", "skill", "Цифрлық дағдылар", "Цифровые навыки", "Digital skills"],
    ["select_multiple tools", "tools", "ЖИ құралдары", "Инструменты ИИ", "AI tools"],
    ["integer", "lessons", "ЖИ бар сабақтар", "Уроки с ИИ", "Lessons with AI"],
    ["decimal", "hours_ai", "ЖИ сағаттары", "Часы ИИ", "Hours of AI"],
    ["text", "comment", "Пікір", "Комментарий", "Comment"],
]
CHOICES = [
    ["list_name", "name", "label::Kazakh (kk)", "label::Russian (ru)", "label::English (en)"],
    ["skill", "basic", "Бастапқы", "Начальный", "Basic"],
    ["skill", "confident", "Сенімді", "Уверенный", "Confident"],
    ["skill", "advanced", "Жоғары", "Продвинутый", "Advanced"],
    ["tools", "chatgpt", "ChatGPT", "ChatGPT", "ChatGPT"],
    ["tools", "gemini", "Gemini", "Gemini", "Gemini"],
    ["tools", "copilot", "Copilot", "Copilot", "Copilot"],
]
ANSWERS = {  # (organization, person) → answers in their JSON form
    ("s1", "P1"): {"skill": "advanced", "tools": ["chatgpt", "gemini"], "lessons": 4, "hours_ai": "2.5",
                   "comment": "Пайдалы"},
    ("s1", "P2"): {"skill": "basic", "tools": [], "lessons": 0},
    ("s1", "P3"): {"skill": "confident", "tools": ["gemini"], "lessons": 10, "hours_ai": "1.25"},
    ("s1", "P5"): {"skill": "advanced", "tools": ["chatgpt"], "lessons": 99},  # a draft
    ("s2", "P3"): {"skill": "advanced", "tools": ["chatgpt", "copilot"], "lessons": 6},
    ("s2", "P6"): {"skill": "basic", "lessons": 1},
    ("k1", "P7"): {"skill": "confident", "tools": ["copilot"], "lessons": 3, "hours_ai": "0.5"},
    ("c1", "P9"): {"skill": "basic", "tools": ["chatgpt"], "lessons": 20},
}


@pytest.fixture
def answered(make_org, make_campaign, make_campaign_questions):
    data = staffing_data.build(make_org, make_campaign)
    make_campaign_questions(data.campaign, SURVEY, CHOICES)
    version = data.campaign.questions_version
    for (org, person), answers in ANSWERS.items():
        response = db.session.scalar(sa.select(Response).where(
            Response.campaign_id == data.campaign.id, Response.organization_id == getattr(data, org).id,
            Response.person_key == f"key-{person}"))
        response.answers = answers
        response.answer_versions = {name: version for name in answers}
    other = db.session.scalar(sa.select(Response).where(Response.campaign_id == data.other_campaign.id))
    other.answers = {"skill": "advanced", "lessons": 50}
    db.session.commit()
    return data


def questions(data):
    return cq.extra_questions(data.campaign)


def test_the_campaign_questions_that_store_an_answer(answered):
    assert [q.code for q in questions(answered)] == ["skill", "tools", "lessons", "hours_ai", "comment"]


def test_one_organization_by_hand(answered):
    figures = cq.org_figures(answered.campaign, questions(answered))
    s1 = figures[answered.s1.id]
    assert s1.responses == 4  # P5's draft is not one
    assert s1["skill"].answered == 3 and s1["skill"].chosen == {"basic": 1, "confident": 1, "advanced": 1}
    assert s1["tools"].answered == 2  # P2's empty list is no answer
    assert s1["tools"].chosen == {"chatgpt": 1, "gemini": 2, "copilot": 0}
    assert s1["tools"].share("gemini") == 1 and s1["tools"].share("chatgpt") == Decimal("0.5")
    assert (s1["lessons"].answered, s1["lessons"].total) == (3, 14)  # P2's 0 is an answer
    assert (s1["hours_ai"].answered, s1["hours_ai"].total) == (2, Decimal("3.75"))
    assert s1["hours_ai"].mean == Decimal("1.875")
    assert s1["comment"].answered == 1 and s1["comment"].chosen == {}
    assert set(figures) == {answered.s1.id, answered.s2.id, answered.k1.id, answered.c1.id}
    assert figures[answered.k1.id]["skill"].chosen == {"basic": 0, "confident": 1, "advanced": 0}
    assert figures[answered.c1.id]["lessons"].total == 20  # not the 50 of the other campaign


def test_a_district_is_the_sum_of_its_organizations(answered):
    qs = questions(answered)
    per_org = cq.org_figures(answered.campaign, qs)
    district_id = answered.s1.district_id
    district = cq.rollup(per_org, "district")[district_id]
    s1, s2 = per_org[answered.s1.id], per_org[answered.s2.id]
    assert district.organizations == 2 and district.responses == s1.responses + s2.responses == 6
    for name in ("skill", "tools", "lessons", "hours_ai", "comment"):
        assert district[name].answered == s1[name].answered + s2[name].answered
        assert district[name].total == s1[name].total + s2[name].total
    assert district["skill"].chosen == {"basic": 2, "confident": 1, "advanced": 2}
    assert district["skill"].share("advanced") == Decimal(2) / 5  # 2 of 5, not the mean of 1/3 and 1/2
    assert district["tools"].chosen == {"chatgpt": 2, "gemini": 2, "copilot": 1}
    assert district["tools"].share("chatgpt") == Decimal(2) / 3
    lessons = district["lessons"]
    assert (lessons.answered, lessons.total, lessons.mean) == (5, 21, Decimal("4.2"))
    # the same district computed directly in SQL over its own organizations only
    ids = sa.select(Organization.id).where(Organization.district_id == district_id)
    direct = cq.scope_figures(answered.campaign, ids).figures
    assert direct.responses == 6 and direct["skill"].chosen == district["skill"].chosen
    assert direct["lessons"].median == 4  # 0 1 4 6 10


def test_medians_over_each_scope_in_sql(answered):
    qs = questions(answered)
    c = answered.campaign
    by_org = cq.medians(c, qs, None, "organization")
    assert by_org[answered.s1.id] == {"lessons": 4, "hours_ai": Decimal("1.875")}  # 0 4 10; 1.25 2.5
    assert by_org[answered.s2.id] == {"lessons": Decimal("3.5")}  # 1 6
    assert by_org[answered.c1.id] == {"lessons": 20}
    by_district = cq.medians(c, qs, None, "district")
    assert by_district[answered.s1.district_id]["lessons"] == 4
    assert by_district[answered.k1.district_id] == {"lessons": 3, "hours_ai": Decimal("0.5")}
    almaty = db.session.scalar(sa.select(Region.id).where(Region.name == "Алматы"))
    by_region = cq.medians(c, qs, None, "region")
    assert by_region[almaty] == {"lessons": Decimal("3.5"), "hours_ai": Decimal("1.25")}  # 0 1 3 4 6 10
    assert cq.medians(c, qs, None, "national") == {None: {"lessons": 4, "hours_ai": Decimal("1.25")}}
    region = cq.grouped_figures(c, None, "region", qs)[almaty]
    assert region.responses == 8 and region["tools"].chosen == {"chatgpt": 2, "gemini": 2, "copilot": 2}
    assert region["lessons"].median == Decimal("3.5") and region["lessons"].total == 24


def test_national_figures(answered):
    found = cq.scope_figures(answered.campaign, None)
    figures = found.figures
    assert figures.organizations == 4 and figures.responses == 9
    assert figures["skill"].chosen == {"basic": 3, "confident": 2, "advanced": 2}
    assert figures["tools"].answered == 5 and figures["tools"].chosen == {"chatgpt": 3, "gemini": 2, "copilot": 2}
    assert (figures["lessons"].answered, figures["lessons"].total, figures["lessons"].median) == (7, 44, 4)
    assert figures["hours_ai"].median == Decimal("1.25") and figures["hours_ai"].total == Decimal("4.25")


def test_no_campaign_questions_no_figures(make_org, make_campaign):
    data = staffing_data.build(make_org, make_campaign)
    assert cq.extra_questions(data.campaign) == ()
    assert cq.scope_figures(data.campaign, None) is None


def _blocks(sheet) -> dict[str, list[tuple]]:
    """The sheet's blocks by their first header cell: the rows under it, up to the blank row."""
    blocks, current = {}, None
    for row in rows_of(sheet):
        while row and row[-1] is None:  # the sheet is as wide as its widest block
            row = row[:-1]
        if not row or row[0] is None:
            current = None
        elif current is None:
            current = blocks.setdefault(row[0], [])
        else:
            current.append(row)
    return blocks


def test_the_district_workbook_sheet(answered, tmp_path):
    path = export("profiles", answered, tmp_path, district="Бостандыкский")
    book = load_workbook(path)
    assert "Campaign questions" in book.sheetnames
    assert book.sheetnames.index("Campaign questions") < book.sheetnames.index("Flags")
    blocks = _blocks(book["Campaign questions"])
    assert blocks["Campaign questions"][0] == ("Submitted responses", 6)
    skill = blocks["Digital skills"]
    assert skill[0] == ("Basic", 2, pytest.approx(0.4))
    assert skill[1] == ("Confident", 1, pytest.approx(0.2))
    assert skill[2] == ("Advanced", 2, pytest.approx(0.4))
    assert skill[3] == ("Answered", 5, pytest.approx(5 / 6))
    tools = blocks["AI tools"]
    assert tools[0] == ("ChatGPT", 2, pytest.approx(2 / 3)) and tools[2] == ("Copilot", 1, pytest.approx(1 / 3))
    assert tools[3] == ("Answered", 3, pytest.approx(0.5))
    assert blocks["Lessons with AI"] == [("Answered", 5), ("Mean", pytest.approx(4.2)), ("Median", 4)]
    assert blocks["Hours of AI"] == [("Answered", 2), ("Mean", pytest.approx(1.875)), ("Median", pytest.approx(1.875))]
    assert blocks["Comment"] == [("Answered", 1, pytest.approx(1 / 6))]
    assert "More questions" not in blocks  # a note stores nothing


def test_the_district_workbook_by_organization(answered, tmp_path):
    book = load_workbook(export("profiles", answered, tmp_path, district="Бостандыкский"))
    assert book.sheetnames.index("Questions by organization") == book.sheetnames.index("Campaign questions") + 1
    rows = rows_of(book["Questions by organization"])
    assert rows[0][4:] == (
        "Submitted responses", "Digital skills: Basic", "Digital skills: Confident", "Digital skills: Advanced",
        "Digital skills: Answered", "AI tools: ChatGPT", "AI tools: Gemini", "AI tools: Copilot", "AI tools: Answered",
        "Lessons with AI: Answered", "Lessons with AI: Mean", "Lessons with AI: Median", "Hours of AI: Answered",
        "Hours of AI: Mean", "Hours of AI: Median", "Comment: Answered")
    by_bin = {row[0]: row[4:] for row in rows[1:-1]}
    assert by_bin[answered.s1.bin] == (4, 1, 1, 1, 3, 1, 2, 0, 2, 3, pytest.approx(14 / 3), 4, 2, 1.875, 1.875, 1)
    assert by_bin[answered.s2.bin] == (2, 1, 0, 1, 2, 1, 0, 1, 1, 2, 3.5, 3.5, 0, None, None, 0)
    # the totals: the sums of the rows above, the median over the district's answers (0 1 4 6 10)
    assert rows[-1][:2] == ("Total", "2")
    assert rows[-1][4:] == (6, 2, 1, 2, 5, 2, 2, 1, 3, 5, 4.2, 4, 2, 1.875, 1.875, 1)


def test_the_organization_and_national_workbooks(answered, tmp_path):
    book = load_workbook(export("profiles", answered, tmp_path, org_bin=answered.s2.bin))
    assert book.sheetnames == ["Profile", "Staff", "Subjects", "Vacancies", "Campaign questions", "Flags", "About"]
    book = load_workbook(export("profiles", answered, tmp_path, name="ru.xlsx", org_bin=answered.s2.bin, lang="ru"))
    blocks = _blocks(book["Вопросы кампании"])
    assert blocks["Цифровые навыки"][:3] == [("Начальный", 1, 0.5), ("Уверенный", 0, 0), ("Продвинутый", 1, 0.5)]
    assert blocks["Уроки с ИИ"][2] == ("Медиана", 3.5)
    book = load_workbook(export("profiles", answered, tmp_path, name="all.xlsx", headers="codes"))
    blocks = _blocks(book["Campaign questions"])  # a workbook of codes: question and choice names
    assert blocks["skill"][:3] == [("basic", 3, pytest.approx(3 / 7)), ("confident", 2, pytest.approx(2 / 7)),
                                   ("advanced", 2, pytest.approx(2 / 7))]
    assert blocks["lessons"] == [("answered", 7), ("mean", pytest.approx(44 / 7)), ("median", 4)]
    header = rows_of(book["Questions by organization"])[0]
    assert header[4:10] == ("Submitted responses", "skill:basic", "skill:confident", "skill:advanced",
                            "skill:answered", "tools:chatgpt")


def test_no_sheet_without_campaign_questions(make_org, make_campaign, tmp_path):
    data = staffing_data.build(make_org, make_campaign)
    db.session.commit()
    book = load_workbook(export("profiles", data, tmp_path, district="Бостандыкский"))
    assert "Campaign questions" not in book.sheetnames


def test_the_directors_dashboard_beside_the_district(answered, make_user, login, client):
    director = make_user("director", organization=answered.s2)
    login(director)
    html = client.get(f"/director/{answered.campaign.code}/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    section = html[html.index('id="extra-heading"'):]
    tables = {caption: dict(re.findall(r'<th scope="row">([^<]+)</th>\s*((?:<td>[^<]*</td>\s*){2})', body))
              for caption, body in re.findall(r"<caption>([^<]+)</caption>(.*?)</table>", section, re.S)}
    assert list(tables) == ["Digital skills", "AI tools", "Lessons with AI", "Hours of AI", "Comment"]

    def cells(question, label):
        return re.findall(r"<td>([^<]*)</td>", tables[question][label])

    assert cells("Digital skills", "Advanced") == ["1 (50%)", "2 (40%)"]  # S2: 1 of 2 answers; the district 2 of 5
    assert cells("Digital skills", "Basic") == ["1 (50%)", "2 (40%)"]
    assert cells("Digital skills", "Answered") == ["2 (100%)", "5 (83%)"]  # of 2 and of 6 responses
    assert cells("AI tools", "Gemini") == ["0 (0%)", "2 (67%)"]
    assert cells("Lessons with AI", "Mean") == ["3.5", "4.2"]
    assert cells("Lessons with AI", "Median") == ["3.5", "4"]
    assert cells("Hours of AI", "Median") == ["—", "1.88"]  # nobody at S2 answered; 1.25 and 2.5 in the district


@pytest.mark.browser
def test_the_directors_campaign_questions_fit_a_phone_in_kazakh(answered, app, page, live_url, make_user, tmp_path):
    from tests.test_browser_directors import sign_in_cookie

    director = make_user("director", organization=answered.s1)
    db.session.commit()
    sign_in_cookie(page, live_url, app, director)
    page.goto(f"{live_url}/lang/kk?next=/director/{answered.campaign.code}/")
    section = page.locator("section[aria-labelledby=extra-heading]")
    assert section.locator("h2").inner_text() == "Науқан сұрақтары"
    assert section.locator("caption").all_inner_texts() == [
        "Цифрлық дағдылар", "ЖИ құралдары", "ЖИ бар сабақтар", "ЖИ сағаттары", "Пікір"]
    row = section.locator("table").first.locator("tr", has_text="Жоғары")
    assert row.locator("td").all_inner_texts() == ["1 (33%)", "2 (40%)"]  # S1: 1 of 3; the district: 2 of 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    section.screenshot(path=str(tmp_path / "campaign-questions.png"))
