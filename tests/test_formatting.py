"""Numbers, dates and times as a person reads them (issue 14: 6, 10, 11): one home, survey/formatting.py.

Unit tests of the module in each language and another time zone; then the pages: every time shown is in the
configured zone and says which, decimals come back as they are typed, and no template formats by hand.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from survey import create_app, formatting
from survey.config import from_environment
from survey.campaigns.services import ensure_access_links
from survey.codebook import JobStatus
from survey.extensions import db
from survey.models import AccessLink, AuditEvent, ExportJob, Flag, OrgReport, Response
from tests.test_directors import add_response  # noqa: F401  (fixture)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
UTC_MOMENT = dt.datetime(2026, 11, 1, 9, 5, tzinfo=dt.timezone.utc)  # 14:05 in Almaty (UTC+5)


@contextmanager
def _in(app, lang: str):
    """A request in ``lang`` (the locale forced: a request inside the test's app context shares its cache)."""
    with app.test_request_context(), force_locale(lang):
        yield


@pytest.mark.parametrize(("lang", "moment", "zone"), [
    ("kk", "2026 ж. 01 қар., 14:05 (Алматы уақыты, UTC+05:00)", "Алматы уақыты, UTC+05:00"),
    ("ru", "1 нояб. 2026 г., 14:05 (Алматы, UTC+05:00)", "Алматы, UTC+05:00"),
    ("en", "Nov 1, 2026, 2:05\u202fPM (Almaty time, UTC+05:00)", "Almaty time, UTC+05:00"),
])
def test_a_moment_is_shown_in_the_configured_zone_and_says_which(app, lang, moment, zone):
    with _in(app, lang):
        assert formatting.moment(UTC_MOMENT).replace("\u202f", " ") == moment.replace("\u202f", " ")
        assert formatting.zone_label(UTC_MOMENT) == zone
        assert formatting.moment(UTC_MOMENT, "short", zone=False).endswith(("14:05", "2:05\u202fPM"))
        assert formatting.moment(UTC_MOMENT.replace(tzinfo=None)) == formatting.moment(UTC_MOMENT)  # naive: UTC


def test_another_time_zone_is_a_setting(monkeypatch, tmp_path):
    """README: TIMEZONE is the zone every page shows times in."""
    for name, value in {"TIMEZONE": "Europe/Moscow", "SECRET_KEY": "s", "IIN_HASH_KEY": "k",
                        "DATABASE_URL": "sqlite://"}.items():
        monkeypatch.setenv(name, value)
    app = create_app(from_environment(tmp_path))
    with _in(app, "ru"):
        assert formatting.moment(UTC_MOMENT) == "1 нояб. 2026\u202fг., 12:05 (Москва, UTC+03:00)"
        assert formatting.day(dt.datetime(2026, 11, 1, 22, 0, tzinfo=dt.timezone.utc)) == "2 ноября 2026\u202fг."
        assert formatting.day(dt.date(2026, 11, 1)) == "1 ноября 2026\u202fг."


@pytest.mark.parametrize(("lang", "shown"), [
    ("kk", ["38,5", "3", "1\xa0234,5", "2024", "0,25", "2,13", "79%", "79,1%", "—"]),
    ("ru", ["38,5", "3", "1\xa0234,5", "2024", "0,25", "2,13", "79\xa0%", "79,1\xa0%", "—"]),
    ("en", ["38.5", "3", "1,234.5", "2024", "0.25", "2.13", "79%", "79.1%", "—"]),
])
def test_numbers_as_they_are_typed(app, lang, shown):
    with _in(app, lang):
        assert [formatting.number(Decimal("38.50")), formatting.number(Decimal("3.00")),
                formatting.number(Decimal("1234.50")), formatting.number(2024, grouping=False),
                formatting.number_input(Decimal("0.250")), formatting.number(2.13), formatting.percent(0.79),
                formatting.percent(0.7912, 1), formatting.percent(None)] == shown
        assert formatting.number_input(Decimal("1234.5")) == ("1234.5" if lang == "en" else "1234,5")  # no groups
        assert formatting.number("G4") == "G4" and formatting.number(None) == ""


def test_dates_never_end_in_two_full_stops(app):
    """Issue 14 (6): "2026 ж. 01 қар.." and "1 нояб. 2026 г..": the date's own abbreviation and the sentence's."""
    with _in(app, "ru"):
        assert formatting.day(dt.date(2026, 11, 1)) == "1 ноября 2026\u202fг."
    with _in(app, "kk"):
        assert formatting.day(dt.date(2026, 11, 1)) == "2026\u202fж. 1 қараша"


def test_kazakh_alphabet_order():
    words = ["Әдебиет", "Алгебра", "Ёлка", "Ешкі", "Жол", "Қазақ тілі", "Кітап", "Өнер", "Орыс тілі", "Іс", "Ыдыс",
             "Үй", "Ұлт", "Уақыт", "Zebra", "alpha"]
    assert sorted(words, key=formatting.collation_key) == [
        "Алгебра", "Әдебиет", "Ешкі", "Ёлка", "Жол", "Кітап", "Қазақ тілі", "Орыс тілі", "Өнер", "Уақыт", "Ұлт",
        "Үй", "Ыдыс", "Іс", "alpha", "Zebra"]


def test_templates_format_through_the_one_home():
    """No template formats a number, date or time by hand, nor says "UTC" of a time it did not convert."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"strftime\(", r"isoformat\(\)", r"\|\s*decimalformat", r"\|\s*percentformat",
                        r"\|\s*numberformat", r"\bUTC\b"):
            if re.search(pattern, text):
                found.append(f"{path.relative_to(TEMPLATES)}: {pattern}")
    assert found == []


def test_flask_babel_date_filters_lead_here_too(app):
    assert app.jinja_env.filters["dateformat"] is formatting.day
    assert app.jinja_env.filters["datetimeformat"] is formatting.moment


# --- the pages -----------------------------------------------------------------------------------------------

@pytest.fixture
def signed(app, make_org, make_campaign, make_user, make_iin_for, add_response, tmp_path):  # noqa: F811
    """One school in an open campaign with a submitted answer, signed off, a reviewed flag, an export job and a
    user who signed in: each time stamped 09:05 UTC (14:05 in Almaty)."""
    org = make_org(name_kk="№ 5 мектеп", name_ru="Школа № 5")
    campaign = make_campaign(code="KZ26")
    ensure_access_links(campaign)
    admin = make_user("national_admin")
    admin.last_login_at = UTC_MOMENT
    director = make_user("director", organization=org)
    director.last_login_at = UTC_MOMENT
    response = add_response(campaign, org, make_iin_for(dt.date(1984, 2, 3), "f"), rate=Decimal("1.25"))
    response.submitted_at = UTC_MOMENT
    flag = Flag(campaign_id=campaign.id, organization_id=org.id, rule="G6", subject_key=response.person_key,
                severity="medium", evidence={"teaching_hours": 34, "load": 2.13, "category_year": 2024},
                status="confirmed", note="Checked.", reviewed_by_id=admin.id, reviewed_at=UTC_MOMENT)
    file = tmp_path / "done.xlsx"
    file.write_bytes(b"PK")
    job = ExportJob(kind="profiles", params={"campaign": "KZ26", "lang": "kk"}, status=JobStatus.DONE,
                    progress=100, file_path=str(file), user_id=admin.id, finished_at=UTC_MOMENT,
                    expires_at=dt.datetime.now(dt.timezone.utc).replace(hour=9, minute=5) + dt.timedelta(days=1))
    db.session.add_all([flag, job, OrgReport(campaign_id=campaign.id, organization_id=org.id,
                                             attested_at=UTC_MOMENT, attested_by_id=director.id),
                        AuditEvent(action="test.event", actor="someone", created_at=UTC_MOMENT)])
    db.session.commit()
    return {"admin": admin, "director": director, "flag": flag, "job": job, "org": org}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_time_on_a_page_is_local_and_says_which(app, client, login, signed, lang):
    """Issue 14 (10): users' last sign-in, export expiry and a flag's review were UTC; the staff pages Almaty time
    without saying so."""
    zone = {"kk": "Алматы уақыты, UTC+05:00", "ru": "Алматы, UTC+05:00"}[lang]
    client.get(f"/lang/{lang}")
    pages = {"admin": ["/admin/users", f"/integrity/flags/{signed['flag'].id}", f"/reports/jobs/{signed['job'].id}",
                       "/admin/audit", f"/director/KZ26/organizations/{signed['org'].id}/reopen"],
             "director": ["/director/KZ26/", "/director/KZ26/staff"]}
    for who, urls in pages.items():
        login(signed[who])
        for url in urls:
            text = re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))
            assert "14:05" in text and zone in text, url
            assert "09:05" not in text and "UTC)" not in text and "(UTC" not in text, url
    login(signed["admin"])
    job_page = client.get(f"/reports/jobs/{signed['job'].id}").get_data(as_text=True)
    assert f"14:05 ({zone})" in job_page  # "kept until …, 14:05 (Almaty time, UTC+05:00)"


@pytest.mark.parametrize(("lang", "decimal"), [("kk", "2,13"), ("ru", "2,13"), ("en", "2.13")])
def test_evidence_and_answers_show_decimals_as_typed(app, client, login, signed, lang, decimal):
    """Issue 14 (11): a flag's evidence printed "2.13" on a Kazakh page; a year must not become "2 024"."""
    client.get(f"/lang/{lang}")
    login(signed["admin"])
    page = client.get(f"/integrity/flags/{signed['flag'].id}").get_data(as_text=True)
    assert f"<dd>{decimal}</dd>" in page and "<dd>2024</dd>" in page and "<dd>34</dd>" in page


def test_the_landing_page_prints_the_census_date_with_one_full_stop(app, client, make_org, make_campaign):
    org = make_org()
    campaign = make_campaign(census_date=dt.date(2026, 11, 1))
    ensure_access_links(campaign)
    db.session.commit()
    token = db.session.scalar(sa.select(AccessLink.token).where(AccessLink.organization_id == org.id))
    for lang, date in (("ru", "1 ноября 2026\u202fг."), ("kk", "2026\u202fж. 1 қараша")):
        client.get(f"/lang/{lang}")
        text = re.sub(r"<[^>]+>", " ", client.get(f"/q/{token}").get_data(as_text=True))
        assert date in text
        assert re.search(r"[^.]\.\.(?!\.)", text) is None, lang
