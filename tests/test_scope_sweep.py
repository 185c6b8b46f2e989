"""Sweep over every route that takes an id: called by a user of scope A with the ids of scope B, it refuses.

The routes come from ``app.url_map``, so a route added later is swept without a new test; ``SCOPED`` says who
calls each one and which world object each of its arguments names, and a route missing from it fails the sweep.
A call with scope B's ids must get the refusal the table names (404 for an object outside the scope, never a hint
that it exists), show nothing of B, and change no row. The same call with scope A's own ids must be served: a
positive control, so that the sweep fails when a route refuses everyone.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import url_for

from survey import create_app
from survey.campaigns.services import ensure_access_links
from survey.codebook import JobStatus
from survey.extensions import db
from survey.models import AccessLink, ExportJob, Flag, RosterEntry, User
from survey.questionnaire.services import set_personal_code
from survey.reports import jobs
from tests.factories import build_response
from tests.pages import csrf_from

# Routes whose arguments name no object of a scope. Keep this short: every entry says why.
SKIP = {
    "static": "files of the app, the same for everyone",
    "main.switch_language": "<code> is a language code",
    "auth.accept_invitation": "<token> is a one-time secret that is itself the credential (tests/test_auth.py)",
    "auth.reset_password": "<token> is a one-time secret that is itself the credential (tests/test_auth.py)",
}
# Arguments that name no object: the value every call uses.
FIXED = {"number": 1}  # the questionnaire's step


@dataclass(frozen=True)
class Route:
    """Who calls a route and what its arguments name; what a call with scope B's ids must get."""

    callers: tuple[str, ...]  # users of scope A (keys of World.users; "teacher": a browser holding the proof of
    #                           scope A's response)
    refs: dict[str, str]  # argument → the world object it names (a key of World.a / World.b)
    foreign: int | dict[str, int] = 404  # the status, or one per method
    own_caller: str | None = None  # who is served with scope A's ids, when not the callers themselves
    same: dict[str, str] = field(default_factory=dict)  # arguments that take scope A's value in every call
    public: bool = False  # the page may name B's organization (never B's people)
    location: str | None = None  # where a foreign call's redirect must lead (formatted with B's values)
    data: Callable | None = None  # (world, side) → form fields this route needs besides FORM

    def expected(self, method: str) -> int:
        return self.foreign[method] if isinstance(self.foreign, dict) else self.foreign


ADMINS = ("region_admin", "district_admin")
STAFF = (*ADMINS, "director")
DIRECTOR = ("director",)
ORG = {"organization_id": "organization"}
CAMPAIGN = {"code": "campaign_code"}  # directors' pages: their own organization in the campaign of that code
Link = functools.partial(Route, ("teacher",), {"token": "token"}, public=True)  # a questionnaire's pages
FLAG = {"flag_id": "flag"}
USER = {"user_id": "director"}


def _identity(world, side):
    """A colleague's IIN and names at the side's link: a person who has a questionnaire there already."""
    return {"iin": side["iin"], "last_name": side["last_name"], "first_name": "Айгерім", "middle_name": "",
            "consent": "y", "nonce": "sweep", "confirmed": "yes"}


def _proof_of_a(world, side):
    """The IIN and personal code the teacher of scope A really has."""
    return {"iin": world.a["iin"], "code": world.a["personal_code"]}


