"""Sweeps over every route of the app, so that routes added later are covered without new tests.

- Every state-changing route refuses a request without a CSRF token, or with a wrong one (400, friendly page).
"""

from __future__ import annotations

import pytest

from survey import create_app

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _sample_value(converter):
    """A value that the route's converter accepts: 1 for ids, the first choice of an ``any(...)``, else text."""
    name = type(converter).__name__
    if name == "IntegerConverter":
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
