"""``flask --app wsgi survey export profiles|responses …``: thin wrappers around ``survey.reports.services``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db

export_cli = AppGroup("export", help="Export staffing profiles and raw responses (.xlsx / .csv).")


def _filters(command):
    for option in reversed([
        click.option("--campaign", "campaign_code", required=True, help="Campaign code."),
        click.option("--region", default=None, help="Region name or id."),
        click.option("--district", default=None, help="District name or id."),
        click.option("--org", "org_bin", default=None, help="BIN of one organization."),
        click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="ru", show_default=True),
        click.option("--headers", type=click.Choice(["codes", "labels"]), default="labels", show_default=True,
                     help="Headers and values as CODEBOOK codes or translated labels."),
        click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path)),
    ]):
        command = option(command)
    return command


def _prepare(campaign_code, region, district, org_bin, lang, headers):
    from ..campaigns.services import CampaignError, get_campaign
    from .services import ExportError, select_organizations
    from .profiles import ExportContext

    try:
        campaign = get_campaign(campaign_code)
        selection = select_organizations(None, region=region, district=district, org_bin=org_bin)
    except (CampaignError, ExportError) as exc:
        raise click.ClickException(str(exc.message)) from exc
    return ExportContext(campaign, lang=lang, headers=headers, exported_by="cli"), selection


@export_cli.command("profiles")
@_filters
@click.option("--per-org", is_flag=True, help="Add one sheet per organization.")
@click.option("--zip", "as_zip", is_flag=True, help="A zip of organization workbooks instead.")
def export_profiles_command(campaign_code, region, district, org_bin, lang, headers, out, per_org, as_zip):
    """Staffing profiles: one organization's workbook, or a district / region / national workbook."""
    from .services import export_to_file

    if per_org and as_zip:
        raise click.UsageError("--per-org and --zip exclude each other.")
    ctx, selection = _prepare(campaign_code, region, district, org_bin, lang, headers)
    count = export_to_file("profiles", ctx, selection, out, by="cli", per_org=per_org, as_zip=as_zip)
    db.session.commit()
    click.echo(f"wrote {out} ({count} organizations)")


@export_cli.command("responses")
@_filters
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--layout", type=click.Choice(["tables", "flat"]), default="tables", show_default=True,
              help="flat: the paper-import layout (codes), re-importable.")
def export_responses_command(campaign_code, region, district, org_bin, lang, headers, out, fmt, layout):
    """Raw responses, one row per response (subjects and other jobs on their own sheets)."""
    from .services import export_to_file

    ctx, selection = _prepare(campaign_code, region, district, org_bin, lang, headers)
    count = export_to_file("responses", ctx, selection, out, by="cli", fmt=fmt, layout=layout)
    db.session.commit()
    click.echo(f"wrote {out} ({count} responses)")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
def worker_command(burst: bool) -> None:
    """Run the export queue (RQ on REDIS_URL) until stopped: one export at a time per worker."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from .worker import run_worker

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, exports run in a thread of the app server "
                                   "that took them, and no worker is needed.")
    try:
        run_worker(current_app._get_current_object(), burst=burst)
    except RedisConnectionError as exc:
        raise click.ClickException(f"Redis does not answer at REDIS_URL: {exc}") from exc