SCOPED: dict[str, Route] = {
    "admin.show_organization": Route(ADMINS, ORG),
    # campaigns belong to the national administrators alone: everyone else is refused whatever the id
    "admin.change_campaign_status": Route(("region_admin",), {"campaign_id": "campaign"}, foreign=403,
                                          own_caller="national_admin"),
    "admin.download_questionnaire": Route(("region_admin",), {"campaign_id": "campaign"}, foreign=403,
                                          own_caller="national_admin"),
    "admin.import_campaign_responses": Route(("region_admin",), {"campaign_id": "campaign"}, foreign=403,
                                             own_caller="national_admin"),
    "admin.upload_campaign_questions": Route(("region_admin",), {"campaign_id": "campaign"}, foreign=403,
                                             own_caller="national_admin"),
    "admin.edit_user": Route(ADMINS, USER),
    "admin.change_user_status": Route(ADMINS, USER),
    "admin.make_reset_link": Route(ADMINS, USER),
    "directors.show_dashboard": Route(DIRECTOR, CAMPAIGN),
    "directors.edit_report": Route(DIRECTOR, CAMPAIGN),
    "directors.show_roster": Route(DIRECTOR, CAMPAIGN),
    "directors.add_roster_entry": Route(DIRECTOR, CAMPAIGN),
    "directors.download_roster_template": Route(DIRECTOR, CAMPAIGN),
    "directors.upload_roster": Route(DIRECTOR, CAMPAIGN),
    "directors.show_staff": Route(DIRECTOR, CAMPAIGN),
    "directors.sign_off": Route(DIRECTOR, CAMPAIGN),
    "directors.delete_roster_entry": Route(DIRECTOR, {**CAMPAIGN, "entry_id": "roster_entry"}),
    "directors.reset_code": Route(DIRECTOR, {**CAMPAIGN, "response_id": "response"}),
    "directors.reopen_organization": Route(ADMINS, {**CAMPAIGN, **ORG}),
    "integrity.list_organization_flags": Route(STAFF, ORG),
    "integrity.show_flag": Route(STAFF, FLAG),
    "integrity.update_flag": Route(STAFF, FLAG),
    # export jobs are their requester's own (any role); the world's jobs were requested by the region admins
    "reports.show_export": Route(("region_admin",), {"job_id": "job"}),
    "reports.show_export_status": Route(("region_admin",), {"job_id": "job"}),
    "reports.download_export": Route(("region_admin",), {"job_id": "job"}),
    "reports.retry_export": Route(("region_admin",), {"job_id": "failed_job"}),
    # campaigns are national: one's own organization's workbook for any campaign holds nothing of scope B
    "reports.download_profile": Route(STAFF, ORG, same={"campaign_code": "campaign_code"}),
    # the forecast and AI plan of a region or district (a district administrator's region page shows the district)
    "plans.show_region": Route(ADMINS, {"region_id": "region"}),
    "plans.show_district": Route(ADMINS, {"district_id": "district"}),
    "plans.set_growth": Route(ADMINS, {"district_id": "district"}, data=lambda world, side: {
        "level": "school", "kind": "percent", "value": "2.5"}),
    # The questionnaire: the link is public (its pages name its organization to whoever has it), and anyone may
    # start or resume there; only the personal code, kept in the session, opens a response. Scope A's proof must
    # never open B's: the pages of a response then answer "expired" (401) and forget the proof.
    "questionnaire.show_landing": Link(foreign=200),
    "questionnaire.show_access_sheet": Link(foreign=200),
    "questionnaire.show_qr": Link(foreign=200),
    "questionnaire.start_response": Link(foreign=200, data=_identity),  # POST: the resume page, IIN kept
    "questionnaire.resume_response": Link(foreign={"GET": 200, "POST": 422}, data=_proof_of_a),
    "questionnaire.show_code": Link(foreign=401),
    "questionnaire.edit_step": Link(foreign=401),
    "questionnaire.edit_names": Link(foreign=401),
    "questionnaire.show_review": Link(foreign=401),
    "questionnaire.submit_response": Link(foreign=401),
    "questionnaire.show_done": Link(foreign=401),
}

# One body for every POST, with what each form needs to succeed: a scope check that let a call through would
# then show as a success or a changed row, not hide behind a form error.
FORM = {"role": "director", "region_id": "0", "district_id": "0", "status": "confirmed", "note": "Checked.",
        "reason": "A typo in the roster.", "confirm": "y", "action": "save", "last_name": "Сейітова",
        "first_name": "Әйгерім", "middle_name": "", "post": "teacher", "pupils": "100"}
# Refused attempts that are logged on purpose (a snapshot ignores these audit rows).
LOGGED_REFUSALS = {"response.code_failed"}


def _id_routes():
    app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint)):
        if not rule.arguments or rule.endpoint in SKIP:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(pytest.param(rule.endpoint, method, id=f"{method} {rule.rule}"))
    return found


ID_ROUTES = _id_routes()


def test_every_id_taking_route_is_in_the_table():
    discovered = {param.values[0] for param in ID_ROUTES}
    assert discovered - set(SCOPED) == set(), "new routes: say in SCOPED who calls them and what their ids name"
    assert set(SCOPED) - discovered == set(), "routes gone (or now in SKIP): remove them from SCOPED"
    assert len(discovered) >= 35


# --- the world ----------------------------------------------------------------------------------------------

@dataclass
class World:
    a: dict  # scope A: what its users may reach
    b: dict  # scope B: what they may not
    users: dict[str, int]  # the callers (scope A's users, and the national administrator)


