"""Exports: choose the organizations (filters ∩ the caller's scope), shape, render, write a file.

The CLI, the web routes and the background jobs all call ``export_profiles`` and ``export_responses``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import audit, questions
from .. import codebook as cb
from ..campaigns.questions import questionnaire_for
from ..codebook import ResponseStatus
from ..extensions import db
from ..files import open_private
from ..models import Campaign, District, Organization, Region, Response
from ..questions import Questionnaire
from ..staffing import org_metrics
from . import excel, rows
from .labels import choice_labels, column_labels, header
from .plans import plan_sheets
from .sheets import Column, Table
from .profiles import ExportContext, about_sheet, area_sheets, organization_sheets

Progress = Callable[[int], None]  # percent done, 0–100


class ExportError(Exception):
    """A filter names nothing, or names something outside the caller's scope; ``message`` is translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Selection:
    """The organizations an export covers and how it was asked for (for the About sheet)."""

    organization_ids: sa.Select
    filters: dict[str, str]
    organization: Organization | None = None  # when exactly one organization was asked for (--org)


def select_organizations(scope: sa.Select | None, *, region: str | None = None, district: str | None = None,
                         org_bin: str | None = None) -> Selection:
    """Organizations inside ``scope`` (a SELECT of ids; None = all) narrowed by a region or district (name or
    id) or one organization's BIN. Naming something outside the scope is the same error as naming nothing."""
    query = sa.select(Organization.id)
    if scope is not None:
        query = query.where(Organization.id.in_(scope))
    filters: dict[str, str] = {}
    organization = None
    if org_bin:
        organization = db.session.scalar(sa.select(Organization).where(Organization.bin == org_bin.strip(),
                                                                        *([Organization.id.in_(scope)] if scope is not None else [])))
        if organization is None:
            raise ExportError(_("No organization with BIN %(bin)s in your scope.", bin=org_bin))
        query = query.where(Organization.id == organization.id)
        filters["org"] = org_bin
    if district:
        matches = _name_or_id(District, district)
        if len(matches) != 1:
            raise ExportError(_("District %(name)s is unknown or ambiguous; give its id.", name=district))
        query = query.where(Organization.district_id == matches[0])
        filters["district"] = district
    if region:
        matches = _name_or_id(Region, region)
        if len(matches) != 1:
            raise ExportError(_("Region %(name)s is unknown.", name=region))
        query = query.where(Organization.district_id.in_(sa.select(District.id).where(District.region_id == matches[0])))
        filters["region"] = region
    if db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) == 0:
        raise ExportError(_("No organization matches these filters in your scope."))
    return Selection(query, filters, organization)


def _name_or_id(model, value: str) -> list[int]:
    """Ids of the regions or districts with this id or name (case-insensitive in every alphabet)."""
    value = value.strip()
    if value.isdigit():
        return list(db.session.scalars(sa.select(model.id).where(model.id == int(value))))
    wanted = value.casefold()
    return [row_id for row_id, name in db.session.execute(sa.select(model.id, model.name)) if name.casefold() == wanted]


