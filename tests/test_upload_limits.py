"""Uploads cannot tie up the server (issue 14, items 16 and 18): the header row is checked before any data row, each
kind of import stops at its row limit (a setting), a refused file lists at most 100 row errors and then says how many
more, and a workbook whose sheet XML is broken or carries a DTD is refused with a message, never a 500 or a
traceback. On the web (registry and roster uploads) and in the CLI (import-orgs, import-responses).

Time and memory on the million-row file are measured by bench/upload_limits.py, not here.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from survey import rules
from survey.directors.services import import_roster
from survey.extensions import db
from survey.models import Organization, OrgReport, RosterEntry
from survey.plans.services import import_growth
from survey.questionnaire.paper import import_responses
from survey.registry.services import MAX_LISTED_ERRORS, ImportRejected, import_organizations
from tests.spreadsheets import with_part, with_shared_strings, xlsx_bytes

REGISTRY_HEADER = ["bin", "name_ru", "level", "ownership", "region", "district"]
ROSTER_HEADER = ["iin", "last_name", "first_name"]
PAPER_HEADER = ["org_bin", "iin", *rules.MANDATORY, "subjects"]
GROWTH_HEADER = ["region", "district", "level", "growth_percent", "growth_pupils"]
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture
def limit(app):
    """Set one kind's row limit for the test."""
    saved = {}

    def set_limit(setting: str, rows: int) -> None:
        saved.setdefault(setting, app.config.get(setting))
        app.config[setting] = rows

    yield set_limit
    for setting, value in saved.items():
        app.config[setting] = value


@pytest.fixture
def national(client, login, make_user):
    login(make_user("national_admin"))
    return client


def registry_rows(count: int, rng) -> list[list]:
    from survey.demo import make_bin

    bins = set()
    while len(bins) < count:
        bins.add(make_bin(rng))
    return [[b, f"Школа {n}", "school", "state", "Алматы", "Медеуский"] for n, b in enumerate(sorted(bins))]


def upload_registry(client, csrf_token, data: bytes, name: str = "registry.xlsx"):
    token = csrf_token("/admin/registry/upload")
    return client.post("/admin/registry/upload", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def org_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organization))


# --- the row limit ----------------------------------------------------------------------------------------------

def test_the_registry_stops_at_its_row_limit_on_the_web_and_in_the_cli(national, csrf_token, limit, rng, runner,
                                                                       tmp_path):
    limit("MAX_UPLOAD_ROWS_REGISTRY", 5)
    rows = registry_rows(6, rng)
    page = upload_registry(national, csrf_token, xlsx_bytes([REGISTRY_HEADER] + rows))
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "more than 5 rows" in html and "MAX_UPLOAD_ROWS_REGISTRY" in html
    assert org_count() == 0
    path = tmp_path / "registry.xlsx"
    path.write_bytes(xlsx_bytes([REGISTRY_HEADER] + rows))
    result = runner.invoke(args=["survey", "import-orgs", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: The file has more than 5 rows below its header (empty rows between filled ones count too): one "
        "import takes at most 5 (setting MAX_UPLOAD_ROWS_REGISTRY). Split the file, or delete what lies below the "
        "table, and upload again. The file was rejected and nothing was changed."]
    # at the limit the file goes in, and the refusal is in the page's language
    page = upload_registry(national, csrf_token, xlsx_bytes([REGISTRY_HEADER] + rows[:5]))
    assert page.status_code == 200 and org_count() == 5
    national.get("/lang/ru")
    html = upload_registry(national, csrf_token, xlsx_bytes([REGISTRY_HEADER] + rows)).get_data(as_text=True)
    assert "более 5 строк" in html and org_count() == 5


def test_every_kind_has_its_own_limit(app, limit, make_org, make_campaign, make_user, make_iin_for, rng):
    org = make_org(bin="940140000385")
    campaign = make_campaign(code="CENSUS26")
    report = OrgReport(campaign_id=campaign.id, organization_id=org.id)
    db.session.add(report)
    director = make_user("director", organization=org)
    admin = make_user("national_admin")
    for setting in ("MAX_UPLOAD_ROWS_REGISTRY", "MAX_UPLOAD_ROWS_ROSTER", "MAX_UPLOAD_ROWS_RESPONSES",
                    "MAX_UPLOAD_ROWS_GROWTH"):
        limit(setting, 3)
    people = [[make_iin_for(), "Ким", "Анна"] for _ in range(4)]
    imports = {
        "MAX_UPLOAD_ROWS_REGISTRY": lambda: import_organizations(xlsx_bytes([REGISTRY_HEADER] + registry_rows(4, rng))),
        "MAX_UPLOAD_ROWS_ROSTER": lambda: import_roster(report, xlsx_bytes([ROSTER_HEADER] + people), "r.xlsx",
                                                        director),
        "MAX_UPLOAD_ROWS_RESPONSES": lambda: import_responses(campaign, xlsx_bytes(
            [PAPER_HEADER] + [[org.bin] + person for person in people])),
        "MAX_UPLOAD_ROWS_GROWTH": lambda: import_growth(admin, xlsx_bytes(
            [GROWTH_HEADER] + [["Алматы", f"District {n}", "school", "1", None] for n in range(4)]), "g.xlsx"),
    }
    for setting, run in imports.items():
        with pytest.raises(ImportRejected) as caught:
            run()
        assert setting in str(caught.value.file_error) and caught.value.errors == []
    limit("MAX_UPLOAD_ROWS_ROSTER", 4)  # one kind's setting moves that kind's limit only
    assert import_roster(report, xlsx_bytes([ROSTER_HEADER] + people), "r.xlsx", director) == 4


def test_a_cell_far_below_the_table_counts_and_blank_rows_are_skipped(app, limit, rng):
    limit("MAX_UPLOAD_ROWS_REGISTRY", 50)
    rows = registry_rows(2, rng)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [REGISTRY_HEADER, rows[0], [], [], rows[1]]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert import_organizations(buffer.getvalue(), "r.xlsx").created == 2  # blank rows in between are no rows
    db.session.rollback()
    sheet.cell(row=1_000_000, column=7, value="stray")  # one cell, a million rows down: refused, not walked to
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportRejected) as caught:
        import_organizations(buffer.getvalue(), "r.xlsx")
    assert "more than 50 rows" in str(caught.value.file_error)


