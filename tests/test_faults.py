"""Faults: the database going away in the middle of a request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import has_request_context
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.campaigns.services import ensure_access_links
from survey.extensions import db
from survey.models import AccessLink, Response, ResponseSubject
from tests.test_questionnaire import BIRTH, EMPLOYMENT, csrf, start


@pytest.fixture
def link(make_org, make_campaign):
    org = make_org(name_kk="№1 мектеп", name_ru="Школа №1")
    campaign = make_campaign()
    ensure_access_links(campaign)
    return db.session.scalar(sa.select(AccessLink).where(AccessLink.organization_id == org.id))


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
                        data={"csrf_token": csrf(page), **EMPLOYMENT, "action": "next"})
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
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    response = db.session.scalars(sa.select(Response)).one()
    assert (response.teaching_hours, response.languages) == (20, "kk;ru")
