"""Workbooks are documents people print (issue 14 item 15): A4, fit to width (landscape when wide), header rows
repeated, every header whole, no chart cut by a page edge. The print setup of every kind of workbook is read back
with openpyxl; where LibreOffice is installed, real workbooks are printed to PDF and their text read back."""

from __future__ import annotations

import io
import math
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pdf_text import needs_libreoffice, pages, to_pdf
from survey.extensions import db
from survey.models import Campaign, Organization, Response
from survey.reports import excel
from survey.reports.services import export_profiles, export_responses, select_organizations
from survey.reports.sheets import Blocks, Chart, Column, Table
from survey.reports.profiles import ExportContext
from test_exports import data, export  # noqa: F401  (the staffing data set and its export helper)

A4 = 9
PRINTABLE_WIDTH = {"portrait": 595.3 - 72, "landscape": 841.9 - 72}  # A4 less 0.5 in margins left and right
PRINTABLE_HEIGHT = {"portrait": 841.9 - 108, "landscape": 595.3 - 108}  # … and 0.75 in at the top and bottom
EMU_PER_POINT = 12_700


def _width(sheet) -> float:
    """The sheet's columns in points as Excel draws them (7 px a unit of width at 96 px an inch)."""
    return 5.25 * sum(sheet.column_dimensions[get_column_letter(i)].width or 8.43
                      for i in range(1, sheet.max_column + 1))


def _row_height(sheet, row: int) -> float:
    return sheet.row_dimensions[row].height or 15.0


def _page_holds(sheet) -> float:
    """A page's height in the sheet's points at the largest scale a program may print it at: fitting to width
    scales by the printable width over the columns' width, drawn narrowest by Excel, and never beyond 100 %."""
    page = sheet.page_setup
    scale = min(1.0, int(page.fitToWidth) * PRINTABLE_WIDTH[page.orientation] / _width(sheet))
    return PRINTABLE_HEIGHT[page.orientation] / scale


def assert_chart_whole_on_a_page(sheet, chart) -> None:
    """No manual break falls inside the rows under the chart, and the rows from the last break before it down to
    its bottom fit one page (so no automatic break falls inside either, whatever the scale)."""
    first = chart.anchor._from.row + 1
    height = chart.anchor.ext.height / EMU_PER_POINT
    last = first + math.ceil(height / 15) - 1
    breaks = [brk.id for brk in sheet.row_breaks.brk]
    assert not [b for b in breaks if first <= b < last], (sheet.title, first, last, breaks)
    top = max([b for b in breaks if b < first], default=0) + 1
    used = sum(_row_height(sheet, row) for row in range(top, first)) + height
    assert used <= _page_holds(sheet), (sheet.title, used)
    assert chart.anchor._from.col == 0 and chart.anchor.ext.width / EMU_PER_POINT <= _width(sheet)


def assert_prints(book, titled: set[str]) -> None:
    """Every sheet: A4, fitted to the page width, landscape when wider than 1.2 portrait pages, the sheet's name
    above and the page number below; the sheets in ``titled`` repeat their header row on every page."""
    assert titled <= set(book.sheetnames)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert int(setup.paperSize) == A4, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and int(setup.fitToHeight) == 0, sheet.title
        wide = _width(sheet) > 1.2 * PRINTABLE_WIDTH["portrait"]
        assert setup.orientation == ("landscape" if wide else "portrait"), sheet.title
        pages_wide = int(setup.fitToWidth)
        assert pages_wide == 1 or _width(sheet) * 0.6 > (pages_wide - 1) * PRINTABLE_WIDTH["landscape"], sheet.title
        assert (sheet.oddHeader.center.text, sheet.oddFooter.center.text) == ("&A", "&P / &N")
        assert sheet.print_title_rows == ("$1:$1" if sheet.title in titled else None), sheet.title
        for chart in sheet._charts:
            assert_chart_whole_on_a_page(sheet, chart)


