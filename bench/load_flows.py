"""User flows driven by the load benchmark (bench/load.py). One class per flow.

A flow has two halves that run in two processes:

- ``prepare(app, users)`` runs in the benchmark driver with the project's venv and an app context on the benchmark
  database. It creates what the simulated people need (accounts, access codes...), commits, and returns one JSON-able
  dict of parameters per simulated person. Import the app's modules inside it, never at the top of this file:
- ``start(http, params)`` and ``step(http, params)`` run inside locust (its own venv, without the app). ``start``
  runs once per simulated person (e.g. signing in); ``step`` is one unit of work, repeated. ``http`` is a
  :class:`Http` (a thin wrapper around locust's FastHttpSession). Every request must be named (``name=``) so that
  statistics group by page, not by URL; the request that completes a step is named ``"<flow>: step"``, and that
  name's count, rate and percentiles are the benchmark's headline figures.

To add a flow (e.g. the teacher questionnaire once it is merged), write one class here and register it in ``FLOWS``:

    class QuestionnaireFlow(Flow):
        name = "questionnaire"

        def prepare(self, app, users):
            # for each simulated teacher: an open campaign's access link of an organization, and a pool of fresh
            # valid IINs (survey.demo.make_iin), one per questionnaire the person will start: locust's venv has
            # no app code, so everything the flow needs from the app is computed here, e.g.
            # [{"start_url": f"/q/{link.token}", "iins": [make_iin(...) for _ in range(2000)]} for link in links]
            ...

        def start(self, http, params):
            page = http.get(params["start_url"], name="questionnaire: start")   # consent / identity page
            ...                                                               # POST it to create the response

        def step(self, http, params):
            page = http.get(self.url, name="questionnaire: step page")
            answer = http.post(self.url, {**answers_for(self.url), "csrf_token": csrf_token(page.text)},
                               name="questionnaire: step")        # 302 to the next step (a 422 is a failure)
            self.url = answer.headers["Location"]                 # after the final submit: begin a new teacher

Then ``bench/load.py --flow questionnaire``. A flow object is created per simulated person, so it may keep state
(the step it is on) in attributes.
"""

from __future__ import annotations

import re
from typing import Any

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench-load-password-1"  # the password of every account the benchmark creates (its own database only)


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise AssertionError("no csrf_token on the page")
    return match.group(1)


