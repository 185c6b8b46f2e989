"""Workbooks and raw exports read back with openpyxl and python-calamine (data set: tests/staffing_data.py)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

import staffing_data
from survey.auth.scope import visible_organization_ids
from survey.extensions import db
from survey.reports import excel
from survey.reports.rows import FLAT_FIELDS
from survey.reports.services import ExportError, export_profiles, export_responses, select_organizations
from survey.reports.sheets import Column, Table
from survey.reports.staffing import ExportContext
from tests.pages import csrf_from


@pytest.fixture
def data(make_org, make_campaign):
    dataset = staffing_data.build(make_org, make_campaign)
    db.session.commit()
    return dataset


def export(kind, data, tmp_path, name="out.xlsx", scope=None, lang="en", headers="labels", **options):
    ctx = ExportContext(data.campaign, lang=lang, headers=headers, exported_by="tester@example.kz")
    filters = {key: options.pop(key) for key in ("region", "district", "org_bin") if key in options}
    selection = select_organizations(scope, **filters)
    path = tmp_path / name
    (export_profiles if kind == "profiles" else export_responses)(ctx, selection, path, **options)
    return path


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def as_dict(sheet) -> dict:
    return {row[0]: row[1] for row in rows_of(sheet) if row and row[0] is not None}


def test_organization_workbook(data, tmp_path):
    path = export("profiles", data, tmp_path, org_bin=data.s1.bin)
    book = load_workbook(path)
    assert book.sheetnames == ["Profile", "Staff", "Subjects", "Vacancies", "Flags", "About"]
    assert rows_of(book["Flags"]) == [("Rule", "Check", "Severity", "Status", "Person", "Evidence", "Note")]  # none yet
    profile = as_dict(book["Profile"])
    assert profile["Staff who answered"] == 4
    assert profile["FTE by contract (sum of rates)"] == 4
    assert profile["FTE by teaching load"] == 3
    assert profile["Pupils per teacher FTE"] == 100
    assert profile["Vacancy rate"] == pytest.approx(0.75 / 4.75, abs=1e-15)
    assert profile["Plan to leave"] == pytest.approx(1 / 3, abs=1e-15)
    assert profile["Response rate (of the roster)"] == pytest.approx(4 / 6, abs=1e-15)
    shares = {row[0]: row for row in rows_of(book["Profile"]) if row[0] in ("Expert", "60 and over")}
    assert shares["Expert"][1:3] == (1, 0.25) and shares["60 and over"][1:3] == (2, 0.5)
    percent_cells = [row[1] for row in book["Profile"].iter_rows() if row[0].value == "Vacancy rate"]
    assert percent_cells[0].number_format == "0.0%"
    assert len(book["Profile"]._charts) == 3  # read back: category mix, age bands, subject coverage
    staff = rows_of(book["Staff"])
    assert staff[0][:3] == ("Response ID", "Full name", "Post") and len(staff) == 5
    assert [r[1] for r in staff[1:]] == ["Ахметова Айгерім", "Ким Мадина", "Омарова Гүлнар", "Сериков Ерлан"]
    assert staff[2][2:6] == ("Teacher", "External secondary job", 0.5, 8)
    assert staff[3][9] == "60 and over"
    assert not any("iin" in str(cell).lower() for cell in staff[0])
    subjects = {row[0]: row[1:] for row in rows_of(book["Subjects"])[1:]}
    assert subjects["Mathematics"] == (40, 32, 0.8, 0.5)
    assert subjects["English"] == (12, 0, 0, 0.75)
    assert rows_of(book["Vacancies"])[1] == ("Teacher", "English", 0.75)
    about = as_dict(book["About"])
    assert about["Campaign"].startswith("STAFF-2026")
    assert about["Census date"] == "2026-11-01"
    assert about["Exported by"] == "tester@example.kz"
    assert about["Codebook version"] == "1.0"
    assert about["Rows on sheet Staff"] == 4
    assert len(about["SHA-256 of the data rows"]) == 64


def test_sha256_is_stable_and_follows_the_data(data, tmp_path):
    def sha(name):
        return as_dict(load_workbook(export("profiles", data, tmp_path, name, org_bin=data.s1.bin))["About"])[
            "SHA-256 of the data rows"]

    first, second = sha("a.xlsx"), sha("b.xlsx")
    assert first == second
    response = db.session.scalar(db.select(staffing_data.Response).where(
        staffing_data.Response.person_key == "key-P2", staffing_data.Response.campaign_id == data.campaign.id))
    response.rate = Decimal("1.25")
    db.session.commit()
    assert sha("c.xlsx") != first


def test_area_workbook(data, tmp_path):
    path = export("profiles", data, tmp_path, region="Алматы")
    book = load_workbook(path)
    assert book.sheetnames == ["Organizations", "Subjects", "By level", "Flags", "Forecast", "AI plan", "About"]
    sheet = book["Organizations"]
    table = rows_of(sheet)
    header = table[0]
    col = {name: index for index, name in enumerate(header)}
    assert len(table) == 1 + 3 + 1  # header, S1 S2 K1 (not the college in Астана), totals
    totals = table[-1]
    assert totals[0] == "Total" and totals[col["Staff who answered"]] == 8
    assert totals[col["FTE by teaching load"]] == 7.75
    assert totals[col["Pupils per teacher FTE"]] == pytest.approx(360 / 5.5)
    by_bin = {row[0]: row for row in table[1:-1]}
    assert by_bin[data.s2.bin][col["Overloaded (over 1.5 rates in all jobs)"]] == 0.5
    assert by_bin[data.s2.bin][col["Pupils per teacher FTE"]] is None
    assert by_bin[data.k1.bin][col["Shortage, FTE"]] == 0.5
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}4"
    rules = {str(rng.sqref): [r.operator for r in rng.rules] for rng in sheet.conditional_formatting}
    assert any("greaterThan" in ops for ops in rules.values()) and any("lessThan" in ops for ops in rules.values())
    matrix = rows_of(book["Subjects"])
    mcol = {name: index for index, name in enumerate(matrix[0])}
    s1_row = next(r for r in matrix if r[0] == data.s1.bin)
    assert s1_row[mcol["English"]] == 0.75 and s1_row[mcol["Mathematics"]] == 0.5
    assert matrix[-1][mcol["English"]] == 0.75
    levels = {row[:2]: row for row in rows_of(book["By level"])[1:]}
    assert levels[("School", "State")][2] == 1 and levels[("Preschool", "Private")][3] == 2
    assert levels[("Total", None)][2] == 3


def test_per_org_sheets_and_zip(data, tmp_path):
    book = load_workbook(export("profiles", data, tmp_path, per_org=True))
    org_sheets = book.sheetnames[4:-3]
    assert len(org_sheets) == 4 and all(len(name) <= 31 for name in org_sheets)
    assert org_sheets[0].startswith(data.s1.bin) or data.s1.bin in "".join(org_sheets)
    path = export("profiles", data, tmp_path, "all.zip", as_zip=True)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == sorted(f"{o.bin}.xlsx" for o in (data.s1, data.s2, data.k1, data.c1))
        inner = load_workbook(io.BytesIO(archive.read(f"{data.k1.bin}.xlsx")))
        assert as_dict(inner["Profile"])["Pupils per teacher FTE"] == 24


def test_raw_responses_codes(data, tmp_path):
    path = export("responses", data, tmp_path, headers="codes")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Responses", "Subjects", "Other jobs", "Codebook", "About"]
    responses = book.get_sheet_by_name("Responses").to_python()
    header = responses[0]
    assert header[:4] == ["response_id", "org_bin", "person_key", "birth_date"] and "iin" not in header
    assert len(responses) == 1 + 9  # submitted only; the draft and the other campaign are out
    by_key = {row[header.index("person_key")]: row for row in responses[1:]}
    p4 = by_key["key-P4"]
    assert p4[header.index("specialty")] == '=HYPERLINK("x")'  # stays a string, not a formula
    assert by_key["key-P1"][header.index("consent")] == "true"
    assert by_key["key-P1"][header.index("birth_date")] == "1990-11-01"
    ids = {row[0] for row in responses[1:]}
    subjects = book.get_sheet_by_name("Subjects").to_python()
    assert subjects[0] == ["response_id", "subject", "hours", "language"] and len(subjects) == 1 + 9
    assert {row[0] for row in subjects[1:]} <= ids
    jobs = book.get_sheet_by_name("Other jobs").to_python()
    assert jobs[1][1:4] == [data.s2.bin, "", "main"]
    p3_at_s1 = next(r for r in responses[1:] if r[2] == "key-P3" and r[1] == data.s1.bin)
    assert [row[0] for row in jobs[1:]] == [p3_at_s1[0]]
    codebook = book.get_sheet_by_name("Codebook").to_python()
    assert ["post", "teacher", "Мұғалім", "Учитель", "Teacher"] in codebook
    cell = load_workbook(path)["Responses"].cell(1 + 1 + list(by_key).index("key-P4"), header.index("specialty") + 1)
    assert cell.data_type == "s"


@pytest.mark.parametrize("lang, post_header, teacher, yes", [
    ("kk", "Лауазымы", "Мұғалім", "Иә"),
    ("ru", "Должность", "Учитель", "Да"),
])
def test_raw_responses_labels_in_kazakh_and_russian(data, tmp_path, lang, post_header, teacher, yes):
    book = load_workbook(export("responses", data, tmp_path, lang=lang))
    table = rows_of(book.worksheets[0])
    header = table[0]
    assert post_header in header
    row = table[1]
    assert row[header.index(post_header)] == teacher
    assert yes in row
    assert "person_key" not in header


def test_profile_headers_in_kazakh(data, tmp_path):
    book = load_workbook(export("profiles", data, tmp_path, lang="kk", org_bin=data.k1.bin))
    assert book.sheetnames[0] != "Profile"
    staff = rows_of(book.worksheets[1])
    assert "Тәрбиеші" in staff[1]


def test_csv_zip_has_bom_and_keeps_formulas_as_text(data, tmp_path):
    path = export("responses", data, tmp_path, "raw.zip", headers="codes", fmt="csv")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["codebook.csv", "other_jobs.csv", "responses.csv", "subjects.csv"]
        raw = archive.read("responses.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    specialty = table[0].index("specialty")
    assert "'=HYPERLINK(\"x\")" in [row[specialty] for row in table[1:]]


def test_flat_layout_columns_and_lists(data, tmp_path):
    path = export("responses", data, tmp_path, headers="codes", layout="flat")
    table = rows_of(load_workbook(path).worksheets[0])
    assert table[0] == FLAT_FIELDS
    assert table[0][:4] == ("org_bin", "person_key", "birth_date", "sex")
    rows = [dict(zip(FLAT_FIELDS, row)) for row in table[1:]]
    p6 = next(r for r in rows if r["person_key"] == "key-P6")
    p3 = next(r for r in rows if r["person_key"] == "key-P3" and r["org_bin"] == data.s1.bin)
    assert p6["subjects"] == "english:10:en;other:6:ru"
    assert p3["other_jobs"] == f"{data.s2.bin}:main:20"
    assert p6["rate"] == 1 and p6["sex"] == "m" and p6["ai_use"] == "false"
    assert p6["org_bin"] == data.s2.bin


def test_scope_keeps_other_organizations_out(data, tmp_path, make_user):
    admin = make_user("district_admin", district=data.k1.district)
    scope = visible_organization_ids(admin)
    table = rows_of(load_workbook(export("responses", data, tmp_path, scope=scope, headers="codes")).worksheets[0])
    assert {row[1] for row in table[1:]} == {data.k1.bin}
    with pytest.raises(ExportError):
        select_organizations(scope, org_bin=data.s1.bin)
    book = load_workbook(export("profiles", data, tmp_path, "p.xlsx", scope=scope))
    assert [row[0] for row in rows_of(book["Organizations"])[1:-1]] == [data.k1.bin]


def test_sheets_continue_past_the_row_limit(data, tmp_path):
    path = export("responses", data, tmp_path, headers="codes", max_rows=4)
    book = load_workbook(path)
    parts = [name for name in book.sheetnames if name.startswith("Responses")]
    assert parts == ["Responses", "Responses (2)", "Responses (3)"]
    data_rows = [row for name in parts for row in rows_of(book[name])[1:]]
    assert len(data_rows) == 9 and all(rows_of(book[name])[0][0] == "response_id" for name in parts)


def test_cell_safety(tmp_path):
    long_text = "x" * 40_000
    tricky = ["=1+1", "+7 701", "-5", "@sum", "\tindent", "\rreturn", "#N/A", "bell\x07"]
    path = tmp_path / "safe.xlsx"
    excel.render([Table("A" * 40, [Column("text")], [[value] for value in tricky + [long_text]])], path)
    sheet = load_workbook(path).worksheets[0]
    assert sheet.title == "A" * 31
    values = [row[0] for row in rows_of(sheet)[1:]]
    assert values[:7] == tricky[:7]
    assert all(cell.data_type == "s" for (cell,) in sheet.iter_rows(min_row=2, max_row=8))
    assert values[7] == "bell\ufffd"
    assert len(values[8]) == excel.MAX_CELL_CHARS and values[8].endswith(excel.CUT_MARKER)


def test_sheet_names_are_unique_and_short():
    names = excel.SheetNames()
    made = [names.make(n) for n in ["Школа № 1 имени Абая Кунанбаева города Алматы"] * 3 + ["a/b:c", "History"]]
    assert all(len(n) <= 31 for n in made) and len({n.casefold() for n in made}) == 5
    assert made[3] == "a_b_c" and made[4] != "History"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_converts_every_sheet(data, tmp_path):
    """What "opens without a repair prompt" means here: soffice converts every sheet of each workbook to CSV."""
    workbooks = [
        export("profiles", data, tmp_path, "org.xlsx", org_bin=data.s1.bin, lang="kk"),
        export("profiles", data, tmp_path, "area.xlsx", per_org=True, lang="ru"),
        export("responses", data, tmp_path, "raw.xlsx", lang="kk"),
    ]
    for path in workbooks:
        out = tmp_path / path.stem
        out.mkdir()
        done = subprocess.run(
            ["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,"
             "false,false,-1", "--outdir", str(out), str(path)],
            capture_output=True, timeout=180, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        assert done.returncode == 0, done.stderr
        assert len(list(out.glob("*.csv"))) == len(load_workbook(path).sheetnames), done.stdout


def test_flags_sheet_and_code_headers(data, tmp_path):
    import datetime as dt

    from survey.models import Flag

    db.session.add(Flag(campaign_id=data.campaign.id, organization_id=data.s1.id, rule="G1", subject_key="key-P3",
                        severity="high", evidence={"hours": 28}, note="=cmd"))
    db.session.add(Flag(campaign_id=data.campaign.id, organization_id=data.s1.id, rule="G2", subject_key="key-P3",
                        severity="medium", closed_at=dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)))  # its cause is gone
    db.session.commit()
    book = load_workbook(export("profiles", data, tmp_path, org_bin=data.s1.bin, headers="codes"))
    assert book.sheetnames == ["Profile", "Staff", "Subjects", "Vacancies", "Flags", "About"]
    flags = rows_of(book["Flags"])
    # the integrity module's rows: active flags only, the check's title, the person, evidence in words; formula text
    assert flags[1:] == [("G1", "G1", "high", "open", "Ким Мадина", "Working hours a week, all organizations: 28",
                          "=cmd")]
    assert rows_of(book["Staff"])[1][2] == "teacher"
    area = load_workbook(export("profiles", data, tmp_path, "area.xlsx", headers="codes"))
    header = rows_of(area["Organizations"])[0]
    assert header[:2] == ("bin", "organization") and "near_retirement_share" in header and "share_age_60_plus" in header


def _flags(data) -> None:
    """Active flags at S1 (P3, who gave a middle name) and K1, one in Астана, and a dismissed one (never shown)."""
    from survey.models import Flag

    p3 = db.session.scalar(db.select(staffing_data.Response).where(
        staffing_data.Response.person_key == "key-P3", staffing_data.Response.organization_id == data.s1.id))
    p3.middle_name = "Сергеевна"
    for org, rule, key, severity, status in [(data.s1, "G5", "key-P3", "high", "open"),
                                             (data.k1, "G13", "key-P7", "medium", "explained"),
                                             (data.c1, "G2", "key-P9", "medium", "open"),
                                             (data.s1, "G6", "key-P1", "medium", "dismissed")]:
        db.session.add(Flag(campaign_id=data.campaign.id, organization_id=org.id, rule=rule, subject_key=key,
                            severity=severity, status=status, evidence={"week_hours": 72}))
    db.session.commit()


@pytest.mark.parametrize("lang, sheet, high, medium, open_, explained", [
    ("ru", "Замечания", "Высокая", "Средняя", "Не рассмотрено", "Объяснён"),
    ("kk", "Ескертулер", "Жоғары", "Орташа", "Қаралмаған", "Түсіндірілді"),
    ("en", "Flags", "High", "Medium", "Open", "Explained"),
])
def test_flags_sheet_in_every_profiles_workbook(data, tmp_path, monkeypatch, lang, sheet, high, medium, open_,
                                               explained):
    """District, region and national workbooks list their organizations' flags too (read a few organizations at a
    time: here one); severity and status in the workbook's language; the person's full name."""
    from flask_babel import force_locale

    from survey.integrity.rules import RULES_BY_CODE

    monkeypatch.setattr("survey.reports.staffing.FLAG_BATCH", 1)
    _flags(data)
    with force_locale(lang):
        titles = {code: str(RULES_BY_CODE[code].title) for code in ("G5", "G13", "G2")}
    s1 = (data.s1.bin, data.s1.name(lang), "G5", titles["G5"], high, open_, "Ким Мадина Сергеевна")
    k1 = (data.k1.bin, data.k1.name(lang), "G13", titles["G13"], medium, explained, "Искакова Әсел")
    c1 = (data.c1.bin, data.c1.name(lang), "G2", titles["G2"], medium, open_, "Петров Андрей")
    for name, options, expected in [("district.xlsx", {"district": "Медеуский"}, [k1]),
                                    ("region.xlsx", {"region": "Алматы"}, [s1, k1]),
                                    ("national.xlsx", {}, [s1, k1, c1]),
                                    ("per-org.xlsx", {"per_org": True}, [s1, k1, c1])]:
        book = load_workbook(export("profiles", data, tmp_path, name, lang=lang, **options))
        flags = rows_of(book[sheet])
        assert len(flags[0]) == 9 and [row[:7] for row in flags[1:]] == expected, name
    organization = rows_of(load_workbook(export("profiles", data, tmp_path, lang=lang, org_bin=data.s1.bin))[sheet])
    assert [row[:5] for row in organization[1:]] == [s1[2:]]
    with zipfile.ZipFile(export("profiles", data, tmp_path, "all.zip", lang=lang, as_zip=True)) as archive:
        member = load_workbook(io.BytesIO(archive.read(f"{data.k1.bin}.xlsx")))
        assert [row[:5] for row in rows_of(member[sheet])[1:]] == [k1[2:]]
        assert rows_of(load_workbook(io.BytesIO(archive.read(f"{data.s2.bin}.xlsx")))[sheet])[1:] == []


def test_profile_opens_with_one_organization_heading_and_counts_whole(data, tmp_path):
    for name, options in [("org.xlsx", {"org_bin": data.s1.bin}), ("per-org.xlsx", {"per_org": True})]:
        book = load_workbook(export("profiles", data, tmp_path, name, **options))
        sheet = book["Profile"] if "Profile" in book.sheetnames else book[f"{data.s1.bin} Школа № 1"]
        labels = [row[0] for row in rows_of(sheet)]
        assert rows_of(sheet)[0][:2] == ("Organization", "Школа № 1") and labels.count("Organization") == 1
        cells = {row[0].value: row[1] for row in sheet.iter_rows() if row[0].value}
        assert cells["Staff who answered"].value == 4 and cells["Staff who answered"].number_format == "0"
        assert cells["Staff at their main job"].number_format == "0"
        assert cells["FTE by contract (sum of rates)"].number_format == "0.00"
        assert cells["Pupils per teacher FTE"].number_format == "0.00"


# background jobs ---------------------------------------------------------------------------------------------------
from survey.codebook import JobStatus  # noqa: E402
from survey.models import ExportJob  # noqa: E402
from survey.reports import jobs  # noqa: E402


@pytest.fixture
def export_dir(app, tmp_path):
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    yield tmp_path / "exports"
    app.config.pop("EXPORT_DIR", None)


def test_job_goes_queued_running_done(data, make_user, export_dir, monkeypatch):
    admin = make_user("national_admin")
    job = jobs.create_job("responses", {"campaign": "STAFF-2026", "lang": "ru", "headers": "codes"}, admin)
    db.session.commit()
    assert job.status == JobStatus.QUEUED and job.progress == 0
    seen = []
    real_set = jobs._set

    def recording_set(job_id, **values):
        real_set(job_id, **values)
        row = db.session.execute(db.select(ExportJob.status, ExportJob.progress).where(ExportJob.id == job_id)).one()
        seen.append((row.status.value, row.progress))

    monkeypatch.setattr(jobs, "_set", recording_set)
    real_export = jobs.export_responses

    def export_with_steps(ctx, selection, target, *, progress, **options):
        for percent in (10, 12, 40, 80):  # 12 is too close to 10 to be written
            progress(percent)
        return real_export(ctx, selection, target, progress=progress, **options)

    monkeypatch.setattr(jobs, "export_responses", export_with_steps)
    jobs.run_job(job.id)
    db.session.expire_all()
    assert seen[0] == ("running", 0)
    assert ("running", 10) in seen and ("running", 40) in seen and ("running", 12) not in seen
    assert seen[-1] == ("done", 100)
    job = db.session.get(ExportJob, job.id)
    assert job.row_count == 9 and jobs.is_downloadable(job)
    assert job.expires_at - job.finished_at == jobs.KEEP_FILES
    assert load_workbook(io.BytesIO(read_kept_file(job))).sheetnames[0] == "Ответы"


def read_kept_file(job) -> bytes:
    """The finished file of ``job``, wherever it is kept (EXPORT_DIR on SQLite, a large object on PostgreSQL)."""
    from survey.reports import storage

    stream, size = storage.open_file(job)
    try:
        data = stream.read()
    finally:
        stream.close()
    assert len(data) == size == job.file_size
    return data


def test_failed_job_says_why_and_can_be_retried(data, make_user, export_dir, monkeypatch):
    admin = make_user("national_admin")
    missing = jobs.create_job("profiles", {"campaign": "NOPE", "lang": "ru"}, admin)
    flaky = jobs.create_job("profiles", {"campaign": "STAFF-2026", "lang": "en", "org_bin": data.k1.bin}, admin)
    db.session.commit()
    jobs.run_job(missing.id)
    calls = []
    real_export = jobs.export_profiles

    def fail_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real_export(*args, **kwargs)

    monkeypatch.setattr(jobs, "export_profiles", fail_once)
    jobs.run_job(flaky.id)
    db.session.expire_all()
    assert missing.status == JobStatus.FAILED and missing.error == "Кампании с кодом NOPE нет."
    assert flaky.status == JobStatus.FAILED and "OSError: disk full" in flaky.error
    jobs.retry_job(flaky)
    db.session.commit()
    assert (flaky.status, flaky.progress, flaky.error) == (JobStatus.QUEUED, 0, None)
    jobs.run_job(flaky.id)
    db.session.expire_all()
    assert flaky.status == JobStatus.DONE and flaky.row_count == 1
    with pytest.raises(ValueError):
        jobs.retry_job(flaky)


def test_expired_files_are_removed(data, make_user, export_dir):
    import datetime as dt

    job = jobs.create_job("profiles", {"campaign": "STAFF-2026", "org_bin": data.s1.bin}, make_user())
    db.session.commit()
    jobs.run_job(job.id)
    db.session.expire_all()
    assert jobs.purge_expired(job.expires_at - dt.timedelta(seconds=1)) == 0
    assert jobs.purge_expired(job.expires_at + dt.timedelta(seconds=1)) == 1
    assert not jobs.is_downloadable(job)


def test_redis_queue_is_used_when_configured(app, monkeypatch):
    import redis
    import rq

    enqueued = []

    class FakeQueue:
        def __init__(self, name, connection):
            self.name = name

        def enqueue(self, function, *args, **kwargs):
            enqueued.append((self.name, function, args))

    monkeypatch.setattr(rq, "Queue", FakeQueue)
    monkeypatch.setattr(redis.Redis, "from_url", classmethod(lambda cls, url: object()))
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://localhost:6379/0")
    jobs.dispatch(42)
    assert enqueued == [("survey:exports", jobs.run_job_in_worker, (42,))]  # under the default REDIS_PREFIX
    monkeypatch.setitem(app.config, "REDIS_PREFIX", "staging")
    jobs.dispatch(43)
    assert enqueued[-1] == ("staging:exports", jobs.run_job_in_worker, (43,))


# web -----------------------------------------------------------------------------------------------------------------
def _wait_for_thread(app, job_id: int) -> None:
    app.extensions["export_threads"].pop(job_id).join(timeout=60)


def test_web_export_job_and_download(app, client, login, data, make_user, export_dir):
    admin = make_user("region_admin", region=data.s1.district.region)
    login(admin)
    page = client.get("/reports/")
    assert page.status_code == 200
    answer = client.post("/reports/", data={
        "csrf_token": csrf_from(page.data), "kind": "profiles", "campaign": "STAFF-2026", "lang": "kk",
        "headers": "labels", "format": "xlsx", "layout": "tables"})
    assert answer.status_code == 302
    job_id = int(answer.headers["Location"].rstrip("/").split("/")[-1])
    _wait_for_thread(app, job_id)
    status = client.get(f"/reports/jobs/{job_id}.json").get_json()
    assert status["status"] == "done" and status["progress"] == 100
    assert b"<progress" in client.get(f"/reports/jobs/{job_id}").data
    download = client.get(status["download"])
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data))
    download.close()
    organizations = rows_of(book.worksheets[0])
    assert {row[0] for row in organizations[1:-1]} == {data.s1.bin, data.s2.bin, data.k1.bin}  # not the college
    assert organizations[0][1] == "Ұйым"
    other = make_user("national_admin")
    login(other)
    assert client.get(f"/reports/jobs/{job_id}.json").status_code == 404
    assert client.get(f"/reports/jobs/{job_id}/file").status_code == 404


def test_web_form_errors_are_shown_not_raised(client, login, data, make_user):
    login(make_user("national_admin"))
    page = client.get("/reports/")
    answer = client.post("/reports/", data={
        "csrf_token": csrf_from(page.data), "kind": "profiles", "campaign": "STAFF-2026", "org_bin": "123",
        "lang": "ru", "headers": "labels", "format": "xlsx", "layout": "tables", "per_org": "y", "as_zip": "y"})
    assert answer.status_code == 400
    assert b"12" in answer.data and b'role="alert"' in answer.data


def test_web_failed_job_retry(app, client, login, data, make_user, export_dir):
    login(make_user("district_admin", district=data.k1.district))
    page = client.get("/reports/")
    answer = client.post("/reports/", data={
        "csrf_token": csrf_from(page.data), "kind": "profiles", "campaign": "STAFF-2026", "org_bin": data.s1.bin,
        "lang": "en", "headers": "labels", "format": "xlsx", "layout": "tables"})
    job_id = int(answer.headers["Location"].rstrip("/").split("/")[-1])
    _wait_for_thread(app, job_id)
    job_page = client.get(f"/reports/jobs/{job_id}")
    assert b"No organization with BIN" in job_page.data  # outside this district admin's scope
    retried = client.post(f"/reports/jobs/{job_id}/retry", data={"csrf_token": csrf_from(job_page.data)})
    assert retried.status_code == 302
    _wait_for_thread(app, job_id)
    assert client.get(f"/reports/jobs/{job_id}.json").get_json()["status"] == "failed"


@pytest.mark.parametrize("role, own, expected", [
    ("director", True, 200), ("director", False, 404), ("district_admin", True, 200), ("district_admin", False, 404),
    ("national_admin", False, 200),
])
def test_profile_download_is_scoped(client, login, data, make_user, role, own, expected):
    scope = {"director": {"organization": data.k1}, "district_admin": {"district": data.k1.district},
             "national_admin": {}}[role]
    login(make_user(role, **scope))
    target = data.k1 if own else data.s1
    answer = client.get(f"/reports/organizations/{target.id}/STAFF-2026.xlsx?lang=ru")
    assert answer.status_code == expected
    if expected == 200:
        book = load_workbook(io.BytesIO(answer.data))
        assert book.sheetnames[0] == "Профиль"


def test_pages_need_sign_in(app, client, data):
    if "auth.sign_in" not in app.view_functions:
        pytest.skip("the sign-in page (another issue) is not merged yet")
    assert client.get("/reports/").status_code in (302, 401)
    assert client.get(f"/reports/organizations/{data.k1.id}/STAFF-2026.xlsx").status_code in (302, 401)


def test_starting_a_new_export_removes_files_past_their_day(app, data, make_user, export_dir, monkeypatch):
    import datetime as dt

    from survey.reports import storage

    user = make_user()
    old = jobs.create_job("profiles", {"campaign": "STAFF-2026", "org_bin": data.s1.bin}, user)
    db.session.commit()
    jobs.run_job(old.id)
    db.session.expire_all()
    old.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)  # its day has passed
    db.session.commit()
    assert storage.exists(old)
    monkeypatch.setattr(jobs.threading.Thread, "start", lambda self: None)  # the new job itself is not run here
    new = jobs.create_job("profiles", {"campaign": "STAFF-2026", "org_bin": data.s1.bin}, user)
    db.session.commit()
    app.config["REDIS_URL"] = None
    jobs.dispatch(new.id)
    db.session.expire_all()
    assert not storage.exists(old)


# --- the export page (issue 14: 4, 23) --------------------------------------------------------------------------

def test_each_kind_of_export_keeps_only_its_own_options(client, login, data, make_user, monkeypatch):
    """Issue 14 (4): a sheet per organization and a zip belong to profiles, format and layout to raw responses; the
    other kind's options are left out of the job (and cannot refuse it)."""
    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)
    login(make_user("national_admin"))
    token = csrf_from(client.get("/reports/").data)
    both = {"csrf_token": token, "campaign": "STAFF-2026", "lang": "ru", "headers": "labels", "format": "csv",
            "layout": "flat", "per_org": "y", "as_zip": "y"}
    assert client.post("/reports/", data={**both, "kind": "responses"}).status_code == 302
    assert client.post("/reports/", data={**both, "kind": "profiles", "as_zip": ""}).status_code == 302
    responses, profiles = db.session.scalars(sa.select(ExportJob).order_by(ExportJob.id)).all()
    assert (responses.params["format"], responses.params["layout"]) == ("csv", "flat")
    assert "per_org" not in responses.params and "zip" not in responses.params
    assert profiles.params["per_org"] is True and "format" not in profiles.params and "layout" not in profiles.params
    assert jobs.file_name("profiles", profiles.params).endswith(".xlsx")


