"""Sweeps over every route of the app, so that routes added later are covered without new tests.

- Every state-changing route refuses a request without a CSRF token, or with a wrong one (400, friendly page).
"""

from __future__ import annotations

import pytest

from survey import create_app

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _sample_value(converter):
    """A value that the route's converter accepts: 1 for ids, the first choice of an ``any(...)``, else text."""
    from werkzeug.routing.converters import IntegerConverter

    name = type(converter).__name__
    if isinstance(converter, IntegerConverter):  # the app's "int" is a subclass (auth.security)
        return 1
    if name == "AnyConverter":
        return sorted(converter.items)[0]
    return "X"


def _routes():
    app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        methods = sorted(STATE_CHANGING & set(rule.methods or ()))
        if not methods or rule.endpoint == "static":
            continue
        values = {arg: _sample_value(rule._converters[arg]) for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in methods:
            found.append(pytest.param(method, url, id=f"{method} {rule.rule}"))
    return found


ROUTES = _routes()


def test_there_are_state_changing_routes_to_sweep():
    assert len(ROUTES) >= 7


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_missing_or_wrong_csrf_token_is_refused(client, login, make_user, make_org, method, url):
    login(make_user("national_admin"))
    missing = client.open(url, method=method, data={"anything": "1"})
    assert missing.status_code == 400
    assert "This form has expired" in missing.get_data(as_text=True)
    wrong = client.open(url, method=method, data={"csrf_token": "forged", "anything": "1"})
    assert wrong.status_code == 400


PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SKIP_GET = {"static", "main.switch_language", "auth.accept_invitation", "auth.reset_password"}


def _get_routes():
    app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule.endpoint, rule.rule, tuple(sorted(rule.arguments))) for rule in app.url_map.iter_rules()
                  if "GET" in (rule.methods or ()) and rule.endpoint not in SKIP_GET)


@pytest.fixture
def hostile_data(app, make_org, make_campaign, make_user, make_iin_for, make_response):
    """Every free-text field that pages show, filled with markup."""
    import datetime as dt
    from survey.extensions import db
    from survey.models import OrgReport, RosterEntry

    org = make_org(region=f"Регион {PAYLOAD}", district=f"Район {PAYLOAD}", name_ru=f"Школа {PAYLOAD}",
                   name_kk=f"Мектеп {PAYLOAD}", address=PAYLOAD)
    campaign = make_campaign(code="XSS")
    campaign.title_kk = campaign.title_ru = f"Анкета {PAYLOAD}"
    director = make_user("director", organization=org)
    director.full_name = PAYLOAD
    admin = make_user("national_admin")
    admin.full_name = PAYLOAD
    response = make_response(campaign, org, iin=make_iin_for(dt.date(1985, 1, 1), "f"), last_name=PAYLOAD,
                             first_name=PAYLOAD, middle_name=PAYLOAD, specialty=PAYLOAD)
    key = response.person_key
    db.session.add(RosterEntry(campaign_id=campaign.id, organization_id=org.id, person_key=key,
                               birth_date=dt.date(1985, 1, 1), sex="f", last_name=PAYLOAD, first_name=PAYLOAD))
    db.session.add(OrgReport(campaign_id=campaign.id, organization_id=org.id, pupils=10, digital_lead_name=PAYLOAD,
                             digital_lead_post=PAYLOAD, digital_lead_contact=PAYLOAD))
    db.session.flush()
    values = {"code": campaign.code, "organization_id": org.id, "campaign_id": campaign.id,
              "user_id": director.id, "response_id": response.id, "region_id": org.district.region_id,
              "district_id": org.district_id}
    return director, admin, values


@pytest.mark.parametrize("role", ["national_admin", "director"])
def test_markup_in_every_text_field_is_escaped_on_every_page(client, login, hostile_data, role):
    from flask import url_for

    director, admin, values = hostile_data
    login(admin if role == "national_admin" else director)
    visited = escaped = 0
    for endpoint, rule, arguments in _get_routes():
        if any(arg not in values for arg in arguments):
            continue
        with client.application.test_request_context():
            url = url_for(endpoint, **{arg: values[arg] for arg in arguments})
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or not response.mimetype.startswith("text/"):
            continue
        visited += 1
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
        escaped += "&lt;script&gt;alert" in body
    assert visited >= 5
    assert escaped >= 3  # the markup was really shown (escaped), not merely absent