# staffing profiles -----------------------------------------------------------------------------------------------
def export_profiles(ctx: ExportContext, selection: Selection, target: str | Path | IO[bytes], *,
                    per_org: bool = False, as_zip: bool = False, progress: Progress | None = None) -> int:
    """Write the organization workbook (one organization), a zip of organization workbooks (``as_zip``) or the
    area workbook (district / region / national; ``per_org`` adds a sheet per organization). Returns the number
    of organizations."""
    progress = progress or (lambda percent: None)
    ctx.filters = {**selection.filters, **ctx.filters}
    with force_locale(ctx.lang):
        metrics = org_metrics(ctx.campaign, selection.organization_ids)
        progress(20)
        if as_zip:
            with _open(target) as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
                for done, org in enumerate(metrics.values(), start=1):
                    excel.render(organization_sheets(ctx, org), buffer := io.BytesIO())
                    archive.writestr(f"{org.bin}.xlsx", buffer.getvalue())
                    progress(20 + 80 * done // len(metrics))
        elif selection.organization is not None and not per_org:
            org = metrics[selection.organization.id]
            with _open(target) as stream:
                excel.render(organization_sheets(ctx, org), stream)
        else:
            with _open(target) as stream:
                excel.render(area_sheets(ctx, metrics, per_org=per_org,
                                         plans=plan_sheets(ctx, selection.organization_ids),
                                         organization_ids=selection.organization_ids), stream)
        progress(100)
    return len(metrics)


class _open:
    """A path opened for writing (a new file readable by its owner only: it holds personal data), or a stream used
    as it is."""

    def __init__(self, target):
        self.target = target
        self.stream = None

    def __enter__(self) -> IO[bytes]:
        if isinstance(self.target, (str, Path)):
            self.stream = open_private(self.target)
            return self.stream
        return self.target

    def __exit__(self, *exc) -> None:
        if self.stream is not None:
            self.stream.close()


# raw responses ---------------------------------------------------------------------------------------------------
def count_responses(campaign: Campaign, organization_ids) -> int:
    return db.session.scalar(sa.select(sa.func.count(Response.id)).where(
        Response.campaign_id == campaign.id, Response.status == ResponseStatus.SUBMITTED,
        Response.organization_id.in_(organization_ids))) or 0


def export_to_file(kind: str, ctx: ExportContext, selection: Selection, out: Path, *, by: audit.Actor,
                   **options) -> int:
    """An export written straight to a file (``flask survey export profiles|responses``), audited as
    ``export.<kind>``; ``options`` are ``export_profiles``' or ``export_responses``'. Returns the count."""
    write = export_profiles if kind == "profiles" else export_responses
    count = write(ctx, selection, out, **options)
    audit.record(f"export.{kind}", by=by, target=ctx.campaign,
                 details={**ctx.filters, "file": out.name, "count": count})
    return count


def organization_workbook(ctx: ExportContext, selection: Selection, organization: Organization, *,
                          by: audit.Actor) -> io.BytesIO:
    """One organization's workbook, built in the request that downloads it (a GET: its audit record is written
    on its own, ``audit.record_access``)."""
    buffer = io.BytesIO()
    export_profiles(ctx, selection, buffer)
    audit.record_access("export.profile", by=by, target=organization,
                        details={"campaign": ctx.campaign.code, "lang": ctx.lang})
    buffer.seek(0)
    return buffer


def _counted(items: Iterable, total: int, progress: Progress, start: int, span: int) -> Iterator:
    step = max(1, total // 50)
    for index, item in enumerate(items, start=1):
        if index % step == 0:
            progress(min(start + span, start + span * index // max(total, 1)))
        yield item


def export_responses(ctx: ExportContext, selection: Selection, target: str | Path | IO[bytes], *,
                     fmt: str = "xlsx", layout: str = "tables", progress: Progress | None = None,
                     max_rows: int = excel.EXCEL_MAX_ROWS) -> int:
    """Raw responses. ``layout="tables"``: Responses, Subjects, Other jobs (joined by response id), Codebook and
    About sheets (``fmt="csv"``: the same as CSV files with BOM in a zip). ``layout="flat"``: one sheet (or one
    CSV) in the paper-import layout, always in codes. Returns the number of responses."""
    progress = progress or (lambda percent: None)
    ctx.filters = {**selection.filters, **ctx.filters}
    ids = selection.organization_ids
    total = count_responses(ctx.campaign, ids)
    with force_locale(ctx.lang):
        questionnaire = questionnaire_for(ctx.campaign)
        if layout == "flat":
            fields = rows.flat_fields(questionnaire)
            data = _counted(rows.flat_rows(ctx.campaign, ids, questionnaire), total, progress, 0, 100)
            with _open(target) as stream:
                if fmt == "csv":
                    excel.write_csv(stream, fields, data)
                else:
                    excel.render([Table("responses", [Column(c) for c in fields], data, hashed=False)],
                                 stream, max_rows=max_rows)
            progress(100)
            return total
        values = ctx.headers
        repeated = rows.row_questions(questionnaire)
        tables = [
            Table(_("Responses"), _columns(rows.response_fields(questionnaire), ctx, questionnaire),
                  _counted(rows.response_rows(ctx.campaign, ids, values, ctx.lang, questionnaire), total, progress,
                           0, 80), hashed=False),
            *(Table(q.text("export_label"), _columns(rows.row_fields(q), ctx),
                    rows.question_rows(q, ctx.campaign, ids, values, ctx.lang), hashed=False) for q in repeated),
            codebook_table(questionnaire),
        ]
        with _open(target) as stream:
            if fmt == "csv":
                names = ("responses", *(q.code for q in repeated), "codebook")
                with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
                    for name, table in zip(names, tables):
                        with archive.open(f"{name}.csv", "w", force_zip64=True) as member:
                            excel.write_csv(member, [c.header for c in table.columns], table.rows)
            else:
                excel.render(tables + [about_sheet(ctx, [(_("Responses"), total)])], stream, max_rows=max_rows)
        progress(100)
    return total


def _columns(codes: Iterable[str], ctx: ExportContext, questionnaire: Questionnaire | None = None) -> list[Column]:
    return [Column(header(code, ctx.lang, ctx.headers, questionnaire=questionnaire), width=16) for code in codes]


def codebook_table(questionnaire: Questionnaire | None = None) -> Table:
    """Every code with its kk / ru / en labels, and every column code with its kk / ru / en header; a campaign's
    own questions' choices listed under the question's code."""
    questionnaire = questionnaire or questions.current()

    def labelled() -> Iterator[list]:
        for code, lazy in column_labels(questionnaire).items():
            texts = []
            for lang in ("kk", "ru", "en"):
                with force_locale(lang):
                    texts.append(str(lazy))
            yield ["column", code, *texts]
        for field_name, codes in cb.LABELS.items():
            if field_name == "languages":
                continue
            for code, (kk, ru, en) in codes.items():
                yield [field_name, code, kk, ru, en]
        for code, name, label in choice_labels(questionnaire):
            yield [code, name, label.kk, label.ru, label.en or label.ru]

    return Table(_("Codebook"), [Column("field", width=18), Column("code", width=26), Column("kk", width=40),
                                 Column("ru", width=40), Column("en", width=40)], labelled(), hashed=False)