class Http:
    """What a flow sees of the HTTP client. Redirects are never followed: a flow follows them itself, naming each
    request, and a request whose status (or redirect target) is not the expected one counts as a failure."""

    def __init__(self, client):
        self.client = client
        self.headers: dict[str, str] = {}  # sent with every request (e.g. the simulated phone's X-Forwarded-For)

    def _send(self, method: str, url: str, name: str, expect: int, goes_to: str | None = None,
              shows: str | None = None, **kwargs):
        problem = None
        kwargs.setdefault("headers", self.headers)
        with self.client.request(method, url, name=name, catch_response=True, allow_redirects=False,
                                 **kwargs) as response:
            location = (response.headers or {}).get("Location") or ""
            if response.status_code != expect:
                problem = f"HTTP {response.status_code}, expected {expect}"
            elif goes_to is not None and not location.split("?")[0].endswith(goes_to):
                problem = f"redirected to {location!r}, expected {goes_to}"
            elif shows is not None and f'data-page-url="{shows}"' not in (response.text or ""):
                problem = f"the answer is not the page of {shows}"
            if problem:
                response.failure(problem)
            else:
                response.success()
        if problem:
            raise FlowError(f"{name}: {problem}")
        return response

    def get(self, url: str, *, name: str, expect: int = 200):
        return self._send("GET", url, name, expect)

    def post(self, url: str, data: dict[str, Any], *, name: str, expect: int = 302, goes_to: str | None = None,
             shows: str | None = None):
        """POST a form; with ``goes_to`` the answer must be a redirect to that path, with ``shows`` (and expect=200)
        the page of that address sent as the answer (a saved questionnaire step answers with the next page)."""
        from urllib.parse import urlencode

        body = urlencode(data, doseq=True)  # list values (check boxes) as repeated fields
        return self._send("POST", url, name, expect, goes_to, shows, data=body,
                          headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"})


class FlowError(Exception):
    """A request of the flow failed (already counted as a failure in the statistics); the step is abandoned."""


class Flow:
    name = ""

    def prepare(self, app, users: int, extra_questions: int = 0) -> list[dict[str, Any]]:
        """``extra_questions``: a campaign with that many questions of its own (issue 17), for the flows that
        answer them."""
        raise NotImplementedError

    def start(self, http: Http, params: dict[str, Any]) -> None:
        """Once per simulated person before its first step."""

    def step(self, http: Http, params: dict[str, Any]) -> None:
        raise NotImplementedError


class DirectorReportFlow(Flow):
    """A director signs in, then keeps saving the organization report: GET the form, POST it, follow the redirect.

    Each simulated director has an account of their own for a school of their own in the open campaign.
    """

    name = "director_report"

    def prepare(self, app, users: int, extra_questions: int = 0) -> list[dict[str, Any]]:
        import sqlalchemy as sa

        from survey.extensions import db
        from survey.models import Campaign, Organization, User
        from survey.passwords import hash_password

        with app.app_context():
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.status == "open").order_by(Campaign.id))
            if campaign is None:
                raise SystemExit("the benchmark database has no open campaign: load the demo data first")
            schools = db.session.scalars(sa.select(Organization.id).where(Organization.level == "school")
                                         .order_by(Organization.id).limit(users)).all()
            emails = [f"bench-director-{number}@example.kz" for number in range(len(schools))]
            existing = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))
            password_hash = hash_password(PASSWORD)
            db.session.add_all(User(email=email, role="director", organization_id=school, password_hash=password_hash)
                               for email, school in zip(emails, schools) if email not in existing)
            db.session.commit()
            code = campaign.code
        return [{"email": email, "report_url": f"/director/{code}/report", "pupils": 300 + number}
                for number, email in enumerate(emails)]

    def start(self, http: Http, params: dict[str, Any]) -> None:
        page = http.get("/auth/sign-in", name="sign-in: page")
        http.post("/auth/sign-in", {"csrf_token": csrf_token(page.text), "email": params["email"],
                                    "password": PASSWORD, "next": params["report_url"]},
                  name="sign-in: post", goes_to=params["report_url"])
        self.page = http.get(params["report_url"], name=f"{self.name}: form")

    def step(self, http: Http, params: dict[str, Any]) -> None:
        """POST the form on the page shown, follow the redirect back to the form (the page for the next step)."""
        url = params["report_url"]
        page, self.page = self.page, None
        if page is None:  # the previous step failed half-way
            page = http.get(url, name=f"{self.name}: form")
        form = {
            "csrf_token": csrf_token(page.text), "pupils": str(params["pupils"]), "classes": "12",
            "approved_rates": "42,5",
            "vacancies-0-post": "teacher", "vacancies-0-subject": "mathematics", "vacancies-0-rate": "1",
            "vacancies-1-post": "", "vacancies-1-subject": "", "vacancies-1-rate": "",
            "required_hours-0-subject": "mathematics", "required_hours-0-hours": "120",
            "required_hours-1-subject": "english", "required_hours-1-hours": "60",
        }
        http.post(url, form, name=f"{self.name}: step", goes_to=url)  # a refused form answers 422
        self.page = http.get(url, name=f"{self.name}: form")


NONCE_RE = re.compile(r'name="nonce"[^>]*value="([^"]+)"')
STEP_ANSWERS = {
    1: {"post": "teacher", "basis": "main", "contract": "permanent", "start_date": "2010-09-01", "rate": "1.25",
        "teaching_hours": "20", "languages": ["kk", "ru"],
        "subjects-0-subject": "mathematics", "subjects-0-hours": "12", "subjects-0-language": "kk",
        "subjects-1-subject": "algebra", "subjects-1-hours": "8", "subjects-1-language": "ru",
        "subjects-2-subject": "", "subjects-2-hours": "", "subjects-2-language": ""},
    2: {"other_jobs-0-org_bin": "", "other_jobs-0-org_name": "", "other_jobs-0-basis": "", "other_jobs-0-hours": ""},
    3: {"education_level": "bachelor", "ped_education": "ped_higher", "specialty": "Математика",
        "graduation_year": "2007", "category": "expert", "category_year": "2022", "experience_total": "16",
        "experience_org": "10"},
    4: {"pd_hours_3y": "120", "total_hours_week": "36", "ai_use": "true", "ai_purposes": ["lesson_planning"],
        "ai_training": "short", "ai_training_wanted": "false", "satisfaction": "3", "plans": "stay"},
}