AREA_TABLES = {"Organizations", "Subjects", "By level", "Flags"}
RAW_TABLES = {"Responses", "Subjects", "Other jobs", "Codebook"}


def test_every_kind_of_workbook_is_set_up_for_print(data, tmp_path):
    organization = load_workbook(export("profiles", data, tmp_path, "org.xlsx", org_bin=data.s1.bin))
    assert_prints(organization, {"Staff", "Subjects", "Vacancies", "Flags"})
    assert organization["Profile"].page_setup.orientation == "portrait"
    assert organization["Staff"].page_setup.orientation == "landscape"  # ten columns
    assert int(organization["Staff"].page_setup.fitToWidth) == 1
    assert len(organization["Profile"]._charts) == 3
    for name, options in [("district.xlsx", {"district": "Медеуский"}), ("region.xlsx", {"region": "Алматы"}),
                          ("national.xlsx", {}), ("per-org.xlsx", {"per_org": True})]:
        area = load_workbook(export("profiles", data, tmp_path, name, **options))
        assert_prints(area, AREA_TABLES)
        sheet = area["Organizations"]  # 37 columns: over several landscape pages, BIN and name on each
        assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.fitToWidth) >= 2, name
        assert sheet.print_title_cols == "$A:$B"
    with zipfile.ZipFile(export("profiles", data, tmp_path, "all.zip", as_zip=True)) as archive:
        for member in archive.namelist():
            assert_prints(load_workbook(io.BytesIO(archive.read(member))), {"Staff", "Subjects", "Vacancies", "Flags"})
    raw = load_workbook(export("responses", data, tmp_path, "raw.xlsx"))
    assert_prints(raw, RAW_TABLES)
    assert raw["Responses"].print_title_cols == "$A:$A"
    assert_prints(load_workbook(export("responses", data, tmp_path, "flat.xlsx", layout="flat")), {"responses"})
    cut = load_workbook(export("responses", data, tmp_path, "cut.xlsx", max_rows=4))
    assert "Responses (3)" in cut.sheetnames
    assert_prints(cut, set(cut.sheetnames) - {"About"})  # a table continued on more sheets repeats its header


def test_charts_go_to_the_next_page_rather_than_across_the_edge(tmp_path):
    """Tables of every length, each with a chart under it: the breaks fall between them, never inside a chart."""
    blocks = [Table("", [Column("Label"), Column("Value", "int")], [[f"row {i}", i] for i in range(rows)],
                    charts=[Chart("bar", f"Chart {n}")])
              for n, rows in enumerate([5, 30, 12, 45, 3, 20, 8])]
    path = tmp_path / "blocks.xlsx"
    excel.render([Blocks("Profile", blocks)], path)
    sheet = load_workbook(path)["Profile"]
    assert len(sheet._charts) == 7 and len(sheet.row_breaks.brk) >= 3
    for chart in sheet._charts:
        assert_chart_whole_on_a_page(sheet, chart)
    breaks = [0] + [brk.id for brk in sheet.row_breaks.brk]
    for top, bottom in zip(breaks, breaks[1:]):  # every page holds its rows
        assert sum(_row_height(sheet, row) for row in range(top + 1, bottom + 1)) <= _page_holds(sheet)


def test_long_headers_wrap_between_words_and_the_row_grows(tmp_path):
    path = tmp_path / "wrap.xlsx"
    header = "Overloaded (over 1.5 rates in all jobs)"
    excel.render([Table("T", [Column("BIN", width=14), Column(header, "percent", width=8), Column("Professionally")],
                        [["1", 0.5, 1]])], path)
    sheet = load_workbook(path)["T"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] == 14 and widths[1] > 8  # "Overloaded" is wider than 8 digits: never broken inside a word
    assert widths[2] >= len("Professionally")  # a column without a width shows its header on one line
    assert sheet["B1"].alignment.wrap_text and sheet.row_dimensions[1].height >= 45  # three lines or more


