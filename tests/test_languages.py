"""Sweep over every page: one that names an organization or a campaign names it in the page's language.

Issue 14 (1): the director's pages and the integrity queue's campaign select printed the Russian name and title
under a Kazakh tab title (a macro imported without the context never saw the language). The pages come from
``app.url_map``, so a page added later is swept without a new test: ``PAGES`` says who opens each one and with
what, and a GET route missing from it (or from ``SKIP``) fails the sweep. Every page is read in Kazakh and in
Russian: it must never show the other language's name or title, and the pages of ``NAMES_ORGANIZATION`` and
``NAMES_CAMPAIGN`` must show the page language's one (the positive control: a page that named nothing would pass
the first check).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import url_for

from survey import create_app
from survey.campaigns.services import ensure_access_links
from survey.codebook import JobStatus
from survey.extensions import db
from survey.models import AccessLink, ExportJob, Flag, RosterEntry
from survey.models.base import utcnow

NAME = {"kk": "Күнбағыс атындағы мектеп-лицей", "ru": "Школа-лицей имени Подсолнуха"}
TITLE = {"kk": "Ұстаздар санағы Күзгі", "ru": "Перепись учителей Осенняя"}

SKIP = {
    "static": "files of the app",
    "main.switch_language": "a redirect to another page",
    "main.check_health": "JSON for a load balancer",
    "admin.download_registry_template": "a workbook (its labels: tests/test_registry.py)",
    "admin.download_questionnaire": "an XLSForm workbook (its texts: tests/test_questions.py)",
    "plans.download_growth_template": "a workbook",
    "admin.export_audit_events": "CSV",
    "directors.download_roster_template": "a workbook",
    "reports.download_profile": "a workbook (its language: tests/test_exports.py)",
    "reports.download_export": "a file",
    "reports.show_export_status": "JSON",
    "questionnaire.show_qr": "an SVG image of the link",
    "auth.accept_invitation": "a one-time token; the page names an account only",
    "auth.reset_password": "a one-time token; the page names an account only",
}


@dataclass(frozen=True)
class Page:
    caller: str  # "admin" (national), "director", "teacher" (a browser that proved the response) or "anyone"
    args: tuple[tuple[str, str], ...] = ()  # argument → key of the world
    query: tuple[tuple[str, str], ...] = ()  # query argument → key of the world


ORG = (("organization_id", "organization"),)
CODE = (("code", "campaign_code"),)
TOKEN = (("token", "token"),)
PAGES = {
    "main.show_home": Page("anyone"),
    "auth.sign_in": Page("anyone"),
    "auth.change_own_password": Page("admin"),
    "admin.show_console": Page("admin"),
    "admin.show_progress": Page("admin", query=(("district", "district"),)),  # the organizations' grain
    "admin.list_organizations": Page("admin"),
    "admin.show_organization": Page("admin", ORG),
    "admin.upload_registry": Page("admin"),
    "admin.list_campaigns": Page("admin"),
    "admin.import_campaign_responses": Page("admin", (("campaign_id", "campaign"),)),
    "admin.create_campaign_page": Page("admin"),
    "admin.upload_campaign_questions": Page("admin", (("campaign_id", "campaign"),)),
    "admin.list_users": Page("admin"),
    "admin.invite_user": Page("admin"),
    "admin.edit_user": Page("admin", (("user_id", "director"),)),
    "admin.list_audit_events": Page("admin"),
    "directors.show_start": Page("director"),
    "directors.show_dashboard": Page("director", CODE),
    "directors.edit_report": Page("director", CODE),
    "directors.show_roster": Page("director", CODE),
    "directors.show_staff": Page("director", CODE),
    "directors.reopen_organization": Page("admin", CODE + ORG),
    "integrity.list_flags_queue": Page("admin"),
    "integrity.list_organization_flags": Page("director", ORG),
    "integrity.show_my_flags": Page("director"),
    "integrity.show_flag": Page("admin", (("flag_id", "flag"),)),
    "reports.request_export": Page("director"),
    "plans.show_plans": Page("admin"),
    "plans.show_region": Page("admin", (("region_id", "region"),)),
    "plans.show_district": Page("admin", (("district_id", "district"),)),
    "reports.show_export": Page("admin", (("job_id", "job"),)),
    "questionnaire.show_landing": Page("anyone", TOKEN),
    "questionnaire.show_access_sheet": Page("anyone", TOKEN),
    "questionnaire.start_response": Page("anyone", TOKEN),
    "questionnaire.resume_response": Page("anyone", TOKEN),
    "questionnaire.show_code": Page("teacher", TOKEN),
    "questionnaire.edit_step": Page("teacher", TOKEN + (("number", "step"),)),
    "questionnaire.edit_names": Page("teacher", TOKEN),
    "questionnaire.show_review": Page("teacher", TOKEN),
    "questionnaire.show_done": Page("teacher", TOKEN),
}
# Pages that must name the organization, and the campaign, in the page's language: every questionnaire and director
# page, and these.
NAMES_BOTH = {endpoint for endpoint in PAGES if endpoint.startswith(("questionnaire.", "directors."))} | {
    "admin.show_progress", "integrity.list_flags_queue", "integrity.list_organization_flags",
    "integrity.show_my_flags"}
NAMES_ORGANIZATION = NAMES_BOTH | {"admin.list_organizations", "admin.show_organization", "admin.list_users",
                                   "integrity.show_flag", "plans.show_district"}
NAMES_CAMPAIGN = NAMES_BOTH | {"admin.show_console", "admin.list_campaigns", "admin.upload_campaign_questions",
                               "admin.import_campaign_responses", "reports.request_export", "plans.show_plans",
                               "plans.show_region", "plans.show_district"}


def _get_routes() -> list[str]:
    app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())})


GET_ROUTES = _get_routes()


def test_every_page_is_swept():
    assert set(GET_ROUTES) - set(PAGES) - set(SKIP) == set(), "new pages: say in PAGES who opens them"
    assert (set(PAGES) | set(SKIP)) - set(GET_ROUTES) == set(), "pages gone: remove them from PAGES or SKIP"
    assert NAMES_ORGANIZATION | NAMES_CAMPAIGN <= set(PAGES)


@pytest.fixture
def world(app, make_org, make_campaign, make_user, make_iin_for, make_response, tmp_path):
    org = make_org(name_kk=NAME["kk"], name_ru=NAME["ru"])
    campaign = make_campaign(code="AUTUMN26")
    campaign.title_kk, campaign.title_ru = TITLE["kk"], TITLE["ru"]
    ensure_access_links(campaign)
    admin = make_user("national_admin")
    director = make_user("director", organization=org)
    response = make_response(campaign, org, iin=make_iin_for(dt.date(1984, 2, 3), "f"), last_name="Сейітова",
                             current_step=5, category="expert", category_year=2022)
    birth, sex = response.birth_date, response.sex
    flag = Flag(campaign_id=campaign.id, organization_id=org.id, rule="G2", subject_key=response.person_key,
                severity="medium", evidence={"age": 86})
    file = tmp_path / "export.xlsx"
    file.write_bytes(b"PK")
    job = ExportJob(kind="profiles", params={"campaign": campaign.code, "lang": "kk"}, status=JobStatus.DONE,
                    progress=100, file_path=str(file), user_id=admin.id, finished_at=utcnow(),
                    expires_at=utcnow() + dt.timedelta(days=1))
    db.session.add_all([
        flag, job, RosterEntry(campaign_id=campaign.id, organization_id=org.id, person_key=response.person_key,
                    birth_date=birth, sex=sex, last_name="Сейітова", first_name="Айгерім")])
    db.session.commit()
    token = db.session.scalar(sa.select(AccessLink.token).where(AccessLink.organization_id == org.id))
    return {"organization": org.id, "district": org.district_id, "region": org.district.region_id, "campaign_code": campaign.code, "campaign": campaign.id, "token": token,
            "director": director.id, "flag": flag.id, "job": job.id, "step": 1, "response": response.id,
            "users": {"admin": admin.id, "director": director.id}}


def _client(app, world, caller: str, lang: str):
    from flask_login.utils import _create_identifier

    client = app.test_client()
    client.get(f"/lang/{lang}")
    if caller in ("admin", "director"):
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session.update({"_user_id": str(world["users"][caller]), "_fresh": True, "_id": identifier})
    elif caller == "teacher":
        with client.session_transaction() as session:
            session["questionnaire"] = {"rid": world["response"], "at": time.time()}
    return client


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_pages_name_organizations_and_campaigns_in_their_language(app, world, lang):
    other = "ru" if lang == "kk" else "kk"
    failures = []
    for endpoint, page in PAGES.items():
        with app.test_request_context():
            url = url_for(endpoint, **{arg: world[key] for arg, key in page.args},
                          **{arg: world[key] for arg, key in page.query})
        answer = _client(app, world, page.caller, lang).get(url, follow_redirects=True)
        body = answer.get_data(as_text=True)
        where = f"{endpoint} ({url}) in {lang}"
        if answer.status_code != 200:
            failures.append(f"{where}: {answer.status_code}")
            continue
        shown = [text for text in (NAME[other], TITLE[other]) if text in body]
        if shown:
            failures.append(f"{where} shows {shown}")
        if endpoint in NAMES_ORGANIZATION and NAME[lang] not in body:
            failures.append(f"{where} does not name the organization")
        if endpoint in NAMES_CAMPAIGN and TITLE[lang] not in body:
            failures.append(f"{where} does not name the campaign")
    assert failures == []


def test_a_state_and_an_action_are_different_words(app, client, login, world, make_campaign):
    """"Open" is a flag's state ("not reviewed yet"), a campaign's state and a button that opens a campaign: the
    flag page said "Открыть" ("to open") of a flag nobody had reviewed."""
    from survey.models import User

    make_campaign(code="DRAFT27", status="draft")
    login(db.session.get(User, world["users"]["admin"]))
    client.get("/lang/ru")
    flag = client.get(f"/integrity/flags/{world['flag']}").get_data(as_text=True)
    assert "Не рассмотрено" in flag and "Открыть" not in flag
    campaigns = re.sub(r"\s+", " ", client.get("/admin/campaigns").get_data(as_text=True))
    assert "<td>Открыта</td>" in campaigns and ">Открыть</button>" in campaigns and ">Закрыть</button>" in campaigns
    assert 'data-confirm="Закрыть кампанию AUTUMN26?' in campaigns  # closing asks first (confirm.js)
    client.get("/lang/kk")
    assert "Қаралмаған" in client.get(f"/integrity/flags/{world['flag']}").get_data(as_text=True)
