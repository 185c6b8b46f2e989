"""``flask --app wsgi survey …`` commands. Thin: parse arguments, call a service, commit, print."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext, ngettext

from .extensions import db

survey_cli = AppGroup("survey", help="Staffing survey administration.")

LANG_OPTION = click.option(
    "--lang", type=click.Choice(["kk", "ru", "en"]), default="en", show_default=True, help="Language of messages."
)


def _parse_datetime(value: str | None) -> dt.datetime | None:
    """An ISO date-time; without a zone it is read in the installation's time zone."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date-time such as 2026-12-01T09:00") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return moment.astimezone(dt.timezone.utc)


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from exc


def _reject(rejected) -> None:
    """Report a refused import (every row error, in the chosen language) and stop with status 1."""
    db.session.rollback()
    for warning in rejected.warnings:
        click.echo(gettext("Warning: %(message)s", message=warning), err=True)
    rejected_text = gettext("The file was rejected and nothing was changed.")
    if rejected.file_error is not None:  # one line, whatever is wrong with the file
        click.echo(gettext("Error: %(message)s", message=f"{rejected.file_error} {rejected_text}"), err=True)
        sys.exit(1)
    for error in rejected.errors:
        click.echo(gettext("Row %(row)s, column %(column)s: %(message)s", row=error.row, column=error.column,
                           message=error.message), err=True)
    if rejected.more:
        click.echo(str(rejected.more_message), err=True)
    click.echo(ngettext("%(num)s error.", "%(num)s errors.", rejected.total) + " " + rejected_text, err=True)
    sys.exit(1)