@pytest.fixture
def world(app, make_org, make_campaign, make_iin_for, tmp_path, monkeypatch):
    """Regions A and B, each with a district and a school, its director, and district and region administrators.
    In the national campaign KZ26, each school has a submitted response, a roster row and an integrity flag; each
    region administrator has two export jobs, one done and one failed. Region B also runs a campaign of its own,
    B26, in which scope A takes no part: the campaign of another scope, in the directors' addresses."""
    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)  # a retried job is not run here
    orgs = [make_org(region=f"Регион {letter}", district=f"Район {letter}", name_ru=f"Школа {letter}-сторона")
            for letter in "АБ"]
    campaign_of_b = make_campaign(code="B26", regions=[orgs[1].district.region], census_date=dt.date(2026, 12, 1))
    national = make_campaign(code="KZ26")  # the newest: the integrity pages show its flags
    ensure_access_links(national)
    a, users = _scope("А", orgs[0], national, make_iin_for(dt.date(1984, 2, 3), "f"), tmp_path)
    b, _ = _scope("Б", orgs[1], national, make_iin_for(dt.date(1979, 6, 7), "f"), tmp_path)
    a.update(campaign=national.id, campaign_code=national.code)
    b.update(campaign=campaign_of_b.id, campaign_code=campaign_of_b.code)
    users["national_admin"] = _user("national_admin", "national@example.kz").id
    db.session.commit()
    return World(a=a, b=b, users=users)


def _user(role: str, email: str, **scope) -> User:
    """A user without a password: the sweep signs users in directly (and argon2 takes its time)."""
    user = User(email=email, role=role, **scope)
    db.session.add(user)
    db.session.flush()
    return user


def _scope(letter: str, org, campaign, iin: str, tmp_path) -> tuple[dict, dict[str, int]]:
    """One school's users and objects: (what the world keys name, the users by role)."""
    users = {"director": _user("director", f"director-{org.id}@example.kz", organization=org),
             "district_admin": _user("district_admin", f"district-{org.id}@example.kz", district=org.district),
             "region_admin": _user("region_admin", f"region-{org.id}@example.kz", region=org.district.region)}
    response = build_response(campaign, org, iin=iin, last_name=f"Секретова-{letter}", current_step=5,
                              category="expert", category_year=2022)
    db.session.flush()
    code = set_personal_code(response)
    entry = RosterEntry(campaign_id=campaign.id, organization_id=org.id, person_key=response.person_key,
                        birth_date=response.birth_date, sex="f", last_name=f"Списочная-{letter}", first_name="Дана")
    flag = Flag(campaign_id=campaign.id, organization_id=org.id, rule="G2", subject_key=response.person_key,
                severity="medium", evidence={"age": 86}, note=f"Заметка-{letter}")
    file = tmp_path / f"export-{org.id}.xlsx"
    file.write_bytes(b"PK not really a workbook")
    now = dt.datetime.now(dt.timezone.utc)
    params = {"campaign": campaign.code, "lang": "ru"}
    job = ExportJob(kind="profiles", params=params, status=JobStatus.DONE, progress=100, file_path=str(file),
                    user_id=users["region_admin"].id, finished_at=now, expires_at=now + dt.timedelta(days=1))
    failed = ExportJob(kind="profiles", params=params, status=JobStatus.FAILED, error="OSError: disk full",
                       user_id=users["region_admin"].id)
    db.session.add_all([entry, flag, job, failed])
    db.session.flush()
    token = db.session.scalar(sa.select(AccessLink.token).where(AccessLink.campaign_id == campaign.id,
                                                                AccessLink.organization_id == org.id))
    objects = {
        "organization": org.id, "district": org.district_id, "region": org.district.region_id, "token": token, "director": users["director"].id, "response": response.id,
        "roster_entry": entry.id, "flag": flag.id, "job": job.id, "failed_job": failed.id,
        "iin": iin, "last_name": response.last_name, "personal_code": code,
        # what no page may show to another scope (the pages of a questionnaire link may name its organization)
        "people": [response.last_name, entry.last_name, flag.note, users["director"].email],
        "organization_names": [org.name_ru, org.bin],
    }
    return objects, {role: user.id for role, user in users.items()}


# --- calling as someone ----------------------------------------------------------------------------------------

class Caller:
    """A browser of its own, signed in as a user of scope A, or holding the proof of scope A's response."""

    def __init__(self, app, world: World, who: str):
        from flask_login.utils import _create_identifier

        self.client, self.world, self.who = app.test_client(), world, who
        if who != "teacher":
            with app.test_request_context(environ_base=self.client.environ_base):
                identifier = _create_identifier()  # session_protection="strong" drops a session without it
            with self.client.session_transaction() as session:
                session.update({"_user_id": str(world.users[who]), "_fresh": True, "_id": identifier})
        self.csrf_token = csrf_from(self.client.get("/auth/sign-in" if who == "teacher" else "/auth/password"))

    def call(self, method: str, url: str, data: dict | None):
        if self.who == "teacher":  # proved anew for every call: a refused call forgets the proof
            with self.client.session_transaction() as session:
                session["questionnaire"] = {"rid": self.world.a["response"], "at": time.time()}
        if method == "GET":
            return self.client.get(url)
        return self.client.post(url, data={**FORM, **(data or {}), "csrf_token": self.csrf_token})

    def proved_response(self) -> int | None:
        with self.client.session_transaction() as session:
            return (session.get("questionnaire") or {}).get("rid")


