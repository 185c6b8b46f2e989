"""Organization registry import (CODEBOOK §1): bad inputs, atomicity, idempotency, the template."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import AuditEvent, District, Organization, Region
from survey.registry.services import ImportRejected, import_organizations
from tests.spreadsheets import xlsx_bytes

GOOD_BIN = "940140000385"
HEADER = "bin;name_ru;name_kk;level;ownership;region;district"


def valid_bins(count: int, prefix: str = "1501400") -> list[str]:
    from survey.domain import check_digit

    bins = []
    serial = 0
    while len(bins) < count:
        first11 = f"{prefix}{serial:04d}"
        serial += 1
        check = check_digit(first11)
        if check is not None:
            bins.append(first11 + str(check))
    return bins


ZERO_BIN = valid_bins(1, prefix="0401400")[0]  # as a number cell it loses its leading zero


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def org_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organization))


def rejected(data: bytes, filename: str = "orgs.csv") -> ImportRejected:
    with pytest.raises(ImportRejected) as caught:
        import_organizations(data, filename)
    return caught.value


def test_imports_csv_and_creates_regions_and_districts(app):
    b1, b2 = valid_bins(2)
    summary = import_organizations(csv_bytes(
        HEADER,
        f"{b1};Школа № 1;№ 1 мектеп;school;state;Алматы;Бостандыкский",
        f"{b2};Детский сад «Ақбота»;«Ақбота» балабақшасы;preschool;private;Алматы;Медеуский",
    ))
    db.session.commit()
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    assert (summary.regions_created, summary.districts_created) == (1, 2)
    org = db.session.scalar(sa.select(Organization).where(Organization.bin == b2))
    assert org.name_kk == "«Ақбота» балабақшасы"  # Kazakh letters kept
    assert org.level == "preschool" and org.ownership == "private"
    assert org.district.name == "Медеуский" and org.district.region.name == "Алматы"


def test_reimport_is_idempotent_and_updates_changes(app):
    b1, b2 = valid_bins(2)
    lines = [HEADER, f"{b1};Школа 1;;school;state;Алматы;Бостандыкский",
             f"{b2};Школа 2;;school;state;Алматы;Бостандыкский"]
    import_organizations(csv_bytes(*lines))
    db.session.commit()
    again = import_organizations(csv_bytes(*lines))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    lines[2] = f"{b2};Школа 2 им. Абая;;school;private;Алматы;Медеуский"
    changed = import_organizations(csv_bytes(*lines))
    db.session.commit()
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    org = db.session.scalar(sa.select(Organization).where(Organization.bin == b2))
    assert (org.name_ru, org.ownership, org.district.name) == ("Школа 2 им. Абая", "private", "Медеуский")
    assert org_count() == 2


def test_xlsx_with_number_bin_columns_in_any_order_and_labels(app):
    data = xlsx_bytes([
        ["district", "ownership", "level", "name_ru", "bin", "languages"],
        ["Алмалинский", "Государственная", "Школа", "Школа-лицей № 9", int(ZERO_BIN), "kk; ru"],
        [None, None, None, None, None, None],  # a blank row
        ["Алмалинский", "частная", "Колледж", "Колледж бизнеса", GOOD_BIN, "Орыс тілі"],
    ])
    data = _with_region(data)
    summary = import_organizations(data, "orgs.xlsx")
    assert summary.created == 2
    org = db.session.scalar(sa.select(Organization).where(Organization.bin == ZERO_BIN))
    assert (org.level, org.ownership, org.languages) == ("school", "state", "kk;ru")
    college = db.session.scalar(sa.select(Organization).where(Organization.bin == GOOD_BIN))
    assert (college.level, college.languages) == ("college", "ru")


def _with_region(data: bytes) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    sheet.cell(row=1, column=7, value="region")
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value:
            sheet.cell(row=row, column=7, value="Алматы")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_bom_stray_and_non_breaking_spaces(app):
    b1 = valid_bins(1)[0]
    data = "\ufeff" + HEADER.replace(";", " ; ") + "\n" + \
        f"\u00a0{b1}\u00a0; Школа\u00a0 № 5 ;; school ;state;  Алматы ;Бостандыкский\u00a0\n"
    summary = import_organizations(data.encode("utf-8"))
    assert summary.created == 1
    org = db.session.scalar(sa.select(Organization))
    assert org.name_ru == "Школа № 5"
    assert org.district.name == "Бостандыкский"


def test_comma_separated_csv(app):
    b1 = valid_bins(1)[0]
    summary = import_organizations(csv_bytes(HEADER.replace(";", ","), f"{b1},Школа,,school,state,Алматы,Медеуский"))
    assert summary.created == 1


def test_cp1251_csv_is_read_with_a_warning(app):
    b1 = valid_bins(1)[0]
    data = csv_bytes(HEADER, f"{b1};Школа;;school;state;Алматы;Медеуский", encoding="cp1251")
    summary = import_organizations(data)
    assert summary.created == 1
    assert any("1251" in str(w) for w in summary.warnings)
    assert db.session.scalar(sa.select(Organization.name_ru)) == "Школа"


def test_region_and_district_names_match_case_insensitively(app):
    b1, b2 = valid_bins(2)
    import_organizations(csv_bytes(HEADER, f"{b1};Школа;;school;state;Алматы;Медеуский",
                                   f"{b2};Школа;;school;state;АЛМАТЫ;медеуский"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(District)) == 1


def test_every_bad_row_is_reported_and_nothing_changes(app):
    b1, b2, b3 = valid_bins(3)
    import_organizations(csv_bytes(HEADER, f"{b1};Было;;school;state;Алматы;Медеуский"))
    db.session.commit()
    result = rejected(csv_bytes(
        HEADER,
        f"{b1};Стало;;school;state;Алматы;Медеуский",  # a good update that must not be applied
        f"{b2[:-1]}{(int(b2[-1]) + 1) % 10};Школа;;school;state;Алматы;Медеуский",  # wrong check digit
        f"{b3};;;university;state;Алматы;Медеуский",  # no name, unknown level
        "12AB;Школа;;school;public;;Медеуский",  # letters in BIN, unknown ownership, no region
        f"{b2};Школа;;school;state;Алматы;Медеуский",
        f"{b2};Дубль;;school;state;Алматы;Медеуский",  # duplicate BIN inside the file
    ))
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(3, "bin"), (4, "name_ru"), (4, "level"), (5, "bin"), (5, "ownership"), (5, "region"),
                     (7, "bin")}
    assert "row 6" in str(next(e for e in result.errors if e.row == 7).message).replace("row ", "row ")
    db.session.rollback()
    assert org_count() == 1
    assert db.session.scalar(sa.select(Organization.name_ru)) == "Было"


def test_scientific_notation_bin_is_explained(app):
    result = rejected(csv_bytes(HEADER, "9.4014E+11;Школа;;school;state;Алматы;Медеуский"))
    assert [(e.row, e.column) for e in result.errors] == [(2, "bin")]
    assert "scientific" in str(result.errors[0].message)


def test_unknown_columns_are_ignored_with_a_warning(app):
    b1 = valid_bins(1)[0]
    summary = import_organizations(csv_bytes(HEADER + ";director_phone", f"{b1};Школа;;school;state;Алматы;Медеуский;+7 701"))
    assert summary.created == 1
    assert any("director_phone" in str(w) for w in summary.warnings)


def test_missing_required_columns(app):
    result = rejected(csv_bytes("bin;name_ru;level", f"{GOOD_BIN};Школа;school"))
    assert "ownership" in str(result.file_error) and "district" in str(result.file_error)


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"", "orgs.csv", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "photo.png", "not a spreadsheet"),
        (b"%PDF-1.7\n" + b"x" * 500, "orgs.xlsx", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "orgs.xls", ".xls"),
        (b"PK\x03\x04garbage-not-a-zip", "orgs.xlsx", "damaged"),
    ],
)
def test_files_that_are_not_spreadsheets_get_a_clear_error(app, data, filename, words):
    result = rejected(data, filename)
    assert words in str(result.file_error)
    assert result.errors == []


def test_a_zip_that_is_not_a_workbook(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "zip archive" in str(rejected(buffer.getvalue(), "orgs.xlsx").file_error)


def test_zip_bomb_is_refused(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    assert "implausible" in str(rejected(buffer.getvalue(), "orgs.xlsx").file_error)


def test_header_only_file(app):
    assert "no organizations" in str(rejected(csv_bytes(HEADER)).file_error)


def test_iin_as_organization_id(app, make_iin_for):
    iin = make_iin_for()
    summary = import_organizations(csv_bytes(
        "bin;id_kind;name_ru;level;ownership;region;district",
        f"{iin};iin;ИП Мини-центр;preschool;private;Алматы;Медеуский"))
    assert summary.created == 1
    assert db.session.scalar(sa.select(Organization.id_kind)) == "iin"


def test_translated_errors(app):
    from flask_babel import force_locale

    result = rejected(csv_bytes(HEADER, "123;Школа;;school;state;Алматы;Медеуский"))
    with force_locale("ru"):
        assert "12 цифр" in str(result.errors[0].message)
    with force_locale("kk"):
        assert "12 цифр" in str(result.errors[0].message)


# --- the commands ---------------------------------------------------------------------------------------------

def test_cli_import_prints_summary_and_audits(runner, tmp_path):
    b1, b2 = valid_bins(2)
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(HEADER, f"{b1};Школа;;school;state;Алматы;Медеуский",
                               f"{b2};Сад;;preschool;private;Алматы;Медеуский"))
    result = runner.invoke(args=["survey", "import-orgs", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0" in result.output
    again = runner.invoke(args=["survey", "import-orgs", str(path)])
    assert "created 0, updated 0, unchanged 2" in again.output
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "registry.import")).all()
    assert len(events) == 2 and events[0].details["created"] == 2


def test_cli_import_rejects_with_row_list(runner, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(HEADER, "123;Школа;;school;state;Алматы;Медеуский", f"{GOOD_BIN};;;school;x;Алматы;М"))
    result = runner.invoke(args=["survey", "import-orgs", str(path)])
    assert result.exit_code == 1
    assert "Row 2, column bin" in result.output
    assert "Row 3, column name_ru" in result.output and "Row 3, column ownership" in result.output
    assert "nothing was changed" in result.output
    assert org_count() == 0


def test_cli_import_of_a_non_spreadsheet_is_not_a_traceback(runner, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = runner.invoke(args=["survey", "import-orgs", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "not an Excel workbook" in result.output


def test_registry_template_round_trip(runner, tmp_path):
    path = tmp_path / "template.xlsx"
    result = runner.invoke(args=["survey", "registry-template", str(path), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["organizations", "notes"]
    headers = [c.value for c in workbook["organizations"][1]]
    assert headers[:1] == ["bin"] and {"level", "ownership", "region", "district"} <= set(headers)
    notes = [row[0] for row in workbook["notes"].iter_rows(values_only=True)]
    assert "college" in notes and "mini_centre" in notes
    assert any(row[1] == "Дошкольная организация" for row in workbook["notes"].iter_rows(values_only=True))
    # filled in, the template imports
    sheet = workbook["organizations"]
    values = {"bin": GOOD_BIN, "name_ru": "Школа", "level": "school", "ownership": "state", "region": "Алматы",
              "district": "Медеуский"}
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=index, value=values.get(header))
    workbook.save(path)
    assert runner.invoke(args=["survey", "import-orgs", str(path)]).exit_code == 0
    assert org_count() == 1
