"""Issue 17's "Done when", walked through the web as each person meets it (test clients; the phone in a browser is
tests/test_browser_extra.py): a national administrator uploads an XLSForm with extra questions on the console, a
teacher answers them in Kazakh, a director sees their distribution beside the district's; an ODK Central export of
three more questionnaires comes in on the console, and a KoboToolbox export of the same three changes nothing (the
same answers); the district workbook's "Campaign questions" sheet counts the web's and ODK's answers together (read
back with openpyxl). ODK's and Kobo's answers are compared one by one with the web's in tests/test_odk_kobo.py."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey.extensions import db
from survey.models import AccessLink, Campaign, Response
from tests.pages import csrf_from
from tests.test_export_jobs import _wait_for_thread, export_dir  # noqa: F401  (export_dir: a fixture)
from tests.test_exports import rows_of
from tests.test_odk_kobo import BINS, fixture, odk_zip
from tests.test_questionnaire import STEP_DATA, post, shows_page, start
from tests.xlsforms import EXAMPLE

# What the three teachers answer on the campaign's own page (``tests.xlsforms.EXAMPLE``, group "digital").
TEACHERS = [
    # (school, language, answers on the extra page)
    ("s1", "kk", {"digital_skills": "confident", "ai_tools": ["chatgpt", "other"], "mentor_hours": "4",
                  "other_tool": "Claude"}),
    ("s1", "ru", {"digital_skills": "basic", "ai_tools": ["chatgpt"], "mentor_hours": "0"}),
    ("s2", "kk", {"digital_skills": "confident", "ai_tools": ["gemini"], "mentor_hours": "10"}),
    # another district: never in school 1's district figures nor in the district's workbook
    ("elsewhere", "ru", {"digital_skills": "advanced", "ai_tools": ["chatgpt"], "mentor_hours": "20"}),
]


@pytest.fixture
def district(make_org, make_campaign):
    # the schools of tests/fixtures/odk_staff26.csv and kobo_staff26.xlsx (form STAFF26), in one district
    s1 = make_org(bin=BINS[0], name_kk="№ 1 мектеп", name_ru="Школа № 1")
    s2 = make_org(bin=BINS[1], name_kk="№ 2 мектеп", name_ru="Школа № 2")
    elsewhere = make_org(district="Медеуский", name_ru="Школа № 3")
    campaign = make_campaign("STAFF26", status="draft")
    db.session.commit()
    return campaign, s1, s2, elsewhere


def _signed_in_admin(app, make_user):
    admin = app.test_client()
    user = make_user("national_admin", email="admin@example.kz")
    db.session.commit()
    page = admin.get("/auth/sign-in")
    signed = admin.post("/auth/sign-in", data={"csrf_token": csrf_from(page), "email": user.email,
                                               "password": "password-123"})
    assert signed.status_code == 302
    return admin


def _upload_and_open(admin, campaign):
    """The national administrator's console: the campaign's own questions, then the campaign opened."""
    url = f"/admin/campaigns/{campaign.id}/questions"
    page = admin.get(url)
    assert page.status_code == 200
    reply = admin.post(url, data={"csrf_token": csrf_from(page), "file": (io.BytesIO(EXAMPLE), "ai-questions.xlsx")},
                       content_type="multipart/form-data")
    assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
    assert db.session.get(Campaign, campaign.id).questions_version == 1
    campaigns = admin.get("/admin/campaigns").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', campaigns).group(1)
    opened = admin.post(f"/admin/campaigns/{campaign.id}/open", data={"csrf_token": token})
    assert opened.status_code == 302
    assert db.session.get(Campaign, campaign.id).status == "open"


def _answer(app, link, iin, lang, extra):
    """A teacher on a phone of their own: identity, the four core steps, the campaign's page, the final submit."""
    phone = app.test_client()
    assert start(phone, link, iin, lang=lang)
    base = f"/q/{link.token}"
    for number, data in STEP_DATA.items():
        reply = post(phone, f"{base}/step/{number}", {**data, "action": "next"})
        assert shows_page(reply, f"{base}/step/{number + 1}"), reply.get_data(as_text=True)[:2000]
    page = reply.get_data(as_text=True)
    reply = phone.post(f"{base}/step/5", data={**extra, "action": "next", "csrf_token": csrf_from(reply)})
    assert shows_page(reply, f"{base}/review"), reply.get_data(as_text=True)[:3000]
    done = post(phone, f"{base}/review", {})
    assert done.status_code == 302 and done.headers["Location"].endswith("/done")
    return page


