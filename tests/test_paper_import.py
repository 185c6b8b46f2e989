"""Paper questionnaires: the same rules as the web form, all or nothing, idempotent, edits become versions."""

from __future__ import annotations

import csv as csv_module
import datetime as dt
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AuditEvent, OrgReport, Response, ResponseVersion
from survey.models.base import utcnow
from survey.questionnaire.paper import import_responses
from survey.registry.services import ImportRejected
from tests.spreadsheets import xlsx_bytes

HEADER = ("org_bin", "iin", "last_name", "first_name", "middle_name", "consent", "post", "basis", "contract",
          "start_date", "rate", "teaching_hours", "languages", "subjects", "other_jobs", "education_level",
          "ped_education", "specialty", "graduation_year", "category", "category_year", "experience_total",
          "experience_org", "ai_use", "ai_purposes", "plans")


@pytest.fixture
def setup(make_org, make_campaign, make_iin_for):
    org = make_org(bin="940140000385")
    campaign = make_campaign(code="CENSUS26")
    return org, campaign, make_iin_for(dt.date(1985, 3, 14), "f"), make_iin_for(dt.date(1970, 1, 2), "m")


def line(org_bin, iin, **changes) -> list[str]:
    values = {
        "org_bin": org_bin, "iin": iin, "last_name": "Ахметова", "first_name": "Гүлнар", "middle_name": "",
        "consent": "да", "post": "Учитель", "basis": "main", "contract": "permanent", "start_date": "2010-09-01",
        "rate": "1,5", "teaching_hours": "24", "languages": "kk;ru",
        "subjects": "kazakh_language:16:kk; kazakh_literature:8:kk", "other_jobs": "",
        "education_level": "bachelor", "ped_education": "ped_higher", "specialty": "Қазақ тілі",
        "graduation_year": "2007", "category": "moderator", "category_year": "2020", "experience_total": "15",
        "experience_org": "12", "ai_use": "нет", "ai_purposes": "", "plans": "stay",
    }
    values.update(changes)
    return [values[name] for name in HEADER]


def csv(*lines: list[str]) -> bytes:
    """A comma-separated file (list cells keep their ';' inside quotes where needed)."""
    buffer = io.StringIO()
    writer = csv_module.writer(buffer)
    writer.writerows([HEADER, *lines])
    return buffer.getvalue().encode("utf-8")