@survey_cli.command("import-orgs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@LANG_OPTION
def import_orgs_command(path: Path, lang: str) -> None:
    """Import or update the organization registry from an .xlsx or .csv file (all or nothing)."""
    from .registry.services import ImportRejected, import_organizations

    with force_locale(lang):
        try:
            summary = import_organizations(path.read_bytes(), path.name, by="cli")
        except ImportRejected as rejected:
            _reject(rejected)
        db.session.commit()
        for warning in summary.warnings:
            click.echo(gettext("Warning: %(message)s", message=warning), err=True)
        click.echo(
            f"created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged} "
            f"(new regions {summary.regions_created}, new districts {summary.districts_created})"
        )


@survey_cli.command("import-responses")
@click.option("--campaign", "campaign_code", required=True, help="Campaign code.")
@click.option("--from", "source", type=click.Choice(["paper", "odk", "kobo"]), default="paper", show_default=True,
              help="paper: the flat layout (.xlsx or .csv, CODEBOOK §2 columns plus org_bin); odk: ODK Central's "
                   "CSV export (.csv.zip); kobo: KoboToolbox's XLSX (or CSV) export with XML values and headers.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@LANG_OPTION
def import_responses_command(campaign_code: str, source: str, path: Path, lang: str) -> None:
    """Import questionnaires filled on paper, or in ODK Collect or KoboCollect; all or nothing. A submission
    imported before (the same instance id and answers) changes nothing; an edited one becomes a new version."""
    from .campaigns.services import CampaignError, get_campaign
    from .concurrency import commit_with_retry
    from .questionnaire.paper import import_responses
    from .registry.services import ImportRejected

    with force_locale(lang):
        try:
            campaign = get_campaign(campaign_code)
        except CampaignError as exc:
            raise click.ClickException(str(exc.message)) from exc
        data = path.read_bytes()
        try:  # another edit of the same responses may commit first
            summary = commit_with_retry(lambda: import_responses(campaign, data, path.name, source=source, by="cli"))
        except ImportRejected as rejected:
            _reject(rejected)
        for warning in summary.warnings:
            click.echo(gettext("Warning: %(message)s", message=warning), err=True)
        click.echo(f"created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}")


@survey_cli.command("registry-template")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@LANG_OPTION
def registry_template_command(path: Path, lang: str) -> None:
    """Write an empty, documented .xlsx template for the organization registry."""
    from .registry.template import build_registry_template

    with force_locale(lang):
        path.write_bytes(build_registry_template(lang))
    click.echo(f"wrote {path}")


@survey_cli.command("create-campaign")
@click.option("--code", required=True)
@click.option("--title-kk", required=True)
@click.option("--title-ru", required=True)
@click.option("--census-date", required=True, help="YYYY-MM-DD")
@click.option("--opens", default=None, help="Opening time, ISO (local time zone unless given).")
@click.option("--closes", default=None, help="Closing time, ISO (local time zone unless given).")
@click.option("--levels", default="preschool,school,college", show_default=True)
@click.option("--regions", default="", help="Region names, comma-separated (default: every region).")
def create_campaign_command(code, title_kk, title_ru, census_date, opens, closes, levels, regions) -> None:
    """Create a campaign in draft status."""
    import sqlalchemy as sa

    from .campaigns.services import CampaignError, create_campaign
    from .models import Region

    wanted = {name.strip().casefold() for name in regions.split(",") if name.strip()}
    chosen = [region for region in db.session.scalars(sa.select(Region)) if region.name.casefold() in wanted]
    if len(chosen) != len(wanted):
        unknown = wanted - {region.name.casefold() for region in chosen}
        raise click.BadParameter(f"unknown regions: {', '.join(sorted(unknown))}", param_hint="--regions")
    try:
        campaign = create_campaign(
            "cli",
            code=code,
            title_kk=title_kk,
            title_ru=title_ru,
            census_date=_parse_date(census_date),
            opens_at=_parse_datetime(opens),
            closes_at=_parse_datetime(closes),
            levels=[part.strip() for part in levels.split(",") if part.strip()],
            regions=chosen,
        )
    except CampaignError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"created campaign {campaign.code} (draft); open it with: flask --app wsgi survey campaign open {code}")


@survey_cli.command("campaign")
@click.argument("action", type=click.Choice(["open", "close", "questions"]))
@click.argument("code")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@LANG_OPTION
def campaign_command(action: str, code: str, path: Path | None, lang: str) -> None:
    """Open or close a campaign; or give it its own questions: ``campaign questions CODE FORM.xlsx`` (an XLSForm)."""
    from .campaigns.services import CampaignError, change_campaign_status, get_campaign

    if action == "questions":
        if path is None:
            raise click.UsageError("give the XLSForm: survey campaign questions CODE PATH")
        with force_locale(lang):
            _campaign_questions(code, path)
        return
    try:
        campaign = get_campaign(code)
        links = change_campaign_status("cli", campaign, action)
    except CampaignError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    message = f"campaign {code} is now {campaign.status.value}"
    if links:
        message += f"; {links} organizations received access codes"
    click.echo(message)


def _campaign_questions(code: str, path: Path) -> None:
    """Upload an XLSForm as the campaign's own questions; each problem on a line of its own, exit 1."""
    from .campaigns.questions import XLSFormRefused, upload_questions
    from .campaigns.services import CampaignError, get_campaign

    try:
        question_set = upload_questions(get_campaign(code), path.read_bytes(), path.name, by="cli")
    except CampaignError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    except XLSFormRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            click.echo(gettext("Error: %(message)s", message=problem), err=True)
        click.echo(ngettext("%(num)s error.", "%(num)s errors.", len(refused.problems)) + " "
                   + gettext("The file was rejected and nothing was changed."), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"campaign {code}: questions version {question_set.version} in force "
               f"({len(question_set.definition['questions'])} questions from {path.name})")


@survey_cli.command("questionnaire")
@click.option("--campaign", "campaign_code", required=True, help="Code of the campaign.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="The .xlsx file to write.")
def questionnaire_command(campaign_code: str, out: Path) -> None:
    """Write the campaign's questionnaire (core and the campaign's own questions) as an XLSForm (ODK Collect,
    KoboToolbox), in kk, ru and en."""
    from .campaigns.questions import questionnaire_for
    from .campaigns.services import CampaignError, get_campaign
    from .questionnaire.xlsform import XLSFormError, write_xlsform

    try:
        campaign = get_campaign(campaign_code)
        write_xlsform(questionnaire_for(campaign), campaign, out)
    except (CampaignError, XLSFormError) as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"wrote {out}")


@survey_cli.command("demo")
@click.option("--orgs", type=click.IntRange(1, 100_000), default=None, help="Synthetic national data: organizations.")
@click.option("--teachers", type=click.IntRange(0, 5_000_000), default=None, help="Synthetic: responses.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--skip-if-loaded", is_flag=True, help="Do nothing (and succeed) when the database has data.")
@click.option("--campaign-questions", is_flag=True,
              help="Synthetic: the campaign carries the Almaty demo's own questions (an XLSForm), answered.")
def demo_command(orgs: int | None, teachers: int | None, seed: int, skip_if_loaded: bool,
                 campaign_questions: bool) -> None:
    """Fill an empty database with the Almaty demo, or with synthetic national data (--orgs, --teachers)."""
    from .demo import DemoError, has_data, load_almaty_demo, load_synthetic

    if skip_if_loaded and has_data():
        click.echo("The database already has data; the demo was not loaded again.")
        return
    try:
        if orgs is None and teachers is None:
            result = load_almaty_demo(seed=seed)
        else:
            result = load_synthetic(orgs=orgs or 100, teachers=teachers if teachers is not None else 0, seed=seed,
                                    progress=lambda text: click.echo(text, err=True),
                                    campaign_questions=campaign_questions)
    except DemoError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(result)


def _register_exports() -> None:
    from .reports.cli import export_cli, worker_command

    survey_cli.add_command(export_cli)
    survey_cli.add_command(worker_command)


_register_exports()
@survey_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["national_admin", "region_admin", "district_admin", "director"]))
@click.option("--region", default=None, help="Region name (region administrator; narrows --district).")
@click.option("--district", default=None, help="District name (district administrator).")
@click.option("--org", "org_bin", default=None, help="BIN of the organization (director).")
@click.option("--name", "full_name", default=None, help="Full name.")
@click.option("--password-env", default="SURVEY_USER_PASSWORD", show_default=True,
              help="Environment variable holding the password; when unset, the password is asked for.")