def _import(admin, campaign, source: str, data: bytes, filename: str) -> str:
    """The console's import of an ODK Central or KoboToolbox export; the summary it answers with."""
    url = f"/admin/campaigns/{campaign.id}/responses/import"
    reply = admin.post(url, data={"csrf_token": csrf_from(admin.get(url)), "source": source,
                                  "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200, text[:3000]
    return text


def test_done_when(app, client, login, make_user, make_iin_for, district, export_dir):  # noqa: F811
    campaign, s1, s2, elsewhere = district
    admin = _signed_in_admin(app, make_user)
    _upload_and_open(admin, campaign)

    links = {org.id: db.session.scalar(sa.select(AccessLink).where(AccessLink.campaign_id == campaign.id,
                                                                   AccessLink.organization_id == org.id))
             for org in (s1, s2, elsewhere)}
    schools = {"s1": s1, "s2": s2, "elsewhere": elsewhere}
    for number, (school, lang, extra) in enumerate(TEACHERS):
        page = _answer(app, links[schools[school].id], make_iin_for(dt.date(1980 + number, 5, 17), "f"), lang, extra)
        if lang == "kk":  # the campaign's page, in Kazakh
            assert '<html lang="kk">' in page
            assert "Цифрлық дағдыларыңызды қалай бағалайсыз?" in page and "Сенімді" in page
    answers = db.session.scalars(sa.select(Response.answers).where(Response.organization_id == s1.id)
                                 .order_by(Response.id)).all()
    assert answers[0] == {"digital_skills": "confident", "ai_tools": ["chatgpt", "other"], "mentor_hours": 4,
                          "other_tool": "Claude"}
    assert db.session.scalar(sa.select(Response.answers).where(Response.organization_id == elsewhere.id)) == {
        "digital_skills": "advanced", "ai_tools": ["chatgpt"], "mentor_hours": 20}

    # the director of school 1 sees the distribution beside the district's
    director = make_user("director", organization=s1)
    login(director)
    html = client.get(f"/director/{campaign.code}/", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    section = html[html.index('id="extra-heading"'):]
    tables = {caption: dict(re.findall(r'<th scope="row">([^<]+)</th>\s*((?:<td>[^<]*</td>\s*){2})', body))
              for caption, body in re.findall(r"<caption>([^<]+)</caption>(.*?)</table>", section, re.S)}
    skills = tables["Цифрлық дағдыларыңызды қалай бағалайсыз?"]
    cells = lambda row: [re.sub(r"\s", " ", c) for c in re.findall(r"<td>([^<]*)</td>", row)]  # noqa: E731
    assert cells(skills["Сенімді"]) == ["1 (50%)", "2 (67%)"]
    assert cells(skills["Бастапқы"]) == ["1 (50%)", "1 (33%)"]
    assert cells(tables["Қандай ЖИ құралдарын қолданасыз?"]["ChatGPT"]) == ["2 (100%)", "2 (67%)"]

    # questionnaires filled offline: ODK Central's export, then KoboToolbox's of the same three submissions
    assert "3 new, 0 updated, 0 unchanged" in _import(admin, campaign, "odk", odk_zip(), "STAFF26.csv.zip")
    before = {r.id: (r.answers, r.version) for r in db.session.scalars(sa.select(Response))}
    kobo = _import(admin, campaign, "kobo", fixture("kobo_staff26.xlsx"), "kobo_staff26.xlsx")
    assert "0 new, 0 updated, 3 unchanged" in kobo  # the same people with the same answers as from ODK
    db.session.expire_all()
    assert {r.id: (r.answers, r.version) for r in db.session.scalars(sa.select(Response))} == before

    # a district administrator's workbook counts the web's and ODK's on its "Campaign questions" sheet
    admin = make_user("district_admin", district=s1.district)
    login(admin)
    page = client.get("/reports/")
    reply = client.post("/reports/", data={
        "csrf_token": csrf_from(page), "kind": "profiles", "campaign": campaign.code, "lang": "ru", "headers": "labels",
        "format": "xlsx", "layout": "tables"})
    assert reply.status_code == 302
    job_id = int(reply.headers["Location"].rstrip("/").split("/")[-1])
    _wait_for_thread(app, job_id)
    status = client.get(f"/reports/jobs/{job_id}.json").get_json()
    assert status["status"] == "done", status
    download = client.get(status["download"])
    book = load_workbook(io.BytesIO(download.data))
    download.close()
    rows = rows_of(book["Вопросы кампании"])
    counts = {row[0]: row[1:3] for row in rows if row and row[0]}
    # web: confident, basic, confident; ODK: confident, none, advanced
    assert counts["Отправленные ответы"][0] == 6
    assert counts["Уверенные"] == (3, pytest.approx(3 / 6)) and counts["Базовые"] == (1, pytest.approx(1 / 6))
    assert counts["Нет навыков"] == (1, pytest.approx(1 / 6)) and counts["Продвинутые"] == (1, pytest.approx(1 / 6))
    # chatgpt+other, chatgpt, gemini; chatgpt+other, none (ai_use false: not asked), chatgpt+gemini
    assert counts["ChatGPT"] == (4, pytest.approx(4 / 5)) and counts["Gemini"] == (2, pytest.approx(2 / 5))
    mentor = [row for row in rows if row and row[0] == "Сколько часов в неделю вы готовы наставлять коллег?"]
    assert mentor, rows
    at = rows.index(mentor[0])  # 4, 0, 10 on the web; 4, 0 and one not answered from ODK
    assert [row[:2] for row in rows[at + 1:at + 4]] == [("Ответили", 5), ("Среднее", 3.6), ("Медиана", 4)]
