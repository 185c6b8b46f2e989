"""Shape staffing workbooks (organization; district / region / national) as sheets of rows. No openpyxl here:
``survey.reports.excel.render`` draws them. Every number comes from ``survey.staffing``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import codebook as cb
from ..extensions import db
from ..integrity.queries import export_rows
from ..integrity.catalogue import SEVERITY_LABELS, STATUS_LABELS
from ..models import Campaign, OrgReport, Vacancy
from ..staffing import METRIC_CODES, Metrics, OrgMetrics, rollup, total
from ..staffing.campaign_questions import (
    CHOICE_KINDS,
    NUMBER_KINDS,
    CampaignFigures,
    ScopeFigures,
    extra_questions,
    grouped_figures,
    scope_figures,
)
from ..staffing.metrics import PERCENT_CODES
from .labels import field_label, header
from .rows import staff_rows
from .sheets import Blocks, Chart, Column, Highlight, Pairs, Sheet, Table

FLAG_BATCH = 500  # organizations whose flags are read at a time (a national workbook's Flags sheet in flat memory)
COUNT_CODES = tuple(code for code in METRIC_CODES if code not in PERCENT_CODES)
SHARE_CODES = tuple(code for code in METRIC_CODES if code in PERCENT_CODES and not code.startswith("share_"))
LOW_RESPONSE_RATE = 0.8


@dataclass
class ExportContext:
    """Who exports what, in which language and header style; the About sheet reports it."""

    campaign: Campaign
    lang: str = "ru"
    headers: str = "labels"  # "codes" or "labels"
    exported_by: str = "cli"
    filters: dict[str, str] = field(default_factory=dict)
    exported_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    @property
    def values(self) -> str:
        return self.headers

    def code(self, field_name: str, value: str | None) -> str:
        """A code value, or its label in label mode."""
        if self.headers == "codes" or value is None:
            return value or ""
        return cb.label(field_name, value, self.lang)

    def metric(self, code: str) -> str:
        return header(code, self.lang, self.headers, metric=True)

    def field(self, code: str) -> str:
        return header(code, self.lang, self.headers)


def fmt_of(code: str) -> str:
    if code in PERCENT_CODES:
        return "percent"
    return "int" if code.startswith("headcount") else "decimal"


def number(value: Any) -> Any:
    """Decimals as floats (what an Excel cell holds); a missing ratio (0 / 0) stays an empty cell."""
    return float(value) if isinstance(value, Decimal) else value


# organization workbook -------------------------------------------------------------------------------------------
def organization_sheets(ctx: ExportContext, org: OrgMetrics) -> list[Sheet]:
    """Profile (with charts), Staff, Subjects, Vacancies, Campaign questions (when the campaign has its own),
    Flags, About."""
    sheets: list[Sheet] = [Blocks(_("Profile"), profile_blocks(ctx, org, charts=True))]
    staff = staff_rows(ctx.campaign, org.organization_id, ctx.headers, ctx.lang)
    sheets.append(Table(_("Staff"), [
        Column(ctx.field("response_id"), width=12), Column(ctx.field("name"), width=36),
        Column(ctx.field("post"), width=24), Column(ctx.field("basis"), width=22),
        Column(ctx.field("rate"), "decimal"), Column(ctx.field("teaching_hours"), "int"),
        Column(ctx.field("subjects"), width=40, wrap=True), Column(ctx.field("category"), width=22),
        Column(ctx.field("experience_total"), "decimal"), Column(ctx.field("age_band"), width=14),
    ], [[r.response_id, r.name, r.post, r.basis, r.rate, r.teaching_hours, r.subjects, r.category,
         r.experience_total, r.age_band] for r in staff], autofilter=True))
    sheets.append(subjects_table(ctx, org))
    sheets.append(Table(_("Vacancies"), [
        Column(ctx.field("post"), width=30), Column(ctx.field("subject"), width=30), Column(ctx.field("rate"), "decimal"),
    ], [[ctx.code("post", post), ctx.code("subject", subject), rate]
        for post, subject, rate in _vacancies(ctx.campaign, org.organization_id)]))
    sheets += campaign_questions_sheets(ctx, [org.organization_id])
    sheets.append(flags_table(ctx, {org.organization_id: org}, with_organization=False))
    sheets.append(about_sheet(ctx, [(_("Organization"), org.name(ctx.lang)), (field_label("bin"), org.bin)]))
    return sheets


def flags_table(ctx: ExportContext, orgs: dict[int, OrgMetrics], with_organization: bool = True) -> Table:
    """The integrity module's active flags of these organizations (by organization, most severe first), severity
    and status in the workbook's language (codes in a workbook of codes); streamed, FLAG_BATCH organizations at a
    time. An empty sheet says that no check found anything."""
    severity = SEVERITY_LABELS if ctx.headers == "labels" else {}
    status = STATUS_LABELS if ctx.headers == "labels" else {}
    lead = [Column(ctx.field("bin"), width=14), Column(ctx.field("organization"), width=40, wrap=True)]
    lead = lead if with_organization else []

    def rows():
        ids = sorted(orgs)  # the flags come by organization id
        for start in range(0, len(ids), FLAG_BATCH):
            for flag in export_rows(ctx.campaign, ids[start:start + FLAG_BATCH], ctx.lang):
                org = orgs[flag.organization_id]
                yield [*([org.bin, org.name(ctx.lang)] if with_organization else []), flag.rule, str(flag.title),
                       str(severity.get(flag.severity, flag.severity)), str(status.get(flag.status, flag.status)),
                       flag.person_name, "; ".join(f"{label}: {value}" for label, value in flag.evidence), flag.note]

    return Table(_("Flags"), lead + [
        Column(_("Rule")), Column(_("Check"), width=40, wrap=True), Column(_("Severity")), Column(_("Status")),
        Column(_("Person"), width=30, wrap=True), Column(_("Evidence"), width=60, wrap=True),
        Column(_("Note"), width=40, wrap=True),
    ], rows(), autofilter=True, key_columns=2 if with_organization else 1)


def profile_blocks(ctx: ExportContext, org: Metrics, charts: bool) -> list[Table]:
    """The Profile: every §7 metric with its label, then category mix, age bands and subject coverage."""
    first = _("Metric") if ctx.headers == "labels" else "code"
    blocks = []
    if isinstance(org, OrgMetrics):  # headed by the organization's name
        blocks.append(Table("", [Column(ctx.field("organization")), Column(org.name(ctx.lang))], [
            [ctx.field("bin"), org.bin],
            [ctx.field("level"), ctx.code("level", org.level)],
            [ctx.field("ownership"), ctx.code("ownership", org.ownership)],
            [ctx.field("district"), org.district],
            [ctx.field("region"), org.region],
        ], hashed=False))
    blocks.append(Table("", [Column(first), Column(_("Value"), "number")],  # counts whole, FTE with decimals
                        [[ctx.metric(code), number(org.value(code))] for code in COUNT_CODES]))
    blocks.append(Table("", [Column(first), Column(_("Share"), "percent")],
                        [[ctx.metric(code), number(org.value(code))] for code in SHARE_CODES]))
    blocks.append(Table("", [Column(ctx.field("category")), Column(_("Persons"), "int"), Column(_("Share"), "percent")],
                        [[ctx.code("category", c), org.categories.get(c, 0), number(org.value(f"share_{c}"))]
                         for c in cb.CATEGORIES],
                        charts=[Chart("pie", _("Qualification categories"))] if charts else []))
    blocks.append(Table("", [Column(ctx.field("age_band")), Column(_("Persons"), "int"), Column(_("Share"), "percent")],
                        [[ctx.code("age_band", b), org.age_bands.get(b, 0), number(org.value(f"share_age_{b}"))]
                         for b in cb.AGE_BANDS],
                        charts=[Chart("bar", _("Age bands"))] if charts else []))
    blocks.append(Table("", _subject_columns(ctx), _subject_rows(ctx, org),
                        charts=[Chart("bar", _("Subject coverage"), value_columns=(1, 2))] if charts else []))
    return blocks


def _subject_columns(ctx: ExportContext) -> list[Column]:
    return [Column(ctx.field("subject"), width=30), Column(ctx.metric("required"), "int"),
            Column(ctx.metric("covered"), "int"), Column(ctx.metric("coverage"), "percent"),
            Column(ctx.metric("shortage_fte"), "decimal")]


def _subject_rows(ctx: ExportContext, org: Metrics) -> list[list]:
    return [[ctx.code("subject", subject), cover.required, cover.covered, number(cover.coverage),
             number(cover.shortage_fte)] for subject, cover in sorted(org.subjects.items(), key=_codebook_order)]


_SUBJECT_RANK = {code: rank for rank, code in enumerate(cb.SUBJECTS)}


def _codebook_order(pair) -> tuple[int, str]:
    return _SUBJECT_RANK.get(pair[0], len(_SUBJECT_RANK)), pair[0]


def subjects_table(ctx: ExportContext, org: Metrics) -> Table:
    return Table(_("Subjects"), _subject_columns(ctx), _subject_rows(ctx, org))


def _vacancies(campaign: Campaign, organization_id: int) -> list[tuple]:
    return db.session.execute(
        sa.select(Vacancy.post, Vacancy.subject, Vacancy.rate).join(OrgReport, Vacancy.report_id == OrgReport.id)
        .where(OrgReport.campaign_id == campaign.id, OrgReport.organization_id == organization_id)
        .order_by(Vacancy.id)).all()


def about_sheet(ctx: ExportContext, extra: Iterable[tuple[str, Any]] = ()) -> Pairs:
    """Campaign, census date, who exported and when, filters, row counts, SHA-256 of the data rows, codebook."""
    extra = list(extra)

    def pairs(sha256: str, counts: dict[str, int]) -> list[tuple[str, Any]]:
        rows = [
            (_("Campaign"), f"{ctx.campaign.code} — {ctx.campaign.title(ctx.lang)}"),
            (_("Census date"), ctx.campaign.census_date.isoformat()),
            (_("Exported by"), ctx.exported_by),
            (_("Exported at (UTC)"), ctx.exported_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")),
            (_("Filters"), "; ".join(f"{k}={v}" for k, v in sorted(ctx.filters.items())) or _("none")),
            (_("Language"), ctx.lang),
            (_("Headers"), ctx.headers),
            *extra,
        ]
        rows += [(_("Rows on sheet %(sheet)s", sheet=name), count) for name, count in counts.items()]
        rows += [(_("SHA-256 of the data rows"), sha256), (_("Codebook version"), cb.CODEBOOK_VERSION)]
        return rows

    return Pairs(_("About"), pairs)


# district / region / national workbook ---------------------------------------------------------------------------
def area_sheets(ctx: ExportContext, metrics: dict[int, OrgMetrics], per_org: bool = False,
                plans: Any = None, organization_ids: sa.Select | None = None) -> list[Sheet]:
    """Organizations (totals row, autofilter, frozen header, highlights), Subjects matrix, By level, Campaign
    questions and Questions by organization (when the campaign has its own), Flags, About; with ``per_org`` one
    more sheet per organization (before About); with ``plans`` (``reports.plans.PlanSheets``) the Forecast and AI
    plan sheets, and their assumptions on the About sheet. ``organization_ids``: the SELECT the metrics were
    computed for (default: their ids)."""
    orgs = list(metrics.values())
    codes = METRIC_CODES + ("shortage_fte",)
    lead = [Column(ctx.field("bin"), width=14), Column(ctx.field("organization"), width=40, wrap=True),
            Column(ctx.field("district"), width=22, wrap=True), Column(ctx.field("region"), width=22, wrap=True),
            Column(ctx.field("level"), width=16, wrap=True), Column(ctx.field("ownership"), width=16, wrap=True)]
    columns = lead + [Column(ctx.metric(code), fmt_of(code), width=12) for code in codes]
    overall = total(orgs)
    sheets: list[Sheet] = [Table(
        _("Organizations"), columns,
        ([o.bin, o.name(ctx.lang), o.district, o.region, ctx.code("level", o.level),
          ctx.code("ownership", o.ownership), *(number(_value(o, c)) for c in codes)] for o in orgs),
        totals=[_("Total"), f"{overall.organizations}", "", "", "", "", *(number(_value(overall, c)) for c in codes)],
        autofilter=True,
        highlights=[Highlight(len(lead) + codes.index("shortage_fte"), "greaterThan", 0, "red"),
                    Highlight(len(lead) + codes.index("response_rate"), "lessThan", LOW_RESPONSE_RATE, "amber")],
        key_columns=2,
    )]
    subjects = [s for s in cb.SUBJECTS if any(s in o.subjects for o in orgs)]
    sheets.append(Table(
        _("Subjects"),
        lead[:2] + [Column(ctx.code("subject", s) if ctx.headers == "labels" else f"shortage_fte_{s}", "decimal",
                           width=12) for s in subjects],
        ([o.bin, o.name(ctx.lang), *(number(o.value(f"shortage_fte_{s}")) for s in subjects)] for o in orgs),
        totals=[_("Total"), "", *(number(overall.value(f"shortage_fte_{s}")) for s in subjects)],
        autofilter=True,
        highlights=[Highlight(2 + i, "greaterThan", 0, "red") for i in range(len(subjects))],
        key_columns=2,
    ))
    groups = rollup(orgs, "level_ownership")
    order = [(lv, ow) for lv in cb.Level for ow in cb.Ownership if (lv.value, ow.value) in groups]
    sheets.append(Table(
        _("By level"),
        [lead[4], lead[5], Column(ctx.metric("organizations"), "int")]
        + [Column(ctx.metric(code), fmt_of(code), width=12) for code in codes],
        ([ctx.code("level", lv), ctx.code("ownership", ow), groups[(lv, ow)].organizations,
          *(number(_value(groups[(lv, ow)], c)) for c in codes)] for lv, ow in order),
        totals=[_("Total"), "", overall.organizations, *(number(_value(overall, c)) for c in codes)],
        key_columns=2,
    ))
    sheets += campaign_questions_sheets(ctx, list(metrics) if organization_ids is None else organization_ids,
                                        metrics)
    sheets.append(flags_table(ctx, metrics))
    if per_org:
        for org in orgs:
            sheets.append(Blocks(f"{org.bin} {org.name(ctx.lang)}", profile_blocks(ctx, org, charts=False)))
    if plans is not None:
        sheets += plans.sheets
    sheets.append(about_sheet(ctx, [(_("Organizations"), len(orgs)), *(plans.about if plans else [])]))
    return sheets


def _value(metrics: Metrics, code: str):
    return metrics.shortage_fte if code == "shortage_fte" else metrics.value(code)


# the campaign's own questions (issue 17) -------------------------------------------------------------------------
def campaign_questions_sheets(ctx: ExportContext, organization_ids,
                              orgs: dict[int, OrgMetrics] | None = None) -> list[Sheet]:
    """The "Campaign questions" sheet of the scope (none when the campaign has no questions of its own); with
    ``orgs`` (an area workbook) also a sheet of the figures of each organization, its totals the scope's."""
    questions = extra_questions(ctx.campaign)
    if not questions:
        return []
    per_org = None if orgs is None else grouped_figures(ctx.campaign, organization_ids, "organization", questions)
    found = scope_figures(ctx.campaign, organization_ids, questions, per_org)
    sheets: list[Sheet] = [Blocks(_("Campaign questions"), campaign_question_blocks(ctx, found))]
    if per_org is not None:
        sheets.append(questions_by_organization(ctx, found, orgs, per_org))
    return sheets