def _rule(app, endpoint: str, method: str):
    return next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint and method in rule.methods)


def _calls(app, endpoint: str, method: str, world: World, *, foreign: bool):
    """(url, side) of each call. Foreign: each argument that names an object takes scope B's value in turn, the
    others keep scope A's. Arguments that name nothing take their fixed value, or each value an ``any()`` allows."""
    route, rule = SCOPED[endpoint], _rule(app, endpoint, method)
    choices = {}
    for argument in sorted(rule.arguments):
        converter = rule._converters[argument]
        if argument in route.refs or argument in route.same:
            continue
        if type(converter).__name__ == "AnyConverter":
            choices[argument] = sorted(converter.items)
        else:
            assert argument in FIXED, f"{endpoint}: say in SCOPED (refs or same) what <{argument}> names"
            choices[argument] = [FIXED[argument]]
    assert set(route.refs) | set(route.same) <= set(rule.arguments), f"{endpoint}: SCOPED names unknown arguments"
    own = {**{arg: world.a[key] for arg, key in route.refs.items()},
           **{arg: world.a[key] for arg, key in route.same.items()}}
    variants = [(arg, world.b) for arg in sorted(route.refs)] if foreign else [(None, world.a)]
    for combination in itertools.product(*choices.values()):
        for argument, side in variants:
            values = {**own, **dict(zip(choices, combination))}
            if argument is not None:
                values[argument] = side[route.refs[argument]]
            with app.test_request_context():
                yield url_for(endpoint, **values), side


def _snapshot() -> dict[str, list]:
    """Every row of every table (the world is small), less the audit rows of refused attempts logged on purpose."""
    rows = {}
    for table in db.metadata.sorted_tables:
        found = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        if table.name == "audit_events":
            found = [row for row in found if row.action not in LOGGED_REFUSALS]
        rows[table.name] = found
    return rows


def _text(answer) -> str:
    body = answer.data.decode("utf-8", errors="replace")
    answer.close()  # a file sent with send_file stays open otherwise (a ResourceWarning, an error here)
    return body


# --- the sweep -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("endpoint", "method"), ID_ROUTES)
def test_ids_of_another_scope_are_refused(app, world, endpoint, method):
    assert endpoint in SCOPED, f"{endpoint}: new route; say in SCOPED who calls it and what its ids name"
    route = SCOPED[endpoint]
    expected = route.expected(method)
    before = _snapshot()
    calls = 0
    for who in route.callers:
        caller = Caller(app, world, who)
        for url, side in _calls(app, endpoint, method, world, foreign=True):
            answer = caller.call(method, url, route.data(world, side) if route.data else None)
            body = _text(answer)
            where = f"{who}: {method} {url}"
            assert answer.status_code == expected, f"{where} answered {answer.status_code}, not {expected}"
            if answer.status_code in (301, 302, 303, 307, 308):
                assert route.location and answer.headers["Location"] == route.location.format(**side), where
            shown = [text for text in side["people"] + ([] if route.public else side["organization_names"])
                     if text in body]
            assert shown == [], f"{where} shows scope B's {shown}"
            if who == "teacher":
                assert caller.proved_response() != side["response"], f"{where} opened scope B's response"
            assert _snapshot() == before, f"{where} changed rows of the database"
            calls += 1
    assert calls >= len(route.callers), f"{endpoint}: SCOPED names no argument that refers to an object"


@pytest.mark.parametrize(("endpoint", "method"), ID_ROUTES)
def test_own_ids_are_served(app, world, endpoint, method):
    """The positive control: the same call with scope A's ids is neither refused nor an error."""
    assert endpoint in SCOPED, f"{endpoint}: new route; say in SCOPED who calls it and what its ids name"
    route = SCOPED[endpoint]
    for who in (route.own_caller,) if route.own_caller else route.callers:
        caller = Caller(app, world, who)
        for url, side in _calls(app, endpoint, method, world, foreign=False):
            answer = caller.call(method, url, route.data(world, side) if route.data else None)
            _text(answer)
            where = f"{who}: {method} {url}"
            assert answer.status_code not in (400, 401, 403, 404) and answer.status_code < 500, (
                f"{where} answered {answer.status_code}")
            assert "/auth/sign-in" not in answer.headers.get("Location", ""), where


def test_directors_start_page_leads_only_to_a_campaign_of_their_school(app, world):
    """The start page takes no id but picks a campaign: the newest one the school takes part in, never B26 (newer,
    but region B's alone)."""
    answer = Caller(app, world, "director").call("GET", "/director/", None)
    assert (answer.status_code, answer.headers["Location"]) == (302, "/director/KZ26/")