def test_the_header_row_is_checked_before_any_data_row(app):
    """A wrong header is refused for what it is, even when the rows below it could not be read at all."""
    data = xlsx_bytes([["organization", "name"], ["1", "x"], ["2", "y"]])
    broken = with_part(data, SHEET, lambda xml: xml[:xml.index(b'<row r="2"')] + b'<row r="2"><c r="A2"><v>1<')
    with pytest.raises(ImportRejected) as caught:
        import_organizations(broken, "r.xlsx")
    assert "Required columns are missing" in str(caught.value.file_error)


def test_csv_stops_at_the_limit_too(app, limit):
    limit("MAX_UPLOAD_ROWS_REGISTRY", 10)
    lines = [";".join(REGISTRY_HEADER)] + [f"{n:012d};Школа;school;state;Алматы;Медеуский" for n in range(11)]
    with pytest.raises(ImportRejected) as caught:
        import_organizations("\n".join(lines).encode(), "r.csv")
    assert "more than 10 rows" in str(caught.value.file_error)


# --- at most 100 row errors, then "and N more" ------------------------------------------------------------------

def bad_registry(count: int) -> bytes:
    """``count`` rows whose only fault is a BIN of three digits (one error a row)."""
    lines = [";".join(REGISTRY_HEADER)] + [f"{n:03d};Школа;school;state;Алматы;Медеуский" for n in range(count)]
    return "\n".join(lines).encode()


