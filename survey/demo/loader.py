"""Writing demo data: each organization's staff, rosters, second jobs and report, in bulk with explicit ids.

An organization is drawn whole (its staff as ``Member`` objects), then the planter may plant integrity cases in
it, then it is written. A person with a second job in the census answers at both organizations, and each answer
names the other organization (``Holder``); loads and hours stay within the rules' limits across both.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from .. import codebook as cb
from ..domain.people import norms_from_config
from ..extensions import db
from ..integrity.catalogue import thresholds
from ..models import (
    Campaign,
    District,
    OrgReport,
    Organization,
    Region,
    RequiredHours,
    Response,
    ResponseOtherJob,
    ResponseSubject,
    RosterEntry,
    Vacancy,
)
from ..models.base import utcnow
from .organizations import OrgPlan, ReportPlan, StaffHours, report_row, required_hours, vacancy_rows
from .people import POSTS_MIX, GeneratedPerson, Generator, Mix, make_identifier

BATCH = 5000
POOL_SIZE = 5000  # people who may still take a second job at a later organization
SECOND_JOB_SHARE = 0.04  # of an organization's places, filled by someone with a main job at another one
NEW_BASIS = Mix((("main", 93), ("external_secondary", 5), ("hourly", 2)))
SECOND_BASIS = Mix((("external_secondary", 80), ("hourly", 20)))
# Employers outside the census (not in the registry) where some staff have their main or an evening job: named,
# with their BIN (registered in 1999, a year no registry BIN of the demo has), so that the answers survive the flat
# export, whose other jobs carry the BIN only.
OUTSIDE_EMPLOYERS = tuple(
    (make_identifier(f"99{number:02d}40", random.Random(number), 5), name) for number, name in enumerate((
        "КазНУ им. аль-Фараби", "Городская поликлиника № 4", "ТОО «Білім Орталығы»", "ДЮСШ № 2",
        "Детская музыкальная школа № 1", "Казахский национальный педагогический университет"), start=1))


def outside_job(rng: random.Random, basis: str, hours: int) -> dict:
    """An other-job row for an employer outside the census."""
    number, name = rng.choice(OUTSIDE_EMPLOYERS)
    return {"org_bin": number, "org_name": name, "basis": basis, "hours": hours}


class DemoError(RuntimeError):
    pass


def has_data() -> bool:
    return db.session.scalar(sa.select(Organization.id).limit(1)) is not None


def ensure_empty() -> None:
    if has_data():
        raise DemoError("The database already has organizations; the demo fills an empty database only.")


def next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def insert(model, rows: list[dict]) -> None:
    """Bulk-insert rows (dicts) and empty the list: COPY on PostgreSQL (≈4× faster), executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        columns = list(dict.fromkeys(key for row in rows for key in row))
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_copied(row.get(column)) for column in columns])
    else:
        db.session.execute(sa.insert(model.__table__), rows)
    rows.clear()


def _copied(value: object) -> object:
    """A value as COPY writes it: a JSON document (``responses.answers``) as its text."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def reset_sequences() -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Region, District, Organization, Campaign, Response, ResponseSubject, ResponseOtherJob,
                  OrgReport, Vacancy, RequiredHours, RosterEntry):
        table = model.__tablename__
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        ))


def analyze() -> None:
    """Fresh statistics after a bulk load, which leaves the planner blind: PostgreSQL's first national workbook of
    the Almaty demo took two minutes instead of eight seconds before autovacuum came by, and on SQLite rule G5 joins
    two subqueries by a nested loop without them (10 s for 20,000 responses, 0.1 s with)."""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def census_date() -> dt.date:
    today = dt.date.today()
    return dt.date(today.year, today.month, 1)


def create_campaign(code: str, census: dt.date) -> Campaign:
    """An open campaign of every level, opened a week ago."""
    now = utcnow()
    campaign = Campaign(code=code, title_kk="Педагог кадрларына сауалнама 2026",
                        title_ru="Анкетирование педагогических кадров 2026", census_date=census,
                        opens_at=now - dt.timedelta(days=7), closes_at=now + dt.timedelta(days=60),
                        status=cb.CampaignStatus.OPEN, levels="preschool;school;college")
    db.session.add(campaign)
    db.session.flush()
    return campaign


def generator(seed: int, census: dt.date) -> Generator:
    """The people generator with this app's hash key, load norms and integrity thresholds."""
    return Generator(seed, census, current_app.config["IIN_HASH_KEY"], norms_from_config(current_app.config),
                     thresholds())


@dataclass(slots=True)
class Job:
    response_id: int
    organization_id: int
    bin: str
    basis: str
    hours: int  # all working hours a week there