def create_user_command(email, role, region, district, org_bin, full_name, password_env) -> None:
    """Create a staff account. The password comes from a prompt or an environment variable, never an argument."""
    import os

    from .admin.services import create_account
    from .auth.services import AccountError, resolve_scope

    password = os.environ.get(password_env) or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with force_locale("en"):
        try:
            user = create_account("cli", email,
                                  resolve_scope(role, region=region, district=district, org_bin=org_bin),
                                  password=password, full_name=full_name)
        except AccountError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"created {user.email} ({role})")
@survey_cli.command("check")
@click.option("--campaign", "code", required=True, help="Campaign code.")
@click.option("--rule", "rules", multiple=True, help="Run only this rule (repeatable), e.g. --rule G4.")
def check_command(code: str, rules: tuple[str, ...]) -> None:
    """Run the integrity rules ("dead souls") of a campaign and write their flags (idempotent)."""
    from .campaigns.services import CampaignError, get_campaign
    from .integrity.catalogue import RULES_BY_CODE
    from .integrity.services import run_campaign_checks

    unknown = [rule for rule in rules if rule not in RULES_BY_CODE]
    if unknown:
        raise click.BadParameter(f"unknown rule {', '.join(unknown)}; known: {', '.join(RULES_BY_CODE)}",
                                 param_hint="--rule")
    try:
        campaign = get_campaign(code)
    except CampaignError as exc:
        raise click.ClickException(str(exc.message)) from exc
    summary = run_campaign_checks(campaign, by="cli", rules=rules or None)
    db.session.commit()
    for result in summary.results:
        click.echo(f"{result.code:<4} active {result.active:>7}  new {result.opened:>7}  closed {result.closed:>7}  "
                   f"{result.seconds:6.2f} s")
    click.echo(f"campaign {code}: {summary.active} active flags ({summary.opened} new, {summary.closed} closed) "
               f"in {summary.seconds:.1f} s")


survey_cli.add_command(check_command, "check-integrity")
