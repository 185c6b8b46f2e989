"""Workbooks and raw exports read back with openpyxl and python-calamine (data set: tests/staffing_data.py)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

import staffing_data
from survey.auth.scope import visible_organization_ids
from survey.extensions import db
from survey.reports import excel
from survey.reports.rows import FLAT_FIELDS
from survey.reports.services import ExportError, export_profiles, export_responses, select_organizations
from survey.reports.sheets import Column, Table
from survey.reports.profiles import ExportContext


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

    from survey.integrity.catalogue import RULES_BY_CODE

    monkeypatch.setattr("survey.reports.profiles.FLAG_BATCH", 1)
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