@dataclass(slots=True)
class Holder:
    """A person who answered at one or more organizations and may take a job at another."""

    person: GeneratedPerson
    jobs: list[Job]
    load: float  # teaching load in rates across the jobs
    hours: int  # working hours a week across the jobs


@dataclass(slots=True)
class Member:
    """One place on an organization's staff: who, their answers, whether they answered and are on the roster."""

    person: GeneratedPerson
    post: str
    basis: str
    row: dict | None  # the answers (drawn even before they are given: the curriculum counts on them)
    subjects: list[dict]
    answered: bool = True
    on_roster: bool = True
    planted: bool = False  # part of a planted integrity case: kept out of second jobs and other cases
    other_jobs: list[dict] = field(default_factory=list)  # jobs outside the census, or planted ones
    holder: Holder | None = None  # set when this is a second job of someone answering elsewhere too


class Loader:
    """Writes organizations' staff, rosters and reports in batches with explicit ids.

    ``planter`` (``planted.Planter``) may plant integrity cases in each organization before it is written.
    """

    def __init__(self, generator: Generator, campaign: Campaign, planter=None,
                 progress: Callable[[str], None] | None = None,
                 extra: Callable[[dict], dict] | None = None):
        self.gen = generator
        self.campaign = campaign
        self.planter = planter
        self.extra = extra  # the answers to the campaign's own questions (``responses.answers``) of a row
        self.progress = progress or (lambda text: None)
        self.response_id = next_id(Response)
        self.report_id = next_id(OrgReport)
        self.buffers: dict = {m: [] for m in (Response, ResponseSubject, ResponseOtherJob, RosterEntry, OrgReport,
                                              Vacancy, RequiredHours)}
        self.pool: list[Holder] = []
        self.responses = 0
        self.now = utcnow()
        self.opened = campaign.opens_at or self.now

    @property
    def rng(self) -> random.Random:
        return self.gen.rng

    def flush(self, force: bool = False) -> None:
        if force or len(self.buffers[Response]) >= BATCH:
            for model in (Response, ResponseSubject, ResponseOtherJob, RosterEntry, OrgReport, Vacancy, RequiredHours):
                insert(model, self.buffers[model])

    # --- drawing ------------------------------------------------------------------------------------------------

    def add_organization(self, org: OrgPlan, others: list[OrgPlan], answered_share: float = 0.95) -> None:
        """Draw the staff of ``org`` (``answered_share`` of them have answered), plant, write."""
        members = self.staff(org, answered_share)
        report = ReportPlan()
        if self.planter is not None:
            self.planter.plant(self, org, members, others, report)
        self.write(org, members, report)
        self.flush()

    def staff(self, org: OrgPlan, answered_share: float) -> list[Member]:
        rng = self.rng
        members = []
        for index in range(org.size):
            answered = answered_share >= 1 or rng.random() < answered_share
            member = None
            if index and answered and self.pool and rng.random() < SECOND_JOB_SHARE:
                member = self.second_job(org, self.pool.pop(rng.randrange(len(self.pool))))
            if member is None:
                member = self.new_member(org, "director" if index == 0 else POSTS_MIX[org.level].draw(rng))
            member.answered = answered
            members.append(member)
        return members

    def new_member(self, org: OrgPlan, post: str | None = None, basis: str | None = None,
                   person: GeneratedPerson | None = None) -> Member:
        """Someone new whose only job in the census is here; a secondary job here comes with a main job outside."""
        rng = self.rng
        person = person or self.gen.person(org.level)
        post = post or POSTS_MIX[org.level].draw(rng)
        basis = basis or ("main" if post == "director" else NEW_BASIS.draw(rng))
        outside = []
        if basis != "main":
            outside.append(outside_job(rng, "main", rng.randint(24, 40)))
        room = self.gen.max_hours - sum(job["hours"] for job in outside)
        row, subjects = self.gen.response(person, org.level, basis, post, hours_room=room)
        return Member(person, post, basis, row, subjects, other_jobs=outside)

    def second_job(self, org: OrgPlan, holder: Holder, basis: str | None = None,
                   teaching: int | None = None) -> Member | None:
        """A job here for someone who answered at other organizations: within what their other jobs leave, unless
        ``teaching`` (hours) is imposed. None when they already work here or have no room left."""
        gen = self.gen
        if any(job.organization_id == org.id for job in holder.jobs):
            return None
        norm = gen.norms[org.level]
        load_room = gen.max_load - holder.load
        hours_room = gen.max_hours - holder.hours
        basis = basis or SECOND_BASIS.draw(self.rng)
        post = POSTS_MIX[org.level].values[0]
        if teaching is None:
            if math.floor(load_room * norm + 1e-9) < 2 or hours_room < 4:
                return None
            row, subjects = gen.response(holder.person, org.level, basis, post, load_room=load_room,
                                         hours_room=hours_room)
        else:
            rate = min(Decimal(2), max(Decimal("0.25"), Decimal(round(teaching * 4 / norm)) / 4))
            total = teaching + self.rng.randint(1, 4)
            if teaching > 40 or total > hours_room:
                return None
            row, subjects = gen.answers(holder.person, org.level, post, basis, rate, teaching, total)
        return Member(holder.person, post, basis, row, subjects, holder=holder)

    # --- writing ------------------------------------------------------------------------------------------------

    def write(self, org: OrgPlan, members: list[Member], report: ReportPlan) -> None:
        norm, buffers = self.gen.norms[org.level], self.buffers
        staff = StaffHours()
        for member in members:
            row = member.row
            if row is not None:
                self._count(staff, member, row)
            if row is not None and member.answered:
                self._write_response(org, member, row, norm)
            if member.on_roster:
                person = member.person
                buffers[RosterEntry].append({
                    "campaign_id": self.campaign.id, "organization_id": org.id, "person_key": person.person_key,
                    "birth_date": person.birth_date, "sex": person.sex, "last_name": person.last_name,
                    "first_name": person.first_name, "middle_name": person.middle_name, "post": member.post,
                    "created_at": self.now})
        self._report(org, staff, report)

    @staticmethod
    def _count(staff: StaffHours, member: Member, row: dict) -> None:
        staff.rates += row["rate"]
        educator = row["post"] in cb.TEACHER_POSTS
        for subject in member.subjects:
            staff.subjects[subject["subject"]] += subject["hours"]
            if member.answered:
                staff.answered_subjects[subject["subject"]] += subject["hours"]
        if educator:
            staff.educator_hours += row["teaching_hours"]
            if member.answered:
                staff.answered_educator_hours += row["teaching_hours"]

    def _write_response(self, org: OrgPlan, member: Member, row: dict, norm: int) -> None:
        response_id, buffers = self.response_id, self.buffers
        self.response_id += 1
        self.responses += 1
        submitted = row.pop("submitted_at", None) or self.opened + dt.timedelta(
            seconds=self.rng.randint(0, max(1, int((self.now - self.opened).total_seconds()))))
        row.update(id=response_id, campaign_id=self.campaign.id, organization_id=org.id, created_at=submitted,
                   updated_at=submitted, submitted_at=submitted)
        if self.extra is not None:
            row.update(self.extra(row))
        buffers[Response].append(row)
        for subject in member.subjects:
            subject["response_id"] = response_id
            buffers[ResponseSubject].append(subject)
        for job in member.other_jobs:
            buffers[ResponseOtherJob].append({**job, "response_id": response_id})
        job = Job(response_id, org.id, org.bin, member.basis, row["total_hours_week"])
        holder = member.holder
        if holder is not None:  # each answer names the other organizations; they already answered there
            for other in holder.jobs:
                self._names(response_id, other)
                self._names(other.response_id, job)
            holder.jobs.append(job)
            holder.load += row["teaching_hours"] / norm
            holder.hours += job.hours
            if not member.planted and len(holder.jobs) < 3 and self.rng.random() < 0.15:
                self.pool.append(holder)  # some work at a third organization
        elif not member.planted and member.basis == "main" and not member.other_jobs and self.rng.random() < 0.05:
            self.pool.append(Holder(member.person, [job], row["teaching_hours"] / norm, job.hours))
            if len(self.pool) > POOL_SIZE:
                self.pool.pop(0)

    def _names(self, response_id: int, job: Job) -> None:
        """The answer ``response_id`` names ``job`` among the person's other jobs (the form takes up to 40 hours)."""
        self.buffers[ResponseOtherJob].append({"response_id": response_id, "org_bin": job.bin, "org_name": None,
                                               "basis": job.basis, "hours": min(40, job.hours)})

    def _report(self, org: OrgPlan, staff: StaffHours, plan: ReportPlan) -> None:
        rng, norms = self.rng, self.gen.norms
        report_id = self.report_id
        self.report_id += 1
        self.buffers[OrgReport].append({"id": report_id, "campaign_id": self.campaign.id, "organization_id": org.id,
                                        **report_row(org, staff, rng, norms, plan),
                                        "created_at": self.now, "updated_at": self.now})
        vacancies = vacancy_rows(org, staff, rng)
        for vacancy in vacancies:
            self.buffers[Vacancy].append({"report_id": report_id, **vacancy})
        for subject, hours in required_hours(org, staff, vacancies, rng, norms, plan).items():
            self.buffers[RequiredHours].append({"report_id": report_id, "subject": subject, "hours": hours})
