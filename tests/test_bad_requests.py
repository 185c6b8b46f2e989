"""Requests no form of the app sends, found by the searches of test_bad_input.py and by hand: NUL characters,
numbers and ids that no column holds, control characters in a next address, a multipart part without a name, a
Host header no URL can be built with. Each gets a clear 4xx page and stores nothing, never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import User
from tests.test_bad_input import REGISTRY_HEADER, _upload, admin, counts, token  # noqa: F401  (admin, token: fixtures)


# --- regressions found by the searches above ------------------------------------------------------------------

NUL_REQUESTS = [
    pytest.param("/admin/campaigns/new", {"code": "K1", "title_kk": "Сауалнама\x00", "title_ru": "Анкета",
                                          "census_date": "2026-11-01", "levels": ["school"]}, id="campaign-title"),
    pytest.param("/admin/users/invite", {"email": "a@example.kz", "full_name": "Ахмет\x00", "role": "national_admin",
                                         "region_id": "0", "district_id": "0", "org_bin": ""}, id="invite-name"),
    pytest.param("/admin/organizations?q=%00", None, id="search"),
    pytest.param("/director/K%00/", None, id="address"),
]


@pytest.mark.parametrize(("url", "data"), NUL_REQUESTS)
def test_a_nul_character_is_refused_with_a_reason(client, token, url, data):
    """PostgreSQL cannot store U+0000: such requests used to fail in the database with a 500."""
    before = counts()
    answer = client.post(url, data={"csrf_token": token, **data}) if data else client.get(url)
    assert answer.status_code == 400
    assert "control character (NUL)" in answer.get_data(as_text=True)
    assert counts() == before


def test_a_nul_character_in_sign_in_or_a_file_name(client, csrf_token, make_user):
    make_user("national_admin", email="boss@example.kz")
    token = csrf_token()
    answer = client.post("/auth/sign-in", data={"csrf_token": token, "email": "boss@example.kz\x00",
                                                "password": "x"})
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_registry_file_name_with_a_nul(client, token):
    data = f"{REGISTRY_HEADER}\n".encode()
    answer = _upload(client, "/admin/registry/upload", token, data, "list\x00.csv")
    assert answer.status_code == 400


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-1", "1e3", "٣"])
def test_numbers_in_addresses_that_no_column_holds(client, admin, value):
    """A 20-digit id overflowed PostgreSQL's integer; "²".isdigit() is true but int("²") fails: both were 500s."""
    for url in ("/admin/organizations", "/admin/progress", "/admin/audit"):
        answer = client.get(url, query_string={"region": value, "district": value, "page": value})
        assert answer.status_code == 200, url


def test_an_id_that_no_column_holds_in_the_user_form(client, token):
    answer = client.post("/admin/users/invite", data={
        "csrf_token": token, "email": "a@example.kz", "role": "region_admin", "region_id": "9" * 20,
        "district_id": "0", "org_bin": ""})
    assert answer.status_code == 422
    assert counts()["users"] == 1


# --- garbage HTTP (issue 14, item 19) -----------------------------------------------------------------------------

BEYOND_AN_ID = ["9223372036854775808", "18446744073709551616", "9" * 30, "2147483648"]


def _int_routes(app):
    """Every route with an <int:…> part, its other parts filled with values that fit them."""
    from werkzeug.routing.converters import AnyConverter, IntegerConverter

    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        yield rule, {name: (sorted(c.items)[0] if isinstance(c, AnyConverter) else "KZ26")
                     for name, c in rule._converters.items() if not isinstance(c, IntegerConverter)}


def test_ids_beyond_64_bits_are_no_page(app, client, token):
    """/integrity/flags/9223372036854775808 overflowed SQLite's integer (a 500), and past 2**31 PostgreSQL's (a
    503): every <int:…> route of the app, with every method it takes, answers 404 for an id no id column holds (405
    for a POST where werkzeug met the GET route of the same address first)."""
    checked = 0
    for rule, others in _int_routes(app):
        for value in BEYOND_AN_ID:
            values = {**others, **{name: value for name in rule.arguments if name not in others}}
            url = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                answer = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
                assert answer.status_code in ((404,) if method == "GET" else (404, 405)), (method, url, answer)
                checked += 1
    assert checked >= 4 * 10  # the sweep found the routes (flags, organizations, users, jobs, …)
    assert client.get("/integrity/flags/2147483647").status_code == 404  # the largest id: looked up, not found
    assert counts()["users"] == 1


@pytest.mark.parametrize("target", ["/%0D%0AX", "/%0aSet-Cookie:x=1", "/admin%09", "/%7F", "%0D%0A/admin"])
def test_a_next_address_with_control_characters_goes_to_the_default_page(client, target):
    """/lang/ru?next=/%0D%0AX put a CR/LF into the Location header: werkzeug refused it with a 500."""
    answer = client.get(f"/lang/ru?next={target}")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert client.get("/lang/ru?next=/admin/users").headers["Location"] == "/admin/users"  # a clean path still goes


def test_a_multipart_part_without_a_name_is_a_bad_request(client, token):
    """werkzeug files a part without a name under the key None; the CSRF check then failed on None.endswith."""
    before = counts()
    body = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--B\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--B--\r\n').encode()
    for url in ("/admin/registry/upload", "/auth/sign-in", "/admin/users/invite"):
        answer = client.post(url, data=body, content_type="multipart/form-data; boundary=B")
        assert answer.status_code == 400, (url, answer.status_code)
        assert "could not be understood" in answer.get_data(as_text=True)
    assert counts() == before
    named = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
             f'--B\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n\r\n'
             f'{REGISTRY_HEADER}\r\n--B--\r\n').encode()
    assert client.post("/admin/registry/upload", data=named,
                       content_type="multipart/form-data; boundary=B").status_code == 422  # named parts are read


@pytest.mark.parametrize("host", ["a" * 300, "a" * 64 + ".example.kz"])
def test_a_host_header_no_url_can_be_built_with_is_a_400_page(client, host):
    """A 300-character Host made werkzeug refuse to bind the URL map (400), and the error page then failed in
    url_for (a 500)."""
    answer = client.get("/admin/users", headers={"Host": host, "Accept-Language": "ru"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Запрос не удалось понять" in html and 'href="/static/survey.css' in html
    assert client.get("/", headers={"Host": "survey.example.kz"}).status_code == 200