def _question_columns(ctx: ExportContext, q) -> list[tuple[str, str]]:
    """(header, fmt) of one question's columns on the sheet by organization: each choice's count and the number
    who answered; for numbers the number who answered, mean and median; else the number who answered."""
    codes = ctx.headers == "codes"
    name = q.code if codes else q.text("label")

    def head(code: str, label: str) -> str:
        return f"{q.code}:{code}" if codes else f"{name}: {label}"

    answered = (head("answered", _("Answered")), "int")
    if q.kind in CHOICE_KINDS:
        return [(head(code, q.choice_label(code)), "int") for code in q.choice_codes()] + [answered]
    if q.kind in NUMBER_KINDS:
        return [answered, (head("mean", _("Mean")), "decimal"), (head("median", _("Median")), "decimal")]
    return [answered]


def _question_values(q, item) -> list:
    if q.kind in CHOICE_KINDS:
        return [item.chosen.get(code, 0) for code in q.choice_codes()] + [item.answered]
    if q.kind in NUMBER_KINDS:
        return [item.answered, number(item.mean), number(item.median)]
    return [item.answered]


def questions_by_organization(ctx: ExportContext, found: ScopeFigures, orgs: dict[int, OrgMetrics],
                              per_org: dict[int, CampaignFigures]) -> Table:
    """Each organization's answers to the campaign's questions (every organization of the scope, zeros where
    nobody answered), and the scope's totals: the same sums, medians over the scope's answers."""
    columns = [Column(ctx.field("bin"), width=14), Column(ctx.field("organization"), width=40, wrap=True),
               Column(ctx.field("district"), width=22, wrap=True), Column(ctx.field("region"), width=22, wrap=True),
               Column(_("Submitted responses"), "int", width=12)]
    columns += [Column(header, fmt, width=12) for q in found.questions for header, fmt in _question_columns(ctx, q)]
    empty = CampaignFigures()

    def rows():
        for org in orgs.values():
            figures = per_org.get(org.organization_id, empty)
            yield [org.bin, org.name(ctx.lang), org.district, org.region, figures.responses,
                   *(value for q in found.questions for value in _question_values(q, figures[q.code]))]

    overall = found.figures
    return Table(_("Questions by organization"), columns, rows(), autofilter=True, key_columns=2, totals=[
        _("Total"), f"{len(orgs)}", "", "", overall.responses,
        *(value for q in found.questions for value in _question_values(q, overall[q.code]))])