def test_recent_exports_speak_the_page_language(client, login, data, make_user):
    """Issue 14 (4): "#4 responses ALMATY-2026 — done" on a Kazakh page."""
    import datetime as dt

    user = make_user("national_admin")
    db.session.add_all([
        ExportJob(kind="responses", params={"campaign": "STAFF-2026", "lang": "ru", "format": "xlsx"},
                  status=JobStatus.DONE, progress=100, user_id=user.id, file_path="/nonexistent.xlsx",
                  finished_at=dt.datetime.now(dt.timezone.utc),
                  expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)),
        ExportJob(kind="profiles", params={"campaign": "STAFF-2026", "lang": "kk", "org_bin": data.s1.bin},
                  status=JobStatus.FAILED, user_id=user.id)])
    login(user)
    client.get("/lang/kk")
    page = client.get("/reports/").get_data(as_text=True)
    recent = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("<h2>", 1)[1]))
    assert f"Кадрлық профильдер · STAFF-2026 · {data.s1.bin} · Қазақша — сәтсіз аяқталды" in recent
    assert "Бастапқы жауаптар · STAFF-2026 · Русский — дайын" in recent
    assert not re.search(r"\b(responses|profiles|done|failed)\b|#\d", recent)


def test_directors_see_no_draft_campaign_to_export(client, login, data, make_user, make_campaign, csrf_token):
    """Issue 14 (23): the director's export list offered draft campaigns (and campaigns of other levels)."""
    make_campaign("DRAFT-2027", status="draft")
    make_campaign("COLLEGES-2026", levels="college")
    director = make_user("director", organization=data.s1)
    login(director)
    page = client.get("/reports/").get_data(as_text=True)
    offered = re.findall(r'<option (?:selected )?value="([^"]+)">[^<]*—', page)
    assert offered == ["STAFF-2026", "OLD-2025"]  # newest first; no draft, no campaign of colleges
    refused = client.post("/reports/", data={"csrf_token": csrf_token("/reports/"), "kind": "profiles",
                                             "campaign": "DRAFT-2027", "lang": "ru", "headers": "labels"})
    assert refused.status_code == 400
    login(make_user("national_admin"))
    page = client.get("/reports/").get_data(as_text=True)
    offered = re.findall(r'<option (?:selected )?value="([^"]+)">[^<]*—', page)
    assert {"STAFF-2026", "DRAFT-2027", "COLLEGES-2026"} <= set(offered)  # administrators: every campaign