# LibreOffice -------------------------------------------------------------------------------------------------------
@pytest.fixture
def almaty(runner):
    """The Almaty demo with its integrity checks run; the campaign and its largest organization."""
    assert runner.invoke(args=["survey", "demo"]).exit_code == 0
    campaign = db.session.scalar(sa.select(Campaign))
    assert runner.invoke(args=["survey", "check", "--campaign", campaign.code]).exit_code == 0
    largest = db.session.execute(sa.select(Response.organization_id).where(Response.campaign_id == campaign.id)
                                 .group_by(Response.organization_id).order_by(sa.func.count().desc())).first()[0]
    return campaign, db.session.get(Organization, largest)


def _export(campaign, path, lang, kind="profiles", **filters):
    ctx = ExportContext(campaign, lang=lang, exported_by="tester@example.kz")
    (export_profiles if kind == "profiles" else export_responses)(ctx, select_organizations(None, **filters), path)
    return path


def _legend(sheet, chart) -> list[str]:
    """What the chart's legend lists: its series' names, or the categories of a pie."""
    if chart.tagname == "pieChart":
        source = chart.series[0].cat
        refs = [(source.strRef or source.numRef).f]
    else:
        refs = [series.tx.strRef.f for series in chart.series]
    values = []
    for ref in refs:
        cells = sheet[ref.split("!")[1].replace("$", "")]
        for row in cells if isinstance(cells, tuple) else ((cells,),):
            values += [cell.value for cell in row]
    return values


def _headers(sheet, labels: bool) -> list[str]:
    """The texts a reader must see whole: every bold cell (headers, the Profile's headings, About's labels), and
    with ``labels`` every text in the first column (a Profile's labels)."""
    return [cell.value for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str) and (cell.font.b or (labels and cell.column == 1))]


@needs_libreoffice
def test_libreoffice_prints_the_organization_profile_whole(almaty, tmp_path):
    campaign, org = almaty
    workbooks = [_export(campaign, tmp_path / f"org-{lang}.xlsx", lang, org_bin=org.bin) for lang in ("kk", "ru")]
    workbooks.append(_export(campaign, tmp_path / "district.xlsx", "ru", district=str(org.district_id)))
    workbooks.append(_export(campaign, tmp_path / "raw.xlsx", "kk", kind="responses"))
    pdfs = to_pdf(workbooks, tmp_path / "pdf", tmp_path)
    for path, pdf in zip(workbooks, pdfs):
        book, printed = load_workbook(path), pages(pdf)
        assert {page.sheet for page in printed} == set(book.sheetnames), path.name  # the sheet's name above each page
        for sheet in book.worksheets:
            own = [page for page in printed if page.sheet == sheet.title]
            assert own, (path.name, sheet.title)
            for text in _headers(sheet, labels=path.name.startswith("org-") and sheet is book.worksheets[0]):
                assert any(page.shows(text) for page in own), (path.name, sheet.title, text)
            for chart in sheet._charts:  # its title whole, and its whole legend under it on the same page
                title = chart.title.tx.rich.p[0].r[0].t
                found = [(page, word) for page in own if (word := page.find(title, aligned=False))]
                assert found, (path.name, title)
                page, word = found[0]
                for entry in _legend(sheet, chart):
                    assert page.find(entry, below=word.y0), (path.name, title, entry)
        if path.name.startswith("org-"):
            profile = [page for page in printed if page.sheet == book.sheetnames[0]]
            assert 1 <= len(profile) <= 4, (path.name, len(profile))
            assert profile[0].shows(org.name(path.stem[-2:])), path.name
            assert len(book[book.sheetnames[0]]._charts) == 3
    responses = [page for page in pages(pdfs[-1]) if page.sheet == "Жауаптар"]
    assert len(responses) >= 4  # the Almaty demo's ~1,100 rows, two pages wide: the header row and the response id on every page
    assert all(page.shows("Жауап идентификаторы") for page in responses)
