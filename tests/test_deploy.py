"""The production deployment of deploy/, end to end (issue 19): two app servers (gunicorn as survey-web@.service
starts it, SURVEY_ENV=production, each with its own EXPORT_DIR) and the export worker (survey-worker@.service)
on PostgreSQL and Redis, driven over HTTP as a browser behind nginx would be; then nginx itself in front of them
(deploy/nginx-survey.conf, TLS), where nginx is installed (.ci/run installs it).

The app servers use the test database, which the suite's session fixture migrated with the project's Alembic
migrations (the README's `flask db upgrade`, run here again, finds nothing to do). The data are committed by the
test; the servers and the worker are stopped by the fixture before the suite's per-test cleanup deletes the rows
(and, through migration 0006's trigger, their large objects). Each run has Redis keys and an RQ queue of its own
(REDIS_PREFIX), so that runs of other branches on the same Redis never meet it.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from survey.codebook import ResponseStatus
from survey.extensions import db
from survey.models import AuditEvent, Organization, Response
from tests.conftest import TEST_HASH_KEY
from tests.deployment import DEPLOY, ROOT, Browser, Deployment, delete_redis_keys, env_file, free_port, unit_service
from tests.test_worker import REDIS_URL, redis_or_skip

CAMPAIGN, ORGS, TEACHERS = "SYN-7", 12, 3000
ABANDONED_SECONDS = 6  # a killed worker's job is failed this long after its last heartbeat


@pytest.fixture
def deployment(app, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("the production deployment runs on PostgreSQL and Redis; this run is on SQLite "
                    "(DATABASE_URL=postgresql+psycopg://… runs it, as .ci/run does)")
    server = redis_or_skip()
    prefix = f"e2e-{uuid.uuid4().hex[:12]}"
    recipe = env_file()
    assert recipe["SURVEY_ENV"] == "production" and recipe["TRUSTED_PROXIES"] == "1"
    env = {**{k: v for k, v in os.environ.items() if k not in recipe}, **recipe,
           # the secrets and addresses a person fills in, and this run's own Redis prefix
           "SECRET_KEY": secrets.token_hex(32), "IIN_HASH_KEY": TEST_HASH_KEY, "DATABASE_URL": database_url,
           "REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix, "BIND_HOST": "127.0.0.1",
           # small for a shared test machine, and a short wait for a dead worker's job
           "WEB_CONCURRENCY": "1", "EXPORT_ABANDONED_SECONDS": str(ABANDONED_SECONDS), "PYTHONUNBUFFERED": "1"}
    deployment = Deployment(env, tmp_path)
    yield deployment
    deployment.stop()
    delete_redis_keys(server, prefix)


def _empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def test_two_app_servers_and_a_worker_serve_exports_and_survive_a_killed_worker(app, runner, make_user,
                                                                                deployment, tmp_path):
    assert runner.invoke(args=["survey", "demo", "--orgs", str(ORGS), "--teachers", str(TEACHERS),
                               "--seed", "7"]).exit_code == 0
    make_user("national_admin", email="admin@example.kz", password="a-long-admin-password")
    db.session.commit()
    upgrade = deployment.run("db", "upgrade")  # the README's step: the schema is already there
    assert upgrade.returncode == 0, upgrade.stderr
    dirs = {name: tmp_path / name for name in ("a", "b", "w1", "w2")}
    server_a, server_b = deployment.start_web(a=dirs["a"], b=dirs["b"])
    on_a = Browser(server_a)
    on_a.sign_in("admin@example.kz", "a-long-admin-password")
    on_b = on_a.on(server_b)  # the same browser; its requests now land on B
    assert on_b.get("/reports/").status == 200  # signed in on A, known on B: the session is the cookie
    # behind the proxy (TRUSTED_PROXIES=1) the app sees the person's address, not the proxy's
    assert db.session.scalar(sa.select(AuditEvent.ip).where(AuditEvent.action == "auth.sign_in")) == "203.0.113.7"

    # a national workbook requested on A waits: no worker yet, and /healthz says so
    profiles = on_a.request_export(kind="profiles", campaign=CAMPAIGN)
    assert on_b.job(profiles)["status"] == "queued"
    health = Browser(server_b).get("/healthz")
    assert health.status == 503, health.text
    assert health.json()["exports"]["queued"] == 1 and health.json()["exports"]["workers"] == 0

    deployment.start_worker("w1", dirs["w1"])
    seen = on_b.wait_for_job(profiles, seconds=300)  # watched on B
    assert seen[0]["status"] == "queued" and seen[-1]["status"] == "done", (seen, deployment.logs())
    health = Browser(server_a).get("/healthz")
    assert health.status == 200 and health.json()["exports"]["workers"] == 1, health.text
    download = on_b.get(seen[-1]["download"])  # downloaded from B, which never saw the file
    assert download.status == 200 and download.headers["Cache-Control"] == "no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    assert int(download.headers["Content-Length"]) == len(download.body)
    book = load_workbook(io.BytesIO(download.body))
    table = list(book["Организации"].iter_rows(values_only=True))
    bins = set(db.session.scalars(sa.select(Organization.bin)))
    assert {row[0] for row in table[1:-1]} == bins and len(bins) == ORGS and table[-1][0] == "Итого"
    assert all(_empty(folder) for folder in dirs.values())  # the file is in PostgreSQL, on no server's disk

    # a raw export; its worker is killed in the middle (frozen first, so that "the middle" is certain)
    raw = on_a.request_export(kind="responses", campaign=CAMPAIGN)
    running = on_b.wait_for_job(raw, until=("running", "done", "failed"), seconds=300, every=0.05)[-1]
    deployment.kill("w1", signal.SIGSTOP)
    assert running["status"] == "running", (running, deployment.logs())
    frozen = on_b.job(raw)
    assert frozen["status"] == "running" and frozen["progress"] < 100, frozen
    deployment.kill("w1", signal.SIGKILL)
    started = time.monotonic()
    failed = on_b.wait_for_job(raw, until=("failed", "done"), seconds=120, every=0.5)[-1]
    assert failed["status"] == "failed" and "Повторите" in failed["error"], failed  # its reason, in Russian
    assert time.monotonic() - started < ABANDONED_SECONDS + 60

    deployment.start_worker("w2", dirs["w2"])
    job_page = on_b.get(f"/reports/jobs/{raw}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', job_page.text).group(1)
    assert on_b.post(f"/reports/jobs/{raw}/retry", {"csrf_token": token}).status == 302
    done = on_b.wait_for_job(raw, seconds=600)[-1]
    assert done["status"] == "done", (done, deployment.logs())
    download = on_b.get(done["download"])
    assert download.status == 200
    path = tmp_path / "raw.xlsx"
    path.write_bytes(download.body)
    responses = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Ответы").to_python()
    submitted = db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(
        Response.status == ResponseStatus.SUBMITTED))
    assert len(responses) - 1 == submitted >= TEACHERS * 0.9
    assert all(_empty(folder) for folder in dirs.values() if folder.name != "w1")  # w1 died holding its half file


def test_the_units_are_valid_systemd_units():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for template, instance in (("survey-web@.service", "8000"), ("survey-worker@.service", "1")):
            text = (DEPLOY / template).read_text().replace("/srv/survey/.venv/bin/", f"{Path(sys.executable).parent}/")
            (Path(folder) / template.replace("@.", f"@{instance}.")).write_text(text)
        check = subprocess.run([analyze, "verify", *map(str, Path(folder).iterdir())], capture_output=True, text=True)
    assert check.returncode == 0 and check.stderr.strip() == "" and check.stdout.strip() == "", check.stderr


def test_the_recipe_agrees_with_the_app_settings():
    """nginx's limits and timeouts follow the app's: the body limit is MAX_UPLOAD_MB plus 1 MB (the app answers an
    upload just over its limit itself, translated), and nginx waits longer than gunicorn's timeout."""
    from survey.config import defaults

    nginx = (DEPLOY / "nginx-survey.conf").read_text()
    recipe = env_file()
    assert int(recipe["MAX_UPLOAD_MB"]) * 1024 * 1024 == defaults()["MAX_CONTENT_LENGTH"]
    assert re.search(r"client_max_body_size (\d+)m;", nginx).group(1) == str(int(recipe["MAX_UPLOAD_MB"]) + 1)
    gunicorn: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), gunicorn)
    assert int(re.search(r"proxy_read_timeout (\d+)s;", nginx).group(1)) > gunicorn["timeout"]
    stop = int(unit_service("survey-web@.service")["TimeoutStopSec"][0])
    assert gunicorn["graceful_timeout"] < stop
    static = re.search(r"location /static/ \{\s*alias (\S+);", nginx).group(1)
    assert static == "/srv/survey/survey/static/" and (ROOT / "survey" / "static" / "survey.css").exists()
    assert "X-Forwarded-Proto $scheme" in nginx and "X-Forwarded-For $proxy_add_x_forwarded_for" in nginx