class QuestionnaireFlow(Flow):
    """Teachers, each on a phone of their own (own cookies, own address behind the proxy), answer the questionnaire
    of their school again and again with new IINs: identity (IIN → birth date shown → confirmed, answered with the
    personal code page), the four steps (each answered with the next page), the final submit. Every POST that
    completes one of these six is a step; GETs of pages count as their own requests. The birth dates in
    ``prepare`` make every rule pass (graduation 2007, 16 years of experience).

    With ``extra_questions`` N the campaign asks N questions of its own (issue 17: ``extra_questions_form``, five
    to a page after the core steps), and the teachers answer them too: one more step per page. Without, the campaign
    asks the core questions only (a set of its own is put aside for the run; bench/load.py puts it back)."""

    name = "questionnaire"

    def prepare(self, app, users: int, extra_questions: int = 0) -> list[dict[str, Any]]:
        import datetime as dt
        import random

        import sqlalchemy as sa

        from survey.campaigns.services import ensure_access_links
        from survey.demo import make_iin
        from survey.extensions import db
        from survey.models import AccessLink, Campaign, Organization

        rng = random.Random()  # new people every run: a person who answered already is sent to resume
        with app.app_context():
            campaign = db.session.scalar(sa.select(Campaign).where(Campaign.status == "open").order_by(Campaign.id))
            if campaign is None:
                raise SystemExit("the benchmark database has no open campaign: load the demo data first")
            ensure_access_links(campaign)
            extra_pages = ask_extra_questions(campaign, extra_questions)
            db.session.commit()
            tokens = db.session.scalars(
                sa.select(AccessLink.token).join(Organization, AccessLink.organization_id == Organization.id)
                .where(AccessLink.campaign_id == campaign.id, Organization.level == "school")
                .order_by(AccessLink.id).limit(users)).all()
        people = []
        for number in range(users):
            births = (dt.date(1980, 1, 1) + dt.timedelta(days=rng.randint(0, 3000)) for _ in range(400))
            people.append({"token": tokens[number % len(tokens)], "address": f"10.{number // 250}.{number % 250}.7",
                           "iins": [make_iin(birth, rng.choice("mf"), rng) for birth in births],
                           "extra_pages": extra_pages})
        return people

    def start(self, http: Http, params: dict[str, Any]) -> None:
        http.headers["X-Forwarded-For"] = params["address"]
        self.iins = iter(params["iins"])
        self.steps = 4 + len(params.get("extra_pages", ()))  # the core steps, then the campaign's own pages
        self.stage = 0  # 0: identity, 1 … steps: the steps, steps + 1: the final submit
        self.page = ""  # the last page received: a saved step answers with the next one, the form to fill

    def step(self, http: Http, params: dict[str, Any]) -> None:
        base = f"/q/{params['token']}"
        if self.stage == 0:
            page = http.get(f"{base}/start", name="questionnaire: identity page")
            form = {"csrf_token": csrf_token(page.text), "nonce": NONCE_RE.search(page.text).group(1),
                    "iin": next(self.iins), "last_name": "Сейітова", "first_name": "Әйгерім", "middle_name": "",
                    "consent": "y"}
            http.post(f"{base}/start", form, name="questionnaire: identity", expect=200)  # the confirmation page
            http.post(f"{base}/start", {**form, "confirmed": "yes"}, name=f"{self.name}: step", expect=200,
                      shows=f"{base}/code")  # the personal code page
        elif self.stage <= self.steps:
            url = f"{base}/step/{self.stage}"
            if self.stage == 1:  # the teacher follows the code page's link to step 1
                self.page = http.get(url, name="questionnaire: step page").text
            answers = STEP_ANSWERS[self.stage] if self.stage <= 4 else params["extra_pages"][self.stage - 5]
            self.page = http.post(url, {**answers, "action": "next", "csrf_token": csrf_token(self.page)},
                                  name=f"{self.name}: step", expect=200,
                                  shows=f"{base}/step/{self.stage + 1}" if self.stage < self.steps
                                  else f"{base}/review").text
        else:  # the review page came as the answer to the last step
            http.post(f"{base}/review", {"csrf_token": csrf_token(self.page)}, name=f"{self.name}: step",
                      goes_to="/done")
        self.stage = (self.stage + 1) % (self.steps + 2)


