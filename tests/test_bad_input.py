"""Bad input over every form and importer (hypothesis): random and oversized strings, control characters, NUL
bytes, wrong encodings, CSV with a BOM and semicolons, files that are no spreadsheet, a zip bomb named .xlsx,
formula-like strings, impossible dates, negative and huge numbers.

The app must answer with a message and a 4xx (or accept the input: a redirect, or 200 with the result), never a 500
(under TESTING an unhandled error is raised into the test), and a refused request must store nothing: the row
counts of every table are compared before and after. The regressions these searches found, and garbage HTTP:
test_bad_requests.py.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from survey.extensions import db
from survey.models import (AccessLink, Campaign, District, Organization, OrgReport, Region, RequiredHours,
                           RosterEntry, User, Vacancy)
from survey.registry.services import ImportRejected, import_organizations
from tests.pages import csrf_from

# BAD_INPUT_EXAMPLES=300 for a deeper search by hand; the suite keeps to 30 per test
FAST = settings(max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "30")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SPECIAL = [
    "", " ", "\x00", "a\x00b", "\x00" * 10, "\t\r\n", "\u202e\u200b\ufeff", "\ud7ff", "💥" * 50, "Ә" * 70,
    "=1+2", '=HYPERLINK("http://evil.example","x")', "+77001234567", "-1", "@SUM(A1:A9)", "=cmd|' /C calc'!A0",
    "NaN", "nan", "sNaN", "inf", "-Infinity", "1e309", "-0", "0x1F", "1_000", "²", "١٢٣", "٣", "9" * 400, "1,5,5",
    "2026-02-30", "2025-02-29", "0000-00-00", "10000-01-01", "2026-13-01", "31.12.2026", "-2026-01-01",
    "2026-11-01T25:61", "9999-12-31T23:59", "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd",
]
NASTY = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(min_size=200, max_size=2000),  # oversized
    st.text(st.characters(codec="utf-8", categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Co")), max_size=30),
)
NUMBER = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.integers(min_value=-5, max_value=200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(SPECIAL),
)
DATE = st.one_of(st.dates().map(str), st.sampled_from(SPECIAL), st.text(max_size=12))

COUNTED = (Region, District, Organization, Campaign, AccessLink, User, OrgReport, Vacancy, RequiredHours, RosterEntry)


def counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in COUNTED}


MESSAGES = ('class="error"', "flash-error", "error-summary", "could not be understood", "too large")


def assert_refused_or_accepted(response, before: dict[str, int], accepted: tuple[int, ...] = (302,)) -> bool:
    """A refusal is a 4xx with a message and no change; returns whether the input was accepted."""
    db.session.rollback()
    status = response.status_code
    assert status in accepted or 400 <= status < 500, status
    if status in accepted:
        return True
    html = response.get_data(as_text=True)
    assert any(marker in html for marker in MESSAGES), html[:2000]
    assert counts() == before
    return False


# --- files --------------------------------------------------------------------------------------------------

def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (20 * 1024 * 1024))
    return buffer.getvalue()


def _xlsx_without_sheet_data() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='x' sheetId='1' r:id='rId1'/></sheets>")
    return buffer.getvalue()


REGISTRY_HEADER = "bin;name_ru;name_kk;level;ownership;region;district"
ROSTER_HEADER = "iin;last_name;first_name;middle_name;post"

BAD_FILES = [
    pytest.param(b"", "f.csv", id="empty"),
    pytest.param(b"\n\n  \n", "f.csv", id="blank-lines"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "photo.png", id="png"),
    pytest.param(b"%PDF-1.7\n" + b"x" * 800, "list.xlsx", id="pdf-named-xlsx"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 700, "old.xls", id="xls"),
    pytest.param(b"PK\x03\x04 truncated", "f.xlsx", id="broken-zip"),
    pytest.param(_xlsx_without_sheet_data(), "f.xlsx", id="xlsx-without-sheets"),
    pytest.param(_zip_bomb(), "f.xlsx", id="zip-bomb"),
    pytest.param("а;б\n" .encode("utf-16"), "f.csv", id="utf-16"),
    pytest.param(b"a" * 5000, "f.csv", id="one-long-line"),
    pytest.param(b'a;"b\n' + b"x" * 100, "f.csv", id="unclosed-quote"),
    pytest.param(b"bin;bin\n1;2\n", "f.csv", id="duplicate-columns"),
    pytest.param(b"col\n\x00\x00\x00", "f.csv", id="nul-after-header"),
]


def _registry_csv(cells: list[list[str]], encoding: str, bom: bool, delimiter: str) -> bytes:
    lines = [REGISTRY_HEADER.replace(";", delimiter)] + [delimiter.join(row) for row in cells]
    text = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    return text.encode(encoding, errors="replace")


ENCODINGS = st.sampled_from(["utf-8", "cp1251", "utf-16-le", "koi8-r", "latin-1"])
CSV_ROWS = st.lists(st.lists(NASTY, min_size=0, max_size=9), min_size=0, max_size=6)


@FAST
@given(cells=CSV_ROWS, encoding=ENCODINGS, bom=st.booleans(), delimiter=st.sampled_from([";", ",", "\t", "|"]))
def test_registry_import_refuses_as_a_whole_or_imports(app, cells, encoding, bom, delimiter):
    before = counts()
    try:
        summary = import_organizations(_registry_csv(cells, encoding, bom, delimiter), "registry.csv")
    except ImportRejected as rejected:
        db.session.rollback()
        assert rejected.errors or rejected.file_error
        assert all(str(error.message) for error in rejected.errors)
        assert counts() == before
    else:
        db.session.flush()
        assert counts()["organizations"] == before["organizations"] + summary.created
        db.session.rollback()


@pytest.mark.parametrize(("data", "filename"), BAD_FILES)
def test_registry_import_of_files_that_are_no_table(app, data, filename):
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        import_organizations(data, filename)
    db.session.rollback()
    assert caught.value.file_error or caught.value.errors
    assert counts() == before


@pytest.fixture
def admin(login, make_user):
    user = make_user("national_admin", email="root@example.kz")
    login(user)
    return user


@pytest.fixture
def token(admin, csrf_token):
    return csrf_token("/admin/registry/upload")


def _upload(client, url, token, data, filename):
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize(("data", "filename"), BAD_FILES + [
    pytest.param(b"x;y\n1;2\n", "f.exe", id="wrong-extension"),
    pytest.param(f"{REGISTRY_HEADER}\n".encode(), "f.csv", id="header-only"),
])
def test_registry_upload_page_refuses_bad_files(client, token, data, filename):
    before = counts()
    assert_refused_or_accepted(_upload(client, "/admin/registry/upload", token, data, filename), before, ())


@FAST
@given(cells=CSV_ROWS, encoding=ENCODINGS, bom=st.booleans(), delimiter=st.sampled_from([";", ","]),
       filename=st.one_of(st.just("registry.csv"), NASTY.map(lambda name: name[:100] + ".csv")))
def test_registry_upload_page_with_random_rows(client, token, cells, encoding, bom, delimiter, filename):
    before = counts()
    answer = _upload(client, "/admin/registry/upload", token, _registry_csv(cells, encoding, bom, delimiter), filename)
    assert_refused_or_accepted(answer, before, (200,)) or "nothing was changed" not in answer.get_data(as_text=True)


@FAST
@given(data=st.binary(max_size=3000), filename=st.sampled_from(["r.csv", "r.xlsx"]))
def test_registry_upload_page_with_random_bytes(client, token, data, filename):
    before = counts()
    assert_refused_or_accepted(_upload(client, "/admin/registry/upload", token, data, filename), before, (200,))


def test_registry_upload_of_cp1251_with_bom_and_semicolons_is_imported(client, token):
    from survey.demo import make_bin
    import random

    bin_ = make_bin(random.Random(5))
    data = f"{REGISTRY_HEADER}\n{bin_};Школа № 1;№ 1 мектеп;school;state;Алматы;Медеуский\n".encode("cp1251")
    answer = _upload(client, "/admin/registry/upload", token, data, "registry.csv")
    assert answer.status_code == 200
    assert db.session.scalar(sa.select(Organization.name_ru).where(Organization.bin == bin_)) == "Школа № 1"
    data = ("\ufeff" + f"{REGISTRY_HEADER}\n{bin_};Школа № 2;;school;state;Алматы;Медеуский\n").encode("utf-8")
    assert _upload(client, "/admin/registry/upload", token, data, "registry.csv").status_code == 200
    assert db.session.scalar(sa.select(Organization.name_ru).where(Organization.bin == bin_)) == "Школа № 2"


# --- the director's forms -----------------------------------------------------------------------------------

@pytest.fixture
def director(app, client, login, make_org, make_campaign, make_user, csrf_token):
    org = make_org(level="school")
    make_campaign(code="KZ26")
    user = make_user("director", organization=org)
    login(user)
    return csrf_token("/director/KZ26/roster")


@FAST
@given(iin=NASTY, last=NASTY, first=NASTY, middle=NASTY, post=NASTY)
def test_roster_form(client, director, iin, last, first, middle, post):
    before = counts()
    answer = client.post("/director/KZ26/roster", data={"csrf_token": director, "iin": iin, "last_name": last,
                                                       "first_name": first, "middle_name": middle, "post": post})
    if assert_refused_or_accepted(answer, before):
        assert counts()["roster_entries"] == before["roster_entries"] + 1


def _roster_csv(rows: list[list[str]], encoding: str, bom: bool, delimiter: str) -> bytes:
    lines = [ROSTER_HEADER.replace(";", delimiter)] + [delimiter.join(row) for row in rows]
    return (("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode(encoding, errors="replace")


@FAST
@given(cells=st.lists(st.lists(NASTY, max_size=6), max_size=5), encoding=ENCODINGS, bom=st.booleans(),
       delimiter=st.sampled_from([";", ","]))
def test_roster_upload_with_random_rows(client, director, cells, encoding, bom, delimiter):
    before = counts()
    answer = _upload(client, "/director/KZ26/roster/upload", director, _roster_csv(cells, encoding, bom, delimiter),
                     "roster.csv")
    assert_refused_or_accepted(answer, before)


@pytest.mark.parametrize(("data", "filename"), BAD_FILES)
def test_roster_upload_refuses_bad_files(client, director, data, filename):
    before = counts()
    assert_refused_or_accepted(_upload(client, "/director/KZ26/roster/upload", director, data, filename), before, ())


def test_roster_upload_in_cp1251_with_semicolons(client, director, make_iin_for):
    iin = make_iin_for()
    data = f"{ROSTER_HEADER}\n{iin};Ахметова;Айгерім;;teacher\n".encode("cp1251", errors="replace")
    answer = _upload(client, "/director/KZ26/roster/upload", director, data, "roster.csv")
    assert answer.status_code == 302
    assert db.session.scalar(sa.select(RosterEntry.last_name)) == "Ахметова"


@FAST
@given(pupils=NUMBER, classes=NUMBER, rates=NUMBER, rate=NUMBER, hours=NUMBER, post=NASTY, subject=NASTY)
def test_report_form(client, director, pupils, classes, rates, rate, hours, post, subject):
    before = counts()
    stored = db.session.execute(sa.select(OrgReport.pupils, OrgReport.classes, OrgReport.approved_rates)).all()
    answer = client.post("/director/KZ26/report", data={
        "csrf_token": director, "pupils": pupils, "classes": classes, "approved_rates": rates,
        "vacancies-0-post": post, "vacancies-0-subject": subject, "vacancies-0-rate": rate,
        "required_hours-0-subject": subject, "required_hours-0-hours": hours})
    if not assert_refused_or_accepted(answer, before):
        after = db.session.execute(sa.select(OrgReport.pupils, OrgReport.classes, OrgReport.approved_rates)).all()
        assert after == stored


def test_report_form_refuses_nan_and_infinity(client, director):
    """Decimal('NaN') passes float parsing; comparing it in NumberRange used to raise (a 500)."""
    for value in ("NaN", "sNaN", "Infinity", "-inf"):
        answer = client.post("/director/KZ26/report", data={"csrf_token": director, "approved_rates": value,
                                                            "vacancies-0-post": "teacher", "vacancies-0-rate": value})
        assert answer.status_code == 422
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Vacancy)) == 0


# --- the administrator's forms ------------------------------------------------------------------------------

@FAST
@given(code=NASTY, title_kk=NASTY, title_ru=NASTY, census=DATE, opens=DATE, closes=DATE,
       levels=st.lists(st.one_of(st.sampled_from(["school", "college", "preschool"]), NASTY), max_size=4))
def test_campaign_form(client, token, code, title_kk, title_ru, census, opens, closes, levels):
    before = counts()
    answer = client.post("/admin/campaigns/new", data={
        "csrf_token": token, "code": code, "title_kk": title_kk, "title_ru": title_ru, "census_date": census,
        "opens_at": opens, "closes_at": closes, "levels": levels})
    if assert_refused_or_accepted(answer, before):
        assert counts()["campaigns"] == before["campaigns"] + 1


IDS = st.one_of(st.integers(min_value=-10**20, max_value=10**20).map(str), st.sampled_from(SPECIAL))


@FAST
@given(email=st.one_of(st.emails().map(lambda e: e[:250]), NASTY), name=NASTY,
       role=st.one_of(st.sampled_from(["national_admin", "region_admin", "district_admin", "director"]), NASTY),
       region=IDS, district=IDS, org_bin=NASTY)
def test_invite_form(client, token, make_org, email, name, role, region, district, org_bin):
    before = counts()
    answer = client.post("/admin/users/invite", data={
        "csrf_token": token, "email": email, "full_name": name, "role": role, "region_id": region,
        "district_id": district, "org_bin": org_bin})
    if assert_refused_or_accepted(answer, before, (200,)):
        if answer.status_code == 200:
            assert counts()["users"] == before["users"] + 1


@FAST
@given(role=NASTY, region=IDS, district=IDS, org_bin=NASTY)
def test_user_edit_form(client, token, make_user, make_org, role, region, district, org_bin):
    assume(role != "national_admin")
    user = db.session.scalar(sa.select(User).where(User.email == "other@example.kz")) or make_user(
        "director", organization=make_org(), email="other@example.kz")
    scope = (user.role, user.region_id, user.district_id, user.organization_id)
    before = counts()
    answer = client.post(f"/admin/users/{user.id}", data={
        "csrf_token": token, "role": role, "region_id": region, "district_id": district, "org_bin": org_bin})
    if not assert_refused_or_accepted(answer, before):
        user = db.session.get(User, user.id)
        assert (user.role, user.region_id, user.district_id, user.organization_id) == scope


@FAST
@given(email=NASTY, password=NASTY, next_=NASTY)
def test_sign_in_form(app, make_user, email, password, next_):
    from survey.extensions import limiter

    limiter.reset()
    client = app.test_client()
    make_user("national_admin", email="boss@example.kz") if not counts()["users"] else None
    token = csrf_from(client.get("/auth/sign-in"))
    before = counts()
    answer = client.post("/auth/sign-in", data={"csrf_token": token, "email": email, "password": password,
                                                "next": next_})
    assert not assert_refused_or_accepted(answer, before)  # no random input signs anyone in


@FAST
@given(query=st.dictionaries(st.sampled_from(["q", "region", "district", "level", "ownership", "page", "campaign",
                                               "sort", "order", "action", "actor", "since", "until"]),
                             st.one_of(NASTY, IDS), max_size=5),
       url=st.sampled_from(["/admin/organizations", "/admin/progress", "/admin/audit", "/admin/audit.csv"]))
def test_search_and_filter_parameters(client, admin, query, url):
    answer = client.get(url, query_string=query)
    assert answer.status_code in (200, 400, 404), answer.status_code


# --- passwords and reopening ----------------------------------------------------------------------------------

@FAST
@given(current=st.one_of(st.just("password-123"), NASTY), password=NASTY, confirm=NASTY)
def test_change_password_form(client, admin, token, current, password, confirm):
    stored = db.session.get(User, admin.id).password_hash
    before = counts()
    answer = client.post("/auth/password", data={"csrf_token": token, "current": current, "password": password,
                                                 "confirm": confirm})
    if not assert_refused_or_accepted(answer, before):
        assert db.session.get(User, admin.id).password_hash == stored


@FAST
@given(password=NASTY, confirm=NASTY)
def test_invitation_password_form(app, make_user, password, confirm):
    from survey.auth.services import make_link_token

    user = db.session.scalar(sa.select(User).where(User.email == "new@example.kz")) or make_user(
        "national_admin", email="new@example.kz")
    stored = user.password_hash
    link = f"/auth/invitation/{make_link_token(user, 'invite')}"
    client = app.test_client()
    csrf = csrf_from(client.get(link))
    before = counts()
    answer = client.post(link, data={"csrf_token": csrf, "password": password, "confirm": confirm})
    if not assert_refused_or_accepted(answer, before):
        assert db.session.get(User, user.id).password_hash == stored


@FAST
@given(reason=NASTY)
def test_reopen_form(client, admin, token, make_org, make_campaign, reason):
    import datetime as dt

    org = db.session.scalar(sa.select(Organization)) or make_org(level="school")
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == "KZ26")) or make_campaign(code="KZ26")
    report = db.session.scalar(sa.select(OrgReport)) or OrgReport(campaign_id=campaign.id, organization_id=org.id)
    report.attested_at, report.attested_by_id = dt.datetime.now(dt.timezone.utc), admin.id  # signed off
    db.session.add(report)
    db.session.flush()
    before = counts()
    answer = client.post(f"/director/KZ26/organizations/{org.id}/reopen", data={"csrf_token": token,
                                                                               "reason": reason})
    assert_refused_or_accepted(answer, before)


@pytest.mark.parametrize("url", ["/admin/registry/upload", "/director/KZ26/roster/upload"])
def test_an_upload_over_the_size_limit_is_refused_with_a_page(client, token, url):
    """Werkzeug stops reading at MAX_CONTENT_LENGTH (20 MB): a 413 page, whoever sends it, and nothing stored."""
    before = counts()
    big = b"bin;name_ru\n" + b"1;x\n" * (21 * 1024 * 1024 // 4)
    body = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n--B\r\n'
            f'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n').encode() + big + b"\r\n--B--\r\n"
    # the body as bytes: the test client would spool a dict's 21 MB file to a temporary file it never closes
    answer = client.post(url, data=body, content_type="multipart/form-data; boundary=B")
    assert answer.status_code == 413
    assert "too large" in answer.get_data(as_text=True)
    assert counts() == before
