"""The README's production recipe for one machine, run as it is written (issue 19: "following the README's production
section word for word … an administrator downloads the national workbook").

The shell block of README.md's "### On one machine" is read from the file and run by bash (``-e``: the first command
that fails fails the test) in a fresh copy of the project's tracked files as they are on disk (so an edited README is
tried before it is committed; no ``instance/``, no compiled catalogs, no virtualenv). Then, as the text under the
block says, the administrator signs in on the app server over plain HTTP (no nginx on one machine), asks /reports/
for "Staffing profiles" of the campaign with no region or district, follows the job, downloads the workbook and this
test reads it back.

What a shared test machine needs is changed in the block, each change asserted to apply exactly once (a README that
no longer says it fails here, to be looked at): the database ``survey`` becomes a database of this run, dropped
afterwards, and port 8000 a free port. The environment adds what the block's settings file leaves to the
environment: ``REDIS_PREFIX`` of this run (its Redis keys and export queue are its own, deleted afterwards) and
``WEB_CONCURRENCY=1``. ``create-user``'s hidden prompt is answered on standard input (bash runs in a session of its
own, without a terminal, so the prompt reads it).

``make install translations`` must not reach the network: the copy's ``.venv`` is a folder of links to this
interpreter's virtualenv (bin, lib, pyvenv.cfg …) with a ``.installed`` mark of its own newer than the copy's
requirements, so make finds it installed and only compiles the catalogs into the copy. The app's code is the
copy's (``flask --app wsgi`` and ``gunicorn wsgi:app`` import it from the working directory).

Needs PostgreSQL on 127.0.0.1:5432 (role ``postgres``, as the block says) and Redis on 127.0.0.1:6379 (as
``.ci/run`` starts them), and runs in the suite's PostgreSQL run, like tests/test_deploy.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.deployment import ROOT, Browser, delete_redis_keys, free_port
from tests.test_worker import redis_or_skip

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "readme-admin-password-2026"


def readme_block(readme: Path) -> str:
    """The first ```sh block after the heading "### On one machine"."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("\n### On one machine\n", 1)
    assert len(section) == 2, "README.md has no section '### On one machine'"
    match = re.search(r"^```sh\n(.*?)^```$", section[1], re.S | re.M)
    assert match, "the section '### On one machine' has no ```sh block"
    return match.group(1)


def adapted(block: str, database: str, port: int) -> str:
    """The block with this run's database and port; each change must apply exactly once."""
    for pattern, replacement, what in (
            (r"(127\.0\.0\.1:5432/)survey\b", rf"\g<1>{database}", "DATABASE_URL …/survey"),
            (r"^(createdb -h 127\.0\.0\.1 -U postgres )survey$", rf"\g<1>{database}", "createdb … survey"),
            (r"(\$BIND_HOST:)8000\b", rf"\g<1>{port}", "gunicorn --bind $BIND_HOST:8000")):
        block, count = re.subn(pattern, replacement, block, flags=re.M)
        assert count == 1, f"the README's block no longer has {what!r} once ({count} times):\n{block}"
    return block


def copy_of_project(target: Path) -> None:
    """The tracked files as they are on disk, and a virtualenv that make takes for installed (links to this one)."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listing.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted in the working tree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    venv = target / ".venv"
    venv.mkdir()
    for entry in Path(sys.prefix).iterdir():
        if not entry.name.startswith(".installed"):
            (venv / entry.name).symlink_to(entry)
    later = (target / "requirements.txt").stat().st_mtime + 1
    (venv / ".installed").touch()
    os.utime(venv / ".installed", (later, later))


def stop_group(pgid: int) -> None:
    """SIGTERM to what the block left running (gunicorn and the worker), SIGKILL to what is left after 40 s."""
    for sig, seconds in ((signal.SIGTERM, 40), (signal.SIGKILL, 10)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


@pytest.fixture
def machine(database_url, tmp_path):
    """PostgreSQL and Redis where the block expects them, a copy of the project, and the clean-up of the run."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the README's production recipe runs on PostgreSQL and Redis; this run is on SQLite "
                    "(DATABASE_URL=postgresql+psycopg://… runs it, as .ci/run does)")
    for tool in ("bash", "make", "git", "createdb"):
        if shutil.which(tool) is None:
            pytest.skip(f"the README's block needs {tool}, which is not installed")
    if sys.prefix == sys.base_prefix:
        pytest.skip("run from the project's virtualenv (make install-test): the copy reuses it")
    server = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        server.connect().close()
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL does not answer as the README's block reaches it ({SERVER_URL}): {exc}")
    redis = redis_or_skip()
    run = uuid.uuid4().hex[:10]
    copy = tmp_path / "project"
    copy.mkdir()
    copy_of_project(copy)
    state = {"copy": copy, "database": f"readme_{run}", "prefix": f"readme-{run}", "port": free_port(),
             "log": tmp_path / "block.log", "pgid": None}
    yield state
    if state["pgid"]:
        stop_group(state["pgid"])
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{state["database"]}" WITH (FORCE)'))
    server.dispose()
    delete_redis_keys(redis, state["prefix"])
    shutil.rmtree(copy, ignore_errors=True)