PER_PAGE = 5  # campaign questions on one page (one XLSForm group)


def extra_questions_form(count: int) -> tuple[bytes, list[dict[str, Any]]]:
    """An XLSForm of ``count`` optional questions of every kind, ``PER_PAGE`` to a group, some shown only after a
    core or an earlier answer, and what a teacher answers on each of its pages (everything shown, within the
    constraints): select_one, select_multiple (relevant on the core ``ai_use``), integer (with a constraint),
    decimal, text (relevant on a choice of the select_multiple)."""
    import io

    import openpyxl

    langs = ("label::Kazakh (kk)", "label::Russian (ru)")
    survey = [["type", "name", *langs, "relevant", "constraint"]]
    answers: list[dict[str, Any]] = []
    for number in range(count):
        if number % PER_PAGE == 0:
            if number:
                survey.append(["end_group", "", "", "", "", ""])
            survey.append(["begin_group", f"bench_{number // PER_PAGE + 1}", f"Бет {number // PER_PAGE + 1}",
                           f"Страница {number // PER_PAGE + 1}", "", ""])
            answers.append({})
        name = f"q{number + 1}"
        kind = number % PER_PAGE
        row, answer = {
            0: (["select_one bench_level", "", ""], "mid"),
            1: (["select_multiple bench_tools", "${ai_use} = 'true'", ""], ["a", "c"]),
            2: (["integer", "", ". >= 0 and . <= 100"], "12"),
            3: (["decimal", "", ". >= 0"], "2.5"),
            4: (["text", f"selected(${{q{number - 2}}}, 'a')", "string-length(.) <= 200"], "Жақсы"),
        }[kind]
        survey.append([row[0], name, f"Сұрақ {number + 1}", f"Вопрос {number + 1}", row[1], row[2]])
        answers[-1][name] = answer
    if count:
        survey.append(["end_group", "", "", "", "", ""])
    choices = [["list_name", "name", *langs]]
    choices += [["bench_level", code, text, text] for code, text in (("low", "1"), ("mid", "2"), ("high", "3"))]
    choices += [["bench_tools", code, code.upper(), code.upper()] for code in ("a", "b", "c")]
    book = openpyxl.Workbook()
    book.active.title = "survey"
    for row in survey:
        book.active.append(row)
    sheet = book.create_sheet("choices")
    for row in choices:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), answers


def ask_extra_questions(campaign, count: int) -> list[dict[str, Any]]:
    """Make ``campaign`` ask ``count`` questions of its own (none: the core questions only) through the same upload
    as the console's; returns each extra page's answers. bench/load.py restores the campaign's questions after."""
    campaign.questions_version = None
    if not count:
        return []
    from survey.campaigns.questions import upload_questions

    data, answers = extra_questions_form(count)
    upload_questions(campaign, data, f"bench-{count}-questions.xlsx", by="cli")
    return answers


class BareInsertFlow(Flow):
    """The yardstick: one POST to bench/bare_app.py, which inserts one row."""

    name = "bare_insert"

    def prepare(self, app, users: int, extra_questions: int = 0) -> list[dict[str, Any]]:
        return [{} for _ in range(users)]

    def step(self, http: Http, params: dict[str, Any]) -> None:
        http.post("/insert", {"payload": "x"}, name=f"{self.name}: step", expect=204)


FLOWS: dict[str, type[Flow]] = {flow.name: flow for flow in (QuestionnaireFlow, DirectorReportFlow, BareInsertFlow)}