def count(model=Response) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_imports_rows_with_the_web_rules_and_is_idempotent(app, setup):
    org, campaign, iin_a, iin_b = setup
    data = csv(line(org.bin, iin_a),
               line(org.bin, iin_b, last_name="Омаров", first_name="Ерлан", other_jobs="940140000385:hourly:4",
                    ai_use="да", ai_purposes="lesson_planning;assessment", start_date="01.09.1995"))
    summary = import_responses(campaign, data, "paper.csv")
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    first = db.session.scalar(sa.select(Response).where(Response.last_name == "Ахметова"))
    assert (first.status, first.source, first.post, first.rate, first.sex) == ("submitted", "paper", "teacher",
                                                                             Decimal("1.5"), "f")
    assert [(s.subject, s.hours, s.language) for s in first.subjects] == [("kazakh_language", 16, "kk"),
                                                                          ("kazakh_literature", 8, "kk")]
    second = db.session.scalar(sa.select(Response).where(Response.last_name == "Омаров"))
    assert [(j.org_bin, j.basis, j.hours) for j in second.other_jobs] == [("940140000385", "hourly", 4)]
    assert second.ai_purposes == "lesson_planning;assessment" and second.birth_date == dt.date(1970, 1, 2)

    again = import_responses(campaign, data, "paper.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count() == 2 and count(ResponseVersion) == 0


def test_a_row_for_someone_who_answered_updates_as_a_new_version(app, setup):
    org, campaign, iin_a, _ = setup
    import_responses(campaign, csv(line(org.bin, iin_a)))
    summary = import_responses(campaign, csv(line(org.bin, iin_a, rate="1.25", category="expert")))
    assert (summary.created, summary.updated) == (0, 1)
    response = db.session.scalars(sa.select(Response)).one()
    assert (response.rate, response.category, response.version) == (Decimal("1.25"), "expert", 2)
    version = db.session.scalars(sa.select(ResponseVersion)).one()
    assert version.source == "paper" and version.changes == {"rate": ["1.5", "1.25"],
                                                             "category": ["moderator", "expert"]}


def test_one_bad_row_rejects_the_file_with_every_reason(app, setup):
    org, campaign, iin_a, iin_b = setup
    data = csv(line(org.bin, iin_a),
               line("111111111111", "900515400124", rate="1.3", subjects="kazakh_language:20:kk",
                    experience_org="16", category="none"),
               line(org.bin, iin_a),
               line(org.bin, iin_b, subjects="music:x:kk:extra", consent="нет"))
    with pytest.raises(ImportRejected) as caught:
        import_responses(campaign, data)
    found = {(e.row, e.column): str(e.message) for e in caught.value.errors}
    assert set(found) == {(3, "org_bin"), (3, "iin"), (3, "rate"), (3, "subjects"), (3, "category_year"),
                          (3, "experience_org"), (4, "iin"), (5, "subjects"), (5, "consent")}
    assert "steps of 0.25" in found[(3, "rate")]
    assert "add up to 20, but your teaching hours are 24" in found[(3, "subjects")]
    assert "already on row 2" in found[(4, "iin")]
    assert "subject:hours:language" in found[(5, "subjects")]
    assert count() == 0


def test_row_errors_are_in_the_chosen_language_through_the_cli(app, setup, runner, tmp_path):
    org, campaign, iin_a, _ = setup
    db.session.commit()
    path = tmp_path / "paper.csv"
    path.write_bytes(csv(line(org.bin, iin_a, subjects="kazakh_language:x:kk")))
    result = runner.invoke(args=["survey", "import-responses", "--campaign", "CENSUS26", str(path), "--lang", "ru"])
    assert result.exit_code == 1
    assert "Строка 2, столбец subjects: пункт 1, hours: Введите целое число." in result.output
    path.write_bytes(csv(line(org.bin, iin_a)))
    result = runner.invoke(args=["survey", "import-responses", "--campaign", "CENSUS26", str(path)])
    assert result.exit_code == 0 and "created 1, updated 0, unchanged 0" in result.output
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "responses.import"))
    result = runner.invoke(args=["survey", "import-responses", "--campaign", "NOPE", str(path)])
    assert result.exit_code == 1 and "NOPE" in result.output


def test_xlsx_with_number_cells_and_a_locked_organization(app, setup, make_user):
    org, campaign, iin_a, _ = setup
    names = list(HEADER)
    row = line(org.bin, iin_a)
    typed = [int(v) if names[i] in ("iin", "teaching_hours", "graduation_year") else v for i, v in enumerate(row)]
    content = xlsx_bytes([names, typed])
    assert import_responses(campaign, content, "paper.xlsx").created == 1
    director = make_user("director", organization=org)
    db.session.add(OrgReport(campaign_id=campaign.id, organization_id=org.id, attested_at=utcnow(),
                             attested_by_id=director.id))
    db.session.flush()
    with pytest.raises(ImportRejected) as caught:
        import_responses(campaign, content, "paper.xlsx")
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "org_bin")]
    assert "locked" in str(caught.value.errors[0].message)


def test_an_organization_outside_the_campaigns_regions_is_refused(app, setup, make_org, make_campaign):
    org, _, iin_a, iin_b = setup  # in Алматы
    other = make_org(region="Абай", district="Семей")
    pilot = make_campaign(code="PILOT-ABAI", regions=[other.district.region])
    with pytest.raises(ImportRejected) as caught:
        import_responses(pilot, csv(line(other.bin, iin_a), line(org.bin, iin_b)))
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "org_bin")]
    assert "does not take part" in str(caught.value.errors[0].message)
    assert import_responses(pilot, csv(line(other.bin, iin_a))).created == 1


def test_missing_columns_and_files_that_are_not_tables(app, setup):
    _, campaign, _, _ = setup
    with pytest.raises(ImportRejected) as caught:
        import_responses(campaign, b"org_bin;iin\n940140000385;1\n")
    assert "last_name" in str(caught.value.file_error)
    with pytest.raises(ImportRejected) as caught:
        import_responses(campaign, b"")
    assert "empty" in str(caught.value.file_error)
