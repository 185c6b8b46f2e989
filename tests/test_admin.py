"""The administrator console: the role × URL matrix, CSRF on every state change, audit rows (the progress board:
test_progress_board.py)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from survey.codebook import CampaignStatus
from survey.extensions import db
from survey.models import AccessLink, AuditEvent, Campaign, Organization, User
from survey.staffing.progress import progress_board

ROLES = ("anonymous", "director", "district_admin", "region_admin", "national_admin")


@pytest.fixture
def world(make_org, make_user, make_campaign):
    """Region A (districts A1, A2) and region B (district B1); one organization each; a user per role in A1."""
    o1 = make_org(region="A", district="A1")
    o2 = make_org(region="A", district="A2")
    o3 = make_org(region="B", district="B1")
    users = {
        "national_admin": make_user("national_admin"),
        "region_admin": make_user("region_admin", region=o1.district.region),
        "district_admin": make_user("district_admin", district=o1.district),
        "director": make_user("director", organization=o1),
    }
    others = {"director_a2": make_user("director", organization=o2),
              "director_b1": make_user("director", organization=o3)}
    campaign = make_campaign(code="C1", status="draft")
    ids = {"o1": o1.id, "o2": o2.id, "o3": o3.id, "region_a": o1.district.region_id,
           "region_b": o3.district.region_id, "district_a1": o1.district_id, "district_a2": o2.district_id,
           "district_b1": o3.district_id, "campaign": campaign.id,
           **{name: user.id for name, user in {**users, **others}.items()}}
    return {"users": users, "ids": ids, "orgs": (o1, o2, o3), "campaign": campaign}


# (url, statuses for anonymous, director, district_admin, region_admin, national_admin)
MATRIX = [
    ("/admin/", (302, 403, 302, 302, 302)),
    ("/admin/progress", (302, 403, 200, 200, 200)),
    ("/admin/progress?region={region_a}", (302, 403, 200, 200, 200)),
    ("/admin/progress?region={region_b}", (302, 403, 404, 404, 200)),
    ("/admin/progress?district={district_a1}", (302, 403, 200, 200, 200)),
    ("/admin/progress?district={district_a2}", (302, 403, 404, 200, 200)),
    ("/admin/progress?district={district_b1}", (302, 403, 404, 404, 200)),
    ("/admin/progress?campaign=99999", (302, 403, 404, 404, 404)),
    ("/admin/organizations", (302, 403, 200, 200, 200)),
    ("/admin/organizations/{o1}", (302, 403, 200, 200, 200)),
    ("/admin/organizations/{o2}", (302, 403, 404, 200, 200)),
    ("/admin/organizations/{o3}", (302, 403, 404, 404, 200)),
    ("/admin/organizations/99999", (302, 403, 404, 404, 404)),
    ("/admin/registry/upload", (302, 403, 403, 403, 200)),
    ("/admin/registry/template.xlsx", (302, 403, 200, 200, 200)),
    ("/admin/campaigns", (302, 403, 403, 403, 200)),
    ("/admin/campaigns/new", (302, 403, 403, 403, 200)),
    ("/admin/campaigns/{campaign}/questions", (302, 403, 403, 403, 200)),
    ("/admin/campaigns/99999/questions", (302, 403, 403, 403, 404)),
    ("/admin/users", (302, 403, 200, 200, 200)),
    ("/admin/users/invite", (302, 403, 200, 200, 200)),
    ("/admin/users/{director}", (302, 403, 200, 200, 200)),
    ("/admin/users/{director_a2}", (302, 403, 404, 200, 200)),
    ("/admin/users/{director_b1}", (302, 403, 404, 404, 200)),
    ("/admin/users/{district_admin}", (302, 403, 404, 200, 200)),
    ("/admin/users/{region_admin}", (302, 403, 404, 404, 200)),
    ("/admin/users/{national_admin}", (302, 403, 404, 404, 404)),  # not even one's own account
    ("/admin/users/99999", (302, 403, 404, 404, 404)),
    ("/admin/audit", (302, 403, 403, 403, 200)),
    ("/admin/audit.csv", (302, 403, 403, 403, 200)),
    ("/auth/password", (302, 200, 200, 200, 200)),
    ("/auth/sign-in", (200, 302, 302, 302, 302)),
]


@pytest.mark.parametrize("role", ROLES)
def test_role_url_matrix(client, login, world, role):
    if role != "anonymous":
        login(world["users"][role])
    expected_by_url = {url.format(**world["ids"]): codes[ROLES.index(role)] for url, codes in MATRIX}
    got = {url: client.get(url).status_code for url in expected_by_url}
    assert got == expected_by_url


def test_scoped_lists_show_only_the_scope(client, login, world):
    o1, o2, o3 = world["orgs"]
    login(world["users"]["district_admin"])
    html = client.get("/admin/organizations").get_data(as_text=True)
    assert o1.bin in html and o2.bin not in html and o3.bin not in html
    html = client.get("/admin/users").get_data(as_text=True)
    emails = {u.email: u for u in db.session.scalars(sa.select(User))}
    director_a2 = db.session.get(User, world["ids"]["director_a2"]).email
    assert world["users"]["director"].email in html and director_a2 not in html
    assert world["users"]["region_admin"].email not in html and len(emails) == 6
    # a foreign BIN in the search box finds nothing
    assert "Found: 0" in client.get(f"/admin/organizations?q={o3.bin}").get_data(as_text=True)


def _post_routes(ids: dict) -> list[str]:
    return [
        "/auth/sign-in", "/auth/sign-out", "/auth/password",
        "/admin/registry/upload", "/admin/campaigns/new",
        f"/admin/campaigns/{ids['campaign']}/open", f"/admin/campaigns/{ids['campaign']}/close",
        f"/admin/campaigns/{ids['campaign']}/questions",
        "/admin/users/invite", f"/admin/users/{ids['director_b1']}",
        f"/admin/users/{ids['director_b1']}/deactivate", f"/admin/users/{ids['director_b1']}/activate",
        f"/admin/users/{ids['director_b1']}/reset-link",
    ]


@pytest.mark.parametrize("token", ["missing", "wrong"])
def test_csrf_on_every_state_changing_route(client, login, world, csrf_token, token):
    login(world["users"]["national_admin"])
    csrf_token("/auth/password")  # the session has a CSRF secret; the forms below do not carry its token
    data = {} if token == "missing" else {"csrf_token": "forged-token"}
    data.update({"email": "x@example.kz", "password": "password-123", "role": "national_admin", "code": "NEW",
                 "title_kk": "x", "title_ru": "x", "census_date": "2026-11-01", "levels": "school",
                 "current": "password-123", "confirm": "password-123"})
    for url in _post_routes(world["ids"]):
        assert client.post(url, data=data).status_code == 400, url
    link = "/auth/invitation/whatever"
    assert client.post(link, data=data).status_code in (400, 404)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 1
    assert db.session.get(Campaign, world["ids"]["campaign"]).status == CampaignStatus.DRAFT
    assert db.session.get(User, world["ids"]["director_b1"]).is_active
    assert client.get("/admin/progress").status_code == 200  # still signed in


def _registry_file(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["bin", "name_ru", "level", "ownership", "region", "district"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_campaign_set_up_entirely_in_the_browser(client, login, make_user, csrf_token, rng):
    """From an empty database: import the registry, invite a director, create and open a campaign, watch progress."""
    from survey.demo import make_bin

    admin = make_user("national_admin", email="root@example.kz")
    login(admin)
    token = csrf_token("/admin/registry/upload")
    bins = [make_bin(rng) for _ in range(3)]
    bad = _registry_file([[bins[0], "Школа 1", "school", "state", "Алматы", "Медеуский"],
                          ["123", "Школа 2", "school", "nowhere", "Алматы", "Медеуский"]])
    page = client.post("/admin/registry/upload", data={"csrf_token": token, "file": (io.BytesIO(bad), "r.xlsx")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "nothing was changed" in html
    assert "must have 12 digits" in html and "nowhere is not one of" in html
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0

    good = _registry_file([[bins[0], "Школа 1", "school", "state", "Алматы", "Медеуский"],
                           [bins[1], "Школа 2", "school", "private", "Алматы", "Медеуский"],
                           [bins[2], "Детсад 3", "preschool", "state", "Астана", "Есиль"]])
    page = client.post("/admin/registry/upload", data={"csrf_token": token, "file": (io.BytesIO(good), "r.xlsx")},
                       content_type="multipart/form-data")
    assert "Imported: 3 new, 0 updated, 0 unchanged" in page.get_data(as_text=True)

    page = client.post("/admin/users/invite", data={"csrf_token": token, "email": "dir@example.kz", "role": "director",
                                                    "region_id": "0", "district_id": "0", "org_bin": bins[0]})
    assert "/auth/invitation/" in page.get_data(as_text=True)

    page = client.post("/admin/campaigns/new", data={
        "csrf_token": token, "code": "2026-AUTUMN", "title_kk": "Күзгі санақ", "title_ru": "Осенняя перепись",
        "census_date": "2026-11-01", "levels": ["school"]})
    assert page.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert (campaign.code, campaign.level_list, campaign.status) == ("2026-AUTUMN", ["school"], "draft")
    duplicate = client.post("/admin/campaigns/new", data={
        "csrf_token": token, "code": "2026-AUTUMN", "title_kk": "x", "title_ru": "x", "census_date": "2026-11-01",
        "levels": ["school"]})
    assert "already exists" in duplicate.get_data(as_text=True)

    assert client.post(f"/admin/campaigns/{campaign.id}/open", data={"csrf_token": token}).status_code == 302
    assert db.session.get(Campaign, campaign.id).status == "open"
    assert db.session.scalar(sa.select(sa.func.count(AccessLink.id))) == 2  # the two schools, not the kindergarten
    client.post(f"/admin/campaigns/{campaign.id}/close", data={"csrf_token": token})
    client.post(f"/admin/campaigns/{campaign.id}/open", data={"csrf_token": token})
    assert db.session.get(Campaign, campaign.id).status == "open"

    board = client.get("/admin/progress").get_data(as_text=True)
    assert "Алматы" in board and "Астана" not in board  # the kindergarten's region takes no part
    assert "Organizations with no response yet (2)" in board

    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["registry.import", "user.invite", "campaign.create", "campaign.open",
                                          "campaign.close", "campaign.reopen"]
    assert all(e.user_id == admin.id and e.actor == "root@example.kz" and e.ip == "127.0.0.1" for e in events)
    assert events[0].details == {"file": "r.xlsx", "created": 3, "updated": 0, "unchanged": 0}
    assert events[3].details == {"code": "2026-AUTUMN", "links": 2}


def test_user_changes_are_scoped_and_audited(client, login, world, csrf_token):
    ids = world["ids"]
    o1, o2, o3 = world["orgs"]
    login(world["users"]["district_admin"])
    token = csrf_token("/admin/users/invite")
    # outside the district: refused, nothing created
    page = client.post("/admin/users/invite", data={"csrf_token": token, "email": "x@example.kz", "role": "director",
                                                    "region_id": "0", "district_id": "0", "org_bin": o2.bin})
    assert "outside your own scope" in page.get_data(as_text=True)
    # a role above the administrator's reach is not even a choice
    page = client.post("/admin/users/invite", data={"csrf_token": token, "email": "x@example.kz",
                                                    "role": "region_admin", "region_id": str(ids["region_a"]),
                                                    "district_id": "0", "org_bin": ""})
    assert "Not a valid choice" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.kz")) is None
    # another district's user: 404 for every action
    for action in ("deactivate", "activate", "reset-link"):
        assert client.post(f"/admin/users/{ids['director_a2']}/{action}",
                           data={"csrf_token": token}).status_code == 404

    director = ids["director"]
    assert client.post(f"/admin/users/{director}/deactivate", data={"csrf_token": token}).status_code == 302
    assert not db.session.get(User, director).is_active
    assert client.post(f"/admin/users/{director}/activate", data={"csrf_token": token}).status_code == 302
    assert db.session.get(User, director).is_active

    login(world["users"]["region_admin"])
    token = csrf_token("/admin/users/invite")
    page = client.post(f"/admin/users/{director}", data={"csrf_token": token, "role": "director", "region_id": "0",
                                                         "district_id": "0", "org_bin": o2.bin})
    assert page.status_code == 302
    assert db.session.get(User, director).organization_id == o2.id
    page = client.post(f"/admin/users/{director}", data={"csrf_token": token, "role": "director", "region_id": "0",
                                                         "district_id": "0", "org_bin": o3.bin})
    assert "outside your own scope" in page.get_data(as_text=True)
    assert db.session.get(User, director).organization_id == o2.id

    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target_id) for e in events] == [
        ("user.deactivate", director), ("user.activate", director), ("user.change_scope", director)]
    assert events[2].details["before"]["organization_id"] == o1.id
    assert events[2].details["after"]["organization_id"] == o2.id
    assert events[0].user_id == ids["district_admin"] and events[2].user_id == ids["region_admin"]


def test_deactivated_user_is_signed_out(client, login, world, csrf_token):
    director = world["users"]["director"]
    login(director)
    assert client.get("/auth/password").status_code == 200
    db.session.get(User, director.id).is_active = False
    assert client.get("/auth/password").status_code == 302


def test_audit_log_page_and_export(client, login, world, csrf_token):
    from survey import audit

    admin = world["users"]["national_admin"]
    audit.record("campaign.open", by=admin, details={"code": "=cmd|' /C calc'!A0"})
    audit.record("registry.import", by="cli", details={"created": 5})
    login(admin)
    page = client.get("/admin/audit?action=campaign").get_data(as_text=True)
    assert "Found: 1" in page and "campaign.open" in page and "registry.import</td>" not in page
    answer = client.get("/admin/audit.csv?action=registry&actor=cli")
    assert answer.mimetype == "text/csv"
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and lines[0].startswith("id,created_at,actor,action")
    assert ",cli,registry.import," in lines[1]
    audit.record("auth.sign_in_failed", by='=HYPERLINK("http://evil.example")')
    everything = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=cmd" not in everything  # the JSON cell starts with '{', so it needs no guard
    assert '\'=HYPERLINK(""http://evil.example"")' in everything  # a cell that would be a formula stays text
    export = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "audit.export")
                                .order_by(AuditEvent.id)).all()
    assert [(e.details["filters"], e.details["rows"]) for e in export] == [
        ({"action": "registry", "actor": "cli"}, 1), ({}, 4)]


def test_registry_template_download(client, login, world):
    login(world["users"]["district_admin"])
    answer = client.get("/admin/registry/template.xlsx")
    assert answer.status_code == 200 and answer.data[:2] == b"PK"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_console_pages_render_in_each_language(app, client, login, lang):
    from survey.demo import load_almaty_demo

    load_almaty_demo()
    db.session.commit()
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.kz"))
    director = db.session.scalar(sa.select(User).where(User.email == "director@demo.kz"))
    login(admin)
    client.get(f"/lang/{lang}")
    pages = ["/admin/progress", "/admin/organizations", f"/admin/organizations/{director.organization_id}",
             "/admin/registry/upload", "/admin/campaigns", "/admin/campaigns/new", "/admin/users",
             "/admin/users/invite", f"/admin/users/{director.id}", "/admin/audit", "/auth/password"]
    for url in pages:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert f'<html lang="{lang}">' in answer.get_data(as_text=True), url
    board = client.get("/admin/progress").get_data(as_text=True)
    expected = {"kk": "Жауап беру үлесі", "ru": "Доля ответивших", "en": "Response rate"}[lang]
    assert expected in board and "<progress" in board


def test_invitation_is_mailed_when_smtp_is_configured(app, client, login, world, csrf_token, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message.get_content()))

    monkeypatch.setattr("survey.auth.services.smtplib.SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "SMTP_HOST", "smtp.example.kz")
    monkeypatch.setitem(app.config, "SMTP_USER", "robot@example.kz")
    login(world["users"]["national_admin"])
    page = client.post("/admin/users/invite", data={
        "csrf_token": csrf_token("/admin/users/invite"), "email": "new@example.kz", "role": "national_admin",
        "region_id": "0", "district_id": "0", "org_bin": ""})
    assert "The link was sent by e-mail." in page.get_data(as_text=True)
    assert sent[:3] == [("connect", "smtp.example.kz", 587), ("starttls",), ("login", "robot@example.kz")]
    assert sent[3][1] == "new@example.kz" and "/auth/invitation/" in sent[3][2]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.invite"))
    assert event.details == {"email": "new@example.kz", "role": "national_admin", "mailed": True}


def test_long_audit_export_streams_every_row(client, login, world):
    admin = world["users"]["national_admin"]
    db.session.execute(sa.insert(AuditEvent), [{"action": "auth.sign_in_failed", "actor": f"a{n}@x.kz", "details": {}}
                                               for n in range(2500)])
    login(admin)
    lines = client.get("/admin/audit.csv?action=auth.sign_in_failed").get_data(as_text=True).splitlines()
    assert len(lines) == 2501 and lines[-1].split(",")[2] == "a2499@x.kz"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "audit.export"))
    assert event.details == {"filters": {"action": "auth.sign_in_failed"}, "rows": 2500}


def test_a_campaign_can_be_limited_to_regions(client, login, make_org, make_user, csrf_token, runner):
    a_school = make_org(region="A", district="A1")
    a_kinder = make_org(region="A", district="A2", level="preschool")
    b_school = make_org(region="B", district="B1")
    login(make_user("national_admin"))
    token = csrf_token("/admin/campaigns/new")
    page = client.post("/admin/campaigns/new", data={
        "csrf_token": token, "code": "PILOT-A", "title_kk": "Пилот", "title_ru": "Пилот", "census_date": "2026-11-01",
        "levels": ["school", "preschool"], "regions": [str(a_school.district.region_id)]})
    assert page.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == "PILOT-A"))
    assert [r.name for r in campaign.regions] == ["A"]
    client.post(f"/admin/campaigns/{campaign.id}/open", data={"csrf_token": token})
    linked = set(db.session.scalars(sa.select(AccessLink.organization_id).where(AccessLink.campaign_id == campaign.id)))
    assert linked == {a_school.id, a_kinder.id}
    board = progress_board(db.session.scalar(sa.select(User)), db.session.get(Campaign, campaign.id))
    assert [(r.name, r.organizations) for r in board.rows] == [("A", 2)] and board.silent_count == 2
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "campaign.create"))
    assert event.details == {"code": "PILOT-A", "levels": ["preschool", "school"], "regions": ["A"]}
    assert b_school.id not in linked

    result = runner.invoke(args=["survey", "create-campaign", "--code", "CLI-B", "--title-kk", "x", "--title-ru", "x",
                                 "--census-date", "2026-11-01", "--regions", "b"])
    assert result.exit_code == 0, result.output
    assert [r.name for r in db.session.scalar(sa.select(Campaign).where(Campaign.code == "CLI-B")).regions] == ["B"]
    result = runner.invoke(args=["survey", "create-campaign", "--code", "CLI-C", "--title-kk", "x", "--title-ru", "x",
                                 "--census-date", "2026-11-01", "--regions", "Nowhere"])
    assert result.exit_code != 0 and "unknown regions: nowhere" in result.output