def test_row_errors_are_listed_up_to_a_hundred_then_counted(national, csrf_token, runner, tmp_path):
    assert MAX_LISTED_ERRORS == 100
    with pytest.raises(ImportRejected) as caught:
        import_organizations(bad_registry(150), "r.csv")
    assert (len(caught.value.errors), caught.value.total, caught.value.more) == (100, 150, 50)
    assert [e.row for e in caught.value.errors] == list(range(2, 102))
    db.session.rollback()

    page = upload_registry(national, csrf_token, bad_registry(150), "r.csv")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "Errors: 150" in html
    assert len(re.findall(r"<tr><td>\d+</td>", html)) == 100
    assert "…and 50 more errors. Correct the rows above and upload the file again to see them." in html

    path = tmp_path / "r.csv"
    path.write_bytes(bad_registry(150))
    result = runner.invoke(args=["survey", "import-orgs", str(path)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 102
    assert lines[-2:] == ["…and 50 more errors. Correct the rows above and upload the file again to see them.",
                          "150 errors. The file was rejected and nothing was changed."]
    # a hundred errors exactly: all listed, nothing more to say
    with pytest.raises(ImportRejected) as caught:
        import_organizations(bad_registry(100), "r.csv")
    assert (len(caught.value.errors), caught.value.more, caught.value.more_message) == (100, 0, None)


def test_the_roster_page_lists_a_hundred_errors_then_counts(client, login, csrf_token, make_org, make_campaign,
                                                            make_user):
    org = make_org()
    make_campaign(code="KZ26")
    login(make_user("director", organization=org))
    token = csrf_token("/director/KZ26/roster")
    data = xlsx_bytes([ROSTER_HEADER] + [[f"{n:03d}", "Ким", "Анна"] for n in range(130)])
    client.get("/lang/kk")
    page = client.post("/director/KZ26/roster/upload", data={"csrf_token": token, "file": (io.BytesIO(data), "r.xlsx")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and len(re.findall(r"<tr><td>\d+</td>", html)) == 100
    assert "тағы 30 қате" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 0


# --- broken sheets and DTDs (item 18) ---------------------------------------------------------------------------

def broken_sheet(data: bytes) -> bytes:
    """The sheet's XML cut off inside the third row, as a damaged download leaves it."""
    return with_part(data, SHEET, lambda xml: xml[:xml.index(b'<row r="3"') + 30])


def with_dtd(part: str):
    def change(xml: bytes) -> bytes:
        declaration = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        return xml[:end] + declaration + xml[end:]

    return part, change


BAD_WORKBOOKS = {
    "broken-sheet": (broken_sheet, "damaged near row 3"),
    "dtd-in-sheet": (lambda data: with_part(data, *with_dtd(SHEET)), "document type declaration"),
    "dtd-in-workbook": (lambda data: with_part(data, *with_dtd("xl/workbook.xml")), "document type declaration"),
    "dtd-in-styles": (lambda data: with_part(data, *with_dtd("xl/styles.xml")), "document type declaration"),
    "dtd-in-content-types": (lambda data: with_part(data, *with_dtd("[Content_Types].xml")),
                             "document type declaration"),
}


@pytest.mark.parametrize("kind", BAD_WORKBOOKS)
def test_a_broken_or_dtd_workbook_is_refused_on_the_web(national, csrf_token, rng, kind):
    spoil, words = BAD_WORKBOOKS[kind]
    data = spoil(xlsx_bytes([REGISTRY_HEADER] + registry_rows(4, rng)))
    page = upload_registry(national, csrf_token, data)
    assert page.status_code == 422, page.status_code
    assert words in page.get_data(as_text=True) and org_count() == 0


@pytest.mark.parametrize("kind", ["broken-sheet", "dtd-in-sheet"])
def test_a_broken_or_dtd_workbook_is_one_line_in_the_cli(app, runner, tmp_path, rng, make_campaign, kind):
    spoil, words = BAD_WORKBOOKS[kind]
    make_campaign(code="CENSUS26")
    path = tmp_path / "file.xlsx"
    path.write_bytes(spoil(xlsx_bytes([REGISTRY_HEADER] + registry_rows(4, rng))))
    for args in (["survey", "import-orgs", str(path), "--lang", "ru"],
                 ["survey", "import-responses", "--campaign", "CENSUS26", str(path)]):
        result = runner.invoke(args=args)
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1, result.output
        assert lines[0].startswith("Ошибка: " if "ru" in args else "Error: "), result.output
        assert "Traceback" not in result.output and "ParseError" not in result.output
    said = runner.invoke(args=["survey", "import-orgs", str(path), "--lang", "ru"]).output
    assert ("повреждён" if kind == "broken-sheet" else "DTD") in said and "Файл отклонён, ничего не изменено." in said
    assert org_count() == 0


def test_the_roster_upload_refuses_a_broken_sheet(client, login, csrf_token, make_org, make_campaign, make_user,
                                                 make_iin_for):
    org = make_org()
    make_campaign(code="KZ26")
    login(make_user("director", organization=org))
    token = csrf_token("/director/KZ26/roster")
    data = broken_sheet(xlsx_bytes([ROSTER_HEADER] + [[make_iin_for(), "Ким", "Анна"] for _ in range(3)]))
    page = client.post("/director/KZ26/roster/upload", data={"csrf_token": token, "file": (io.BytesIO(data), "r.xlsx")},
                       content_type="multipart/form-data")
    assert page.status_code == 422 and "damaged near row 3" in page.get_data(as_text=True)


def test_a_national_registry_fits_the_default_limit(app):
    """About 20,000 organizations: the default registry limit reads every row (the import itself: bench)."""
    from survey.tabular import read_table

    lines = [";".join(REGISTRY_HEADER)] + [f"{n:012d};Школа {n};school;state;Алматы;Медеуский" for n in range(20_000)]
    table = read_table("\n".join(lines).encode(), "r.csv", kind="registry")
    assert sum(1 for _ in table.rows) == 20_000


def test_a_table_of_texts_longer_than_the_rows_could_use_is_refused_unread(app, limit, rng):
    """Excel keeps a workbook's texts in one table that is read whole before any row (tens of microseconds a text):
    a table of more texts than ten for each row allowed is refused after counting them."""
    from survey.tabular import STRINGS_PER_ROW

    limit("MAX_UPLOAD_ROWS_REGISTRY", 5)
    rows = [REGISTRY_HEADER] + registry_rows(3, rng)
    data = xlsx_bytes(rows)
    texts = sum(isinstance(cell, str) for row in rows for cell in row)  # every cell (the BIN too) is a text
    assert import_organizations(with_shared_strings(data), "r.xlsx").total == 3  # Excel's way of writing texts
    assert import_organizations(with_shared_strings(data, 5 * STRINGS_PER_ROW - texts), "r.xlsx").total == 3
    with pytest.raises(ImportRejected) as caught:
        import_organizations(with_shared_strings(data, 5 * STRINGS_PER_ROW - texts + 1), "r.xlsx")
    assert "implausible" in str(caught.value.file_error)