def _log(machine) -> str:
    return "\n".join(machine["log"].read_text(errors="replace").splitlines()[-60:])


def test_the_readme_recipe_on_one_machine_serves_the_national_workbook(machine):
    copy, port = machine["copy"], machine["port"]
    block = adapted(readme_block(copy / "README.md"), machine["database"], port)
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    env = {name: value for name, value in os.environ.items() if name in keep or name.startswith("PG")}
    env.update(REDIS_PREFIX=machine["prefix"], WEB_CONCURRENCY="1", PYTHONUNBUFFERED="1")
    answers = copy.parent / "answers"
    answers.write_text(f"{PASSWORD}\n{PASSWORD}\n")  # create-user's prompt: the password, then again
    with open(answers) as stdin, open(machine["log"], "wb") as log:
        bash = subprocess.Popen(["bash", "-e", "-x", "-c", block], cwd=copy, env=env, stdin=stdin, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    machine["pgid"] = bash.pid  # gunicorn and the worker, started with `&`, stay in bash's process group
    assert bash.wait(timeout=300) == 0, f"the README's block failed:\n{_log(machine)}"

    base = f"http://127.0.0.1:{port}"
    browser = Browser(base, proxied=False)  # on the machine itself, no nginx: plain HTTP to the loopback address
    deadline = time.monotonic() + 60
    health = None
    while time.monotonic() < deadline:  # until the app server answers and has seen the worker (or has no queue)
        try:
            health = browser.get("/healthz").json()
        except OSError:
            health = None
        if health and (health["exports"].get("runner") != "worker" or health["exports"].get("workers")):
            break
        time.sleep(0.3)
    assert health and health["status"] == "ok" and health["exports"]["runner"] == "worker" \
        and health["exports"]["workers"] == 1, (health, _log(machine))

    browser.sign_in("admin@example.kz", PASSWORD)
    page = browser.get("/reports/").text
    campaigns = re.findall(r'<option[^>]*value="([^"]+)"', re.search(r'<select[^>]*name="campaign".*?</select>',
                                                                       page, re.S).group(0))
    assert len(campaigns) == 1, campaigns  # the demo's one campaign
    started = time.monotonic()
    job = browser.request_export(kind="profiles", campaign=campaigns[0])  # no region, no district: national
    seen = browser.wait_for_job(job, seconds=120)
    assert seen[-1]["status"] == "done", (seen, _log(machine))
    workbook = copy.parent / "national.xlsx"
    download = browser.get(seen[-1]["download"], into=workbook)
    elapsed = time.monotonic() - started
    assert download.status == 200 and "attachment" in download.headers["Content-Disposition"]
    assert int(download.headers["Content-Length"]) == workbook.stat().st_size > 10_000
    assert f"run_job_in_worker({job})" in machine["log"].read_text(), _log(machine)  # the worker ran it

    book = load_workbook(workbook)
    table = list(book["Организации"].iter_rows(values_only=True))
    engine = sa.create_engine(SERVER_URL.rsplit("/", 1)[0] + "/" + machine["database"])
    with engine.connect() as connection:
        bins = set(connection.scalars(sa.text("SELECT bin FROM organizations")))
    engine.dispose()
    assert len(bins) == 32 and {row[0] for row in table[1:-1]} == bins and table[-1][0] == "Итого"
    print(f"request → download of the national workbook: {elapsed:.1f} s, {workbook.stat().st_size} bytes")
