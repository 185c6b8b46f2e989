"""The audit record lives with the act (issue 16, item 2): the service writes it, so an act done on the web and the
same act done on the command line leave the same record — only who did it differs."""

from __future__ import annotations

import sqlalchemy as sa

from survey.demo import make_bin
from survey.extensions import db
from survey.models import AuditEvent, Campaign

HEADER = "bin;name_ru;name_kk;level;ownership;region;district"


def last_event(action: str) -> AuditEvent:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id.desc())).first()


def what(event: AuditEvent, code: str | None = None) -> tuple:
    """The record without who made it: the act, what it touched, and its details (the campaign's code, which two
    campaigns cannot share, read as CODE)."""
    details = {key: ("CODE" if value == code else value) for key, value in event.details.items()}
    return event.action, event.target_type, details


def by_whom(event: AuditEvent) -> tuple:
    return event.user_id, event.actor


def registry_file(rng, region: str) -> bytes:
    rows = [f"{make_bin(rng)};Школа {n};;school;state;{region};Район {n}" for n in (1, 2)]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_each_audited_act_leaves_the_same_record_from_the_web_and_the_command_line(
        client, login, make_user, csrf_token, runner, tmp_path, rng):
    admin = make_user("national_admin", email="root@example.kz")
    login(admin)
    token = csrf_token("/admin/registry/upload")
    web, cli = "web", "cli"
    records: dict[str, dict[str, AuditEvent]] = {}

    # registry.import: two files of the same shape (two new schools each, in a region of their own)
    page = client.post("/admin/registry/upload", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (__import__("io").BytesIO(registry_file(rng, "Web")), "registry.csv")})
    assert page.status_code == 200
    records["registry.import"] = {web: last_event("registry.import")}
    path = tmp_path / "registry.csv"
    path.write_bytes(registry_file(rng, "Cli"))
    assert runner.invoke(args=["survey", "import-orgs", str(path)]).exit_code == 0
    records["registry.import"][cli] = last_event("registry.import")

    # campaign.create, .open, .close, .reopen, and integrity.run: one campaign made on each side, alike but its code
    codes = {web: "WEB-2026", cli: "CLI-2026"}
    assert client.post("/admin/campaigns/new", data={
        "csrf_token": token, "code": codes[web], "title_kk": "Санақ", "title_ru": "Перепись",
        "census_date": "2026-11-01", "levels": ["school"]}).status_code == 302
    records["campaign.create"] = {web: last_event("campaign.create")}
    assert runner.invoke(args=["survey", "create-campaign", "--code", codes[cli], "--title-kk", "Санақ",
                               "--title-ru", "Перепись", "--census-date", "2026-11-01",
                               "--levels", "school"]).exit_code == 0
    records["campaign.create"][cli] = last_event("campaign.create")
    campaign = {side: db.session.scalar(sa.select(Campaign).where(Campaign.code == code))
                for side, code in codes.items()}

    for action, step in (("campaign.open", "open"), ("campaign.close", "close"), ("campaign.reopen", "open")):
        assert client.post(f"/admin/campaigns/{campaign[web].id}/{step}",
                           data={"csrf_token": token}).status_code == 302
        records[action] = {web: last_event(action)}
        assert runner.invoke(args=["survey", "campaign", step, codes[cli]]).exit_code == 0
        records[action][cli] = last_event(action)

    assert client.post("/integrity/runs", data={"csrf_token": token, "campaign_id": campaign[web].id}
                       ).status_code == 302
    records["integrity.run"] = {web: last_event("integrity.run")}
    assert runner.invoke(args=["survey", "check", "--campaign", codes[cli]]).exit_code == 0
    records["integrity.run"][cli] = last_event("integrity.run")

    for action, sides in records.items():
        assert sides[web] is not None and sides[cli] is not None, action
        assert sides[web].id != sides[cli].id, action
        assert what(sides[web], codes[web]) == what(sides[cli], codes[cli]), action
        assert by_whom(sides[web]) == (admin.id, "root@example.kz"), action
        assert by_whom(sides[cli]) == (None, "cli"), action
    # what the records hold, once, so that "the same" is not "both empty"
    assert what(records["registry.import"][web]) == ("registry.import", None, {
        "file": "registry.csv", "created": 2, "updated": 0, "unchanged": 0})
    assert what(records["campaign.open"][cli], codes[cli]) == ("campaign.open", "campaigns", {
        "code": "CODE", "links": 4})  # the four schools of both imports
    assert what(records["campaign.create"][web], codes[web]) == ("campaign.create", "campaigns", {
        "code": "CODE", "levels": ["school"], "regions": []})
    assert set(records["integrity.run"][web].details) == {"rules", "active", "new", "closed"}


def test_routes_and_commands_write_no_audit_record_themselves():
    """Every audit record is written by a service: no route module or command module calls audit.record."""
    from pathlib import Path

    import survey

    package = Path(survey.__file__).parent
    writers = sorted(str(path.relative_to(package)) for path in [*package.glob("*/routes.py"), package / "cli.py",
                                                                 *package.glob("*/cli.py")]
                     if "audit.record(" in path.read_text(encoding="utf-8"))
    assert writers == []
