"""Faults: the database going away in the middle of a request."""

from __future__ import annotations

import re

from flask import has_request_context
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import Response, ResponseSubject
from tests.pages import csrf_from
from tests.test_questionnaire import BIRTH, EMPLOYMENT, link, start  # noqa: F401  (link: a fixture)


def test_database_gone_during_a_step_keeps_the_answers_and_writes_nothing(client, link, make_iin_for, monkeypatch):
    start(client, link, make_iin_for(BIRTH, "f"), lang="ru")
    page = client.get(f"/q/{link.token}/step/1")
    real_commit = Session.commit

    def broken_commit(self):
        if has_request_context():  # only the request's commit fails, not the test's own
            raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
        return real_commit(self)

    monkeypatch.setattr(Session, "commit", broken_commit)
    reply = client.open(f"/q/{link.token}/step/1", method="POST",
                        data={"csrf_token": csrf_from(page), **EMPLOYMENT, "action": "next"})
    monkeypatch.setattr(Session, "commit", real_commit)
    body = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert "не удалось сохранить" in body.lower() or "could not save" in body.lower()
    # what was typed is in the page, ready to be sent again
    assert 'name="teaching_hours" value="20"' in body and 'name="subjects-1-subject" value="algebra"' in body
    assert 'name="languages" value="kk"' in body and 'name="languages" value="ru"' in body
    # nothing half-written: the draft still has no employment answers and no subject rows
    response = db.session.scalars(sa.select(Response)).one()
    assert response.teaching_hours is None and response.post is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResponseSubject)) == 0
    # sending it again once the database is back saves everything
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body)
    data = {}
    for key, value in fields:
        data.setdefault(key, []).append(value)
    data["csrf_token"] = [token]
    again = client.post(f"/q/{link.token}/step/1", data=data)
    assert again.status_code == 200 and f'data-page-url="/q/{link.token}/step/2"' in again.get_data(as_text=True)
    response = db.session.scalars(sa.select(Response)).one()
    assert (response.teaching_hours, response.languages) == (20, "kk;ru")


def test_two_staff_editing_one_response_at_once_keep_both_versions(app, runner, tmp_path):
    """Two paper imports change the same response at the same moment: both changes land, one after the other,
    and the history keeps each earlier state (SQLite serializes writers itself; PostgreSQL needs the row lock)."""
    import threading

    import openpyxl

    from survey.models import Campaign, Organization, ResponseVersion
    from survey.concurrency import commit_with_retry
    from survey.questionnaire.paper import import_responses

    assert runner.invoke(args=["survey", "demo"]).exit_code == 0
    org_bin = db.session.scalar(sa.select(Organization.bin).join(Response, Response.organization_id == Organization.id)
                                .order_by(Organization.id).limit(1))
    flat = tmp_path / "flat.xlsx"
    assert runner.invoke(args=["survey", "export", "responses", "--campaign", "ALMATY-2026", "--headers", "codes",
                               "--layout", "flat", "--org", org_bin, "--out", str(flat)]).exit_code == 0

    def one_response_file(name: str, column: str, value) -> tuple[str, bytes]:
        """The export cut to its first response, with one answer changed."""
        workbook = openpyxl.load_workbook(flat)
        sheet = workbook.active
        sheet.delete_rows(3, sheet.max_row)
        headers = [cell.value for cell in sheet[1]]
        sheet.cell(row=2, column=headers.index(column) + 1, value=value)
        path = tmp_path / f"{name}.xlsx"
        workbook.save(path)
        return sheet.cell(row=2, column=headers.index("person_key") + 1).value, path.read_bytes()

    key, first = one_response_file("a", "pd_hours_3y", 240)
    _, second = one_response_file("b", "satisfaction", 1)
    campaign_id = db.session.scalar(sa.select(Campaign.id).where(Campaign.code == "ALMATY-2026"))
    before = db.session.scalar(sa.select(Response).where(Response.person_key == key,
                                                        Response.campaign_id == campaign_id))
    original = (before.pd_hours_3y, before.satisfaction)
    assert original[0] != 240 and original[1] != 1
    db.session.commit()
    barrier = threading.Barrier(2)
    failures = []

    def edit(data: bytes) -> None:
        with app.app_context():
            try:
                campaign = db.session.get(Campaign, campaign_id)
                barrier.wait(timeout=10)
                commit_with_retry(lambda: import_responses(campaign, data, "edit.xlsx"))  # what the command does
            except Exception as exc:  # noqa: BLE001 — any failure is reported by the assertion below
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=edit, args=(data,)) for data in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    db.session.expire_all()
    response = db.session.scalar(sa.select(Response).where(Response.person_key == key,
                                                          Response.campaign_id == campaign_id))
    versions = db.session.scalars(sa.select(ResponseVersion).where(ResponseVersion.response_id == response.id)
                                  .order_by(ResponseVersion.version)).all()
    assert [v.version for v in versions] == [1, 2] and response.version == 3
    # each file carries the whole response: the later edit is the current state, the earlier one is version 2's
    # snapshot, the state before both is version 1's; no edit was lost or refused
    edit_a, edit_b = (240, original[1]), (original[0], 1)
    later = (response.pd_hours_3y, response.satisfaction)
    earlier = (versions[1].snapshot["pd_hours_3y"], versions[1].snapshot["satisfaction"])
    assert {later, earlier} == {edit_a, edit_b}
    assert (versions[0].snapshot["pd_hours_3y"], versions[0].snapshot["satisfaction"]) == original


WORKER = """
import os, sys
from survey import create_app
from survey.reports.jobs import run_job
app = create_app({"SECRET_KEY": "s", "IIN_HASH_KEY": "test-iin-hash-key", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "EXPORT_DIR": sys.argv[3]})
with app.app_context():
    run_job(int(sys.argv[2]))
"""


def test_a_worker_killed_during_an_export_leaves_a_failed_job_that_can_be_retried(
        app, runner, database_url, tmp_path, make_user):
    """A real worker process is killed (SIGKILL) in the middle of a raw export: the job does not stay "running"
    for ever; once its heartbeat is stale it is failed with a reason, and a retry completes it."""
    import datetime as dt
    import os
    import signal
    import subprocess
    import sys
    import time

    from survey.codebook import JobStatus
    from survey.models import ExportJob
    from survey.models.base import utcnow
    from survey.reports import jobs

    assert runner.invoke(args=["survey", "demo", "--orgs", "40", "--teachers", "12000", "--seed", "4"]).exit_code == 0
    admin = make_user("national_admin")
    job = jobs.create_job("responses", {"campaign": "SYN-4", "lang": "ru", "headers": "labels"}, admin)
    db.session.commit()
    app.config["EXPORT_DIR"] = str(tmp_path)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, database_url, str(job.id), str(tmp_path)],
                              cwd=os.path.dirname(os.path.dirname(__file__)), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(ExportJob, job.id).status == JobStatus.RUNNING:
            break
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)  # the worker dies mid-export
    worker.wait(timeout=30)
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.status == JobStatus.RUNNING  # what a dead worker leaves behind

    assert jobs.fail_abandoned(now=utcnow()) == 0  # a job that was alive moments ago is not failed too early
    assert jobs.fail_abandoned(now=utcnow() + jobs.abandoned_after() + dt.timedelta(seconds=1)) == 1
    db.session.commit()
    assert job.status == JobStatus.FAILED and "Повторите" in job.error
    jobs.retry_job(job)
    db.session.commit()
    jobs.run_job(job.id)
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.status == JobStatus.DONE and job.row_count and job.row_count >= 12000
    assert jobs.is_downloadable(job)