def _nginx_config(site: str, tmp_path: Path, ports: dict[str, int], servers: list[str]) -> Path:
    """The site of deploy/ with this machine's paths, ports and a self-signed certificate, in a minimal nginx.conf."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=survey.example.kz", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    site = re.sub(r"(upstream survey_app \{)[^}]*\}",
                  lambda m: m.group(1) + "".join(f"\n    server {s};" for s in servers) + "\n}", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{ports['http']};").replace("listen [::]:80;", "")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;")
    site = site.replace("listen [::]:443 ssl http2;", "")
    site = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {tmp_path / 'cert.pem'};", site)
    site = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};", site)
    site = site.replace("/srv/survey/", f"{ROOT}/")
    (tmp_path / "site.conf").write_text(site)
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / folder).mkdir()
    user = "root" if os.geteuid() == 0 else ""
    config = tmp_path / "nginx.conf"
    config.write_text(f"""
{"user root;" if user else ""}
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/nginx-access.log;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
""")
    return config


def _https(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    import http.client

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the test's own self-signed certificate
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
    # as a browser at the site's name: the Host, and for a form the page it came from (Flask-WTF checks it)
    headers = {"Host": "survey.example.kz", "Referer": "https://survey.example.kz/auth/sign-in", **(headers or {})}
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read()
    finally:
        connection.close()


def test_nginx_in_front_of_two_app_servers(app, make_user, deployment, tmp_path):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if nginx is None:
        pytest.skip("nginx is not installed (.ci/run installs Debian's nginx-light)")
    make_user("national_admin", email="admin@example.kz", password="a-long-admin-password")
    db.session.commit()
    servers = [base.removeprefix("http://") for base in deployment.start_web(a=tmp_path / "a", b=tmp_path / "b")]
    ports = {"http": free_port(), "https": free_port()}
    config = _nginx_config((DEPLOY / "nginx-survey.conf").read_text(), tmp_path, ports, servers)
    check = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proxy = subprocess.Popen([nginx, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, _ = _https(ports["https"], "GET", "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and proxy.poll() is None, (tmp_path / "nginx-error.log").read_text()
                time.sleep(0.2)
        assert status == 200 and headers["Strict-Transport-Security"]
        import http.client

        plain = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=10)
        plain.request("GET", "/reports/", headers={"Host": "survey.example.kz"})
        moved = plain.getresponse()
        assert moved.status == 301 and moved.headers["Location"] == "https://survey.example.kz/reports/"
        plain.close()
        # static files come from the disk through nginx (cached an hour), not from the app (no-cache)
        status, headers, body = _https(ports["https"], "GET", "/static/survey.css")
        assert status == 200 and body == (ROOT / "survey" / "static" / "survey.css").read_bytes()
        assert headers["Cache-Control"] == "max-age=3600" and headers["X-Content-Type-Options"] == "nosniff"
        # signing in over TLS: the Secure session cookie comes back, and works on whichever server answers
        forged = {"X-Forwarded-For": "198.51.100.99"}  # sent by the client: nginx appends the real address
        status, headers, body = _https(ports["https"], "GET", "/auth/sign-in", headers=forged)
        (set_cookie,) = headers.get_all("Set-Cookie")
        cookie = set_cookie.split(";")[0]
        assert "Secure" in set_cookie and "HttpOnly" in set_cookie
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
        form = f"csrf_token={token}&email=admin%40example.kz&password=a-long-admin-password".encode()
        status, headers, _ = _https(ports["https"], "POST", "/auth/sign-in", form, {
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", **forged})
        assert status == 302 and headers["Location"].startswith("/"), headers
        cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith("session=")).split(";")[0]
        for _ in range(4):  # round robin over A and B
            assert _https(ports["https"], "GET", "/reports/", headers={"Cookie": cookie, **forged})[0] == 200
        # the address that counts (rate limits, the audit log) is the one nginx saw, not the forged one
        assert db.session.scalar(sa.select(AuditEvent.ip).where(AuditEvent.action == "auth.sign_in")) == "127.0.0.1"
        # a body over nginx's limit (MAX_UPLOAD_MB + 1 MB) is refused by nginx before it reaches an app server
        status, _, body = _https(ports["https"], "POST", "/auth/sign-in", b"x" * (22 * 1024 * 1024),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 413 and b"nginx" in body
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