def campaign_question_blocks(ctx: ExportContext, found: ScopeFigures) -> list[Table]:
    """The number of submitted responses, then one block per question: each choice with its count and its share
    of those who answered, and the number who answered; for numbers the mean and median; for text and dates the
    number who answered. Labels in the workbook's language, or question and choice names in a workbook of codes."""
    codes = ctx.headers == "codes"
    figures = found.figures
    blocks = [Table("", [Column(_("Campaign questions"), width=40, wrap=True), Column(_("Value"), "int")], [
        [_("Submitted responses"), figures.responses],
        [_("A choice's share is of those who answered the question; the share who answered, of all submitted "
           "responses."), None],
    ], hashed=False)]
    for q in found.questions:
        item = figures[q.code]
        title = q.code if codes else q.text("label")
        answered = [_("Answered") if not codes else "answered", item.answered, number(figures.answered_share(q.code))]
        if q.kind in CHOICE_KINDS:
            rows = [[code if codes else q.choice_label(code), item.chosen.get(code, 0), number(item.share(code))]
                    for code in q.choice_codes()]
            blocks.append(Table("", [Column(title, width=40, wrap=True), Column(_("Persons"), "int"),
                                     Column(_("Share"), "percent")], rows + [answered]))
        elif q.kind in NUMBER_KINDS:
            blocks.append(Table("", [Column(title, width=40, wrap=True), Column(_("Value"), "number")], [
                answered[:2],
                [_("Mean") if not codes else "mean", number(item.mean)],
                [_("Median") if not codes else "median", number(item.median)],
            ]))
        else:
            blocks.append(Table("", [Column(title, width=40, wrap=True), Column(_("Persons"), "int"),
                                     Column(_("Share"), "percent")], [answered]))
    return blocks


