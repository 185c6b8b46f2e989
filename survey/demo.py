"""Demo and synthetic data.

``load_almaty_demo`` fills an empty database with Almaty's eight districts, a few dozen organizations of every
level and ownership, an open campaign, sample users and answers. ``load_synthetic`` builds a deterministic
national data set of any size for benchmarks (20 regions, realistic distributions) with bulk inserts.
Both draw people from the same generator, so the demo looks like the national data in miniature.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import sqlalchemy as sa
from flask import current_app

from . import codebook as cb
from .campaigns.services import ensure_access_links
from .codebook import CampaignStatus, ResponseStatus, Role
from .domain import check_digit, hash_iin
from .extensions import db
from .models import (
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
    User,
    Vacancy,
)
from .models.base import utcnow
from .passwords import hash_password
from .plans.demo import add_digital_leads

DEMO_PASSWORD = "demo-password-2026"
BATCH = 5000

ALMATY_DISTRICTS = (
    "Алатауский", "Алмалинский", "Ауэзовский", "Бостандыкский", "Жетысуский", "Медеуский", "Наурызбайский",
    "Турксибский",
)
REGIONS = (
    "Абайская", "Акмолинская", "Актюбинская", "Алматинская", "Атырауская", "Восточно-Казахстанская", "Жамбылская",
    "Жетісу", "Западно-Казахстанская", "Карагандинская", "Костанайская", "Кызылординская", "Мангистауская",
    "Павлодарская", "Северо-Казахстанская", "Туркестанская", "Ұлытау", "Астана", "Алматы", "Шымкент",
)
LAST_NAMES = (
    "Ахметов", "Байжанов", "Жумабаев", "Сериков", "Нурланов", "Касымов", "Омаров", "Абдрахманов", "Тулегенов",
    "Мукашев", "Искаков", "Сатпаев", "Жаксыбеков", "Ермеков", "Утегенов", "Иванов", "Петров", "Смирнов", "Ким",
    "Попов", "Кузнецов", "Бекмуханбетов", "Оспанов", "Садыков", "Калиев",
)
FIRST_NAMES_F = ("Айгерім", "Гүлнар", "Динара", "Жанар", "Сәуле", "Ақмарал", "Мадина", "Елена", "Ольга", "Наталья",
                 "Айнұр", "Меруерт", "Камила", "Татьяна", "Әсел", "Ботагөз")
FIRST_NAMES_M = ("Ерлан", "Нұрлан", "Асхат", "Бауыржан", "Данияр", "Серік", "Қайрат", "Андрей", "Сергей", "Марат",
                 "Ержан", "Тимур")
PATRONYMS_F = ("Серікқызы", "Ерланқызы", "Маратовна", "Сергеевна", "Болатовна", "Кайратовна", None)
PATRONYMS_M = ("Серікұлы", "Ерланұлы", "Маратович", "Сергеевич", "Болатович", "Кайратович", None)

AGE_BANDS = ((21, 29, 0.20), (30, 39, 0.31), (40, 49, 0.26), (50, 59, 0.18), (60, 70, 0.05))
CATEGORY_MIX = {
    "preschool": (("none", 22), ("pedagogue", 38), ("moderator", 20), ("expert", 12), ("researcher", 6),
                  ("master", 0.5), ("legacy_first", 1.5)),
    "school": (("none", 8), ("pedagogue", 22), ("moderator", 24), ("expert", 23), ("researcher", 19), ("master", 1),
               ("legacy_highest", 2), ("legacy_first", 1)),
    "college": (("none", 15), ("pedagogue", 25), ("moderator", 22), ("expert", 20), ("researcher", 14),
                ("master", 1), ("legacy_highest", 3)),
}
EDUCATION_MIX = {
    "preschool": (("secondary", 2), ("tvet", 38), ("bachelor", 55), ("master", 5)),
    "school": (("secondary", 0.5), ("tvet", 8), ("bachelor", 80), ("master", 10), ("doctorate", 1),
               ("candidate_or_doctor_of_science", 0.5)),
    "college": (("tvet", 10), ("bachelor", 62), ("master", 23), ("doctorate", 3), ("candidate_or_doctor_of_science", 2)),
}
POSTS_MIX = {
    "preschool": (("educator", 80), ("music_director", 6), ("pe_instructor", 4), ("speech_therapist", 4),
                  ("psychologist", 3), ("methodologist", 3)),
    "school": (("teacher", 86), ("psychologist", 3), ("social_pedagogue", 2), ("speech_therapist", 2),
               ("deputy_director", 5), ("extracurricular", 2)),
    "college": (("lecturer", 78), ("vocational_master", 15), ("psychologist", 2), ("deputy_director", 5)),
}
SCHOOL_SUBJECTS = (
    ("primary_classes", 18), ("kazakh_language", 8), ("kazakh_literature", 4), ("russian_language", 6),
    ("russian_literature", 3), ("english", 9), ("mathematics", 10), ("algebra", 3), ("geometry", 2),
    ("informatics", 4), ("physics", 4), ("chemistry", 3), ("biology", 3), ("geography", 3),
    ("history_kazakhstan", 4), ("world_history", 2), ("physical_education", 6), ("art", 2), ("music", 2),
    ("technology", 2), ("self_knowledge", 1), ("initial_military_training", 1),
)
COLLEGE_SUBJECTS = (("vocational_theory", 45), ("vocational_practice", 25), ("kazakh_language", 5),
                    ("russian_language", 4), ("english", 6), ("mathematics", 6), ("history_kazakhstan", 4),
                    ("physical_education", 5))
RATES = ((Decimal("0.5"), 6), (Decimal("0.75"), 5), (Decimal("1"), 40), (Decimal("1.25"), 18),
         (Decimal("1.5"), 20), (Decimal("1.75"), 6), (Decimal("2"), 5))
ORG_SIZE = {"preschool": (6, 30), "school": (25, 120), "college": (30, 110)}
PUPILS_PER_STAFF = {"preschool": 11, "school": 14, "college": 12}


class DemoError(RuntimeError):
    pass


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


def make_identifier(prefix11_without_serial: str, rng: random.Random, serial_digits: int) -> str:
    """A 12-digit IIN/BIN from a fixed prefix and a random serial, with a valid check digit."""
    while True:
        first11 = prefix11_without_serial + "".join(rng.choice("0123456789") for _ in range(serial_digits))
        check = check_digit(first11)
        if check is not None:
            return first11 + str(check)


def make_iin(birth: dt.date, sex: str, rng: random.Random) -> str:
    century = {1800: 1, 1900: 3, 2000: 5}[birth.year // 100 * 100] + (1 if sex == "f" else 0)
    return make_identifier(birth.strftime("%y%m%d") + str(century), rng, 4)


def make_bin(rng: random.Random) -> str:
    return make_identifier(f"{rng.randint(0, 25):02d}{rng.randint(1, 12):02d}40", rng, 5)


@dataclass
class Person:
    person_key: str
    birth_date: dt.date
    sex: str
    last_name: str
    first_name: str
    middle_name: str | None
    personal: dict  # sections D/E/F, the same at every organization


class Generator:
    """Deterministic people and answers for a census date."""

    def __init__(self, seed: int, census: dt.date, hash_key: str, norms: dict[str, int]):
        self.rng = random.Random(seed)
        self.census = census
        self.hash_key = hash_key
        self.norms = norms
        self.seen_keys: set[str] = set()

    def person(self, level: str) -> tuple[Person, str]:
        rng = self.rng
        sex = "f" if rng.random() < (0.95 if level == "preschool" else 0.8) else "m"
        low, high, _ = rng.choices(AGE_BANDS, [b[2] for b in AGE_BANDS])[0]
        age = rng.randint(low, high)
        birth = self.census - dt.timedelta(days=age * 365 + rng.randint(1, 360))
        while True:
            iin = make_iin(birth, sex, rng)
            key = hash_iin(iin, self.hash_key)
            if key not in self.seen_keys:
                self.seen_keys.add(key)
                break
        last = rng.choice(LAST_NAMES)
        if sex == "f":
            last = last + "а" if last[-2:] in ("ов", "ев", "ин") else last
            first, middle = rng.choice(FIRST_NAMES_F), rng.choice(PATRONYMS_F)
        else:
            first, middle = rng.choice(FIRST_NAMES_M), rng.choice(PATRONYMS_M)
        age_years = (self.census - birth).days // 365
        education = _weighted(rng, EDUCATION_MIX[level])
        category = _weighted(rng, CATEGORY_MIX[level])
        experience = Decimal(min(age_years - 21, max(0, int(rng.triangular(0, age_years - 21, (age_years - 21) * 0.6)))))
        experience = max(Decimal(0), experience)
        graduation = min(self.census.year, birth.year + rng.randint(20, 23))
        if category in ("master",) and education in ("secondary", "tvet"):
            education = "bachelor"
        personal = {
            "education_level": education,
            "ped_education": _weighted(rng, (("ped_higher", 68), ("ped_tvet", 16), ("retrained", 9), ("none", 7)))
            if education != "secondary" else "none",
            "specialty": None if education == "secondary" else rng.choice(
                ("Педагогика и психология", "Математика", "Қазақ тілі мен әдебиеті", "Дошкольное обучение и воспитание",
                 "Биология", "Иностранный язык: два иностранных языка", "Физическая культура и спорт")),
            "graduation_year": graduation,
            "category": category,
            "category_year": None if category == "none" else rng.randint(max(graduation, self.census.year - 5),
                                                                           self.census.year),
            "experience_total": experience,
        }
        return Person(key, birth, sex, last, first, middle, personal), iin

    def response(self, person: Person, level: str, basis: str, post: str | None = None) -> tuple[dict, list[dict]]:
        rng = self.rng
        post = post or _weighted(rng, POSTS_MIX[level])
        norm = self.norms[level]
        rate = Decimal("0.5") if basis != "main" and rng.random() < 0.6 else _weighted(rng, RATES)
        if basis == "hourly":
            rate = Decimal("0.25")
        teaching = 0 if post in ("deputy_director", "methodologist", "psychologist", "social_pedagogue") and rng.random() < 0.6 \
            else min(40, max(1, int(round(float(rate) * norm + rng.randint(-2, 2)))))
        subjects = self._subjects(level, teaching)
        experience_total = person.personal["experience_total"]
        experience_org = Decimal(rng.randint(0, int(experience_total))) if experience_total >= 1 else Decimal(0)
        earliest = person.birth_date.replace(year=person.birth_date.year + 16) if not (
            person.birth_date.month == 2 and person.birth_date.day == 29) else dt.date(person.birth_date.year + 16, 3, 1)
        start = max(earliest, self.census - dt.timedelta(days=int(experience_org * 365) + rng.randint(0, 200)))
        start = min(start, self.census)
        ai_use = rng.random() < 0.59
        row = {
            "person_key": person.person_key,
            "birth_date": person.birth_date,
            "sex": person.sex,
            "status": ResponseStatus.SUBMITTED.value,
            "current_step": 0,
            "source": "demo",
            "version": 1,
            "last_name": person.last_name,
            "first_name": person.first_name,
            "middle_name": person.middle_name,
            "consent": True,
            "post": post,
            "basis": basis,
            "contract": _weighted(rng, (("permanent", 70), ("fixed_long", 18), ("fixed_short", 10), ("civil", 2))),
            "start_date": start,
            "rate": rate,
            "teaching_hours": teaching,
            "languages": _weighted(rng, (("kk", 55), ("ru", 30), ("kk;ru", 12), ("en", 2), ("uz", 1))),
            **person.personal,
            "experience_org": experience_org,
            "pd_hours_3y": rng.choice((0, 36, 72, 80, 120, 160, 240)),
            "total_hours_week": min(80, teaching + rng.randint(4, 20)),
            "ai_use": ai_use,
            "ai_purposes": ";".join(sorted(rng.sample(cb.AI_PURPOSES, rng.randint(1, 3)))) if ai_use else None,
            "ai_training": _weighted(rng, (("none", 55), ("short", 35), ("long", 10))),
            "ai_training_wanted": rng.random() < 0.7,
            "satisfaction": _weighted(rng, ((1, 5), (2, 12), (3, 48), (4, 35))),
            "plans": _weighted(rng, (("stay", 72), ("move_education", 8), ("leave_profession", 5), ("retire", 5),
                                     ("unsure", 10))),
        }
        return row, subjects

    def _subjects(self, level: str, teaching: int) -> list[dict]:
        if teaching == 0:
            return []
        rng = self.rng
        language = _weighted(rng, (("kk", 60), ("ru", 38), ("en", 2)))
        if level == "preschool":
            return [{"subject": "preschool_group", "hours": teaching, "language": language}]
        pool = SCHOOL_SUBJECTS if level == "school" else COLLEGE_SUBJECTS
        first = _weighted(rng, pool)
        if teaching < 6 or rng.random() < 0.6:
            return [{"subject": first, "hours": teaching, "language": language}]
        second = _weighted(rng, pool)
        if second == first:
            return [{"subject": first, "hours": teaching, "language": language}]
        split = rng.randint(2, teaching - 2)
        return [{"subject": first, "hours": teaching - split, "language": language},
                {"subject": second, "hours": split, "language": language}]


def has_data() -> bool:
    return db.session.scalar(sa.select(Organization.id).limit(1)) is not None


def _ensure_empty() -> None:
    if has_data():
        raise DemoError("The database already has organizations; the demo fills an empty database only.")


def _next_id(model) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _insert(model, rows: list[dict]) -> None:
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
                    copy.write_row([row.get(column) for column in columns])
    else:
        db.session.execute(sa.insert(model.__table__), rows)
    rows.clear()


def _reset_sequences() -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in (Region, District, Organization, Campaign, Response, ResponseSubject, ResponseOtherJob,
                  OrgReport, Vacancy, RequiredHours, RosterEntry):
        table = model.__tablename__
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        ))


@dataclass
class OrgPlan:
    id: int
    bin: str
    level: str
    size: int


class Loader:
    """Writes organizations, responses, rosters and reports in batches with explicit ids."""

    def __init__(self, generator: Generator, campaign: Campaign, progress: Callable[[str], None] | None = None):
        self.gen = generator
        self.campaign = campaign
        self.progress = progress or (lambda text: None)
        self.response_id = _next_id(Response)
        self.report_id = _next_id(OrgReport)
        self.buffers: dict = {m: [] for m in (Response, ResponseSubject, ResponseOtherJob, RosterEntry, OrgReport,
                                              Vacancy, RequiredHours)}
        self.pool: list[tuple[Person, set[int]]] = []  # people who may also work at another organization
        self.responses = 0

    def flush(self, force: bool = False) -> None:
        if force or len(self.buffers[Response]) >= BATCH:
            for model in (Response, ResponseSubject, ResponseOtherJob, RosterEntry, OrgReport, Vacancy, RequiredHours):
                _insert(model, self.buffers[model])

    def add_organization(self, org: OrgPlan, others: list[OrgPlan], answered_share: float = 0.95) -> None:
        gen, rng = self.gen, self.gen.rng
        now = utcnow()
        covered: dict[str, int] = {}
        roster: list[tuple[Person, str]] = []
        for index in range(org.size):
            person = None
            if self.pool and rng.random() < 0.04:
                candidate, orgs_of = self.pool.pop(rng.randrange(len(self.pool)))
                if org.id not in orgs_of:
                    person = candidate
                    basis = "main" if rng.random() < 0.05 else _weighted(
                        rng, (("external_secondary", 80), ("hourly", 20)))
                    if len(orgs_of) < 2 and rng.random() < 0.15:  # some work at a third organization
                        self.pool.append((person, orgs_of | {org.id}))
            if person is None:
                person, _ = gen.person(org.level)
                basis = _weighted(rng, (("main", 90), ("internal_secondary", 3), ("external_secondary", 5),
                                        ("hourly", 2)))
                if rng.random() < 0.05:
                    self.pool.append((person, {org.id}))
                    if len(self.pool) > 5000:
                        self.pool.pop(0)
            post = "director" if index == 0 else None
            roster.append((person, post or "teacher"))
            if rng.random() > answered_share:
                continue  # on the roster, no answer yet
            row, subjects = gen.response(person, org.level, basis, post)
            row.update(id=self.response_id, campaign_id=self.campaign.id, organization_id=org.id,
                       created_at=now, updated_at=now, submitted_at=now)
            self.buffers[Response].append(row)
            for subject in subjects:
                subject["response_id"] = self.response_id
                covered[subject["subject"]] = covered.get(subject["subject"], 0) + subject["hours"]
                self.buffers[ResponseSubject].append(subject)
            if basis != "main" and others:
                other = rng.choice(others)
                self.buffers[ResponseOtherJob].append({
                    "response_id": self.response_id, "org_bin": other.bin, "org_name": None, "basis": "main",
                    "hours": rng.randint(8, 24)})
            self.response_id += 1
            self.responses += 1
        for _ in range(max(0, int(org.size * 0.03))):
            ghost, _ = gen.person(org.level)
            roster.append((ghost, "teacher"))
        for person, post in roster:
            self.buffers[RosterEntry].append({
                "campaign_id": self.campaign.id, "organization_id": org.id, "person_key": person.person_key,
                "birth_date": person.birth_date, "sex": person.sex, "last_name": person.last_name,
                "first_name": person.first_name, "middle_name": person.middle_name,
                "post": post if post in cb.POSTS else "teacher", "created_at": now})
        self._report(org, covered, now)
        self.flush()

    def _report(self, org: OrgPlan, covered: dict[str, int], now: dt.datetime) -> None:
        rng = self.gen.rng
        report_id = self.report_id
        self.report_id += 1
        self.buffers[OrgReport].append({
            "id": report_id, "campaign_id": self.campaign.id, "organization_id": org.id,
            "pupils": int(org.size * PUPILS_PER_STAFF[org.level] * rng.uniform(0.8, 1.3)),
            "classes": max(1, org.size // 2), "approved_rates": Decimal(org.size) * Decimal("1.15"),
            "created_at": now, "updated_at": now})
        for subject, hours in covered.items():
            required = max(1, int(hours * rng.uniform(0.85, 1.2)))
            self.buffers[RequiredHours].append({"report_id": report_id, "subject": subject, "hours": required})
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            self.buffers[Vacancy].append({
                "report_id": report_id, "post": POSTS_MIX[org.level][0][0],
                "subject": _weighted(rng, SCHOOL_SUBJECTS) if org.level == "school" else None,
                "rate": _weighted(rng, ((Decimal("0.5"), 2), (Decimal("1"), 5), (Decimal("1.5"), 2)))})


def _norms() -> dict[str, int]:
    config = current_app.config
    return {"school": config["LOAD_NORM_SCHOOL"], "college": config["LOAD_NORM_COLLEGE"],
            "preschool": config["LOAD_NORM_PRESCHOOL"]}


def _org_kind(rng: random.Random, level: str) -> tuple[str, str]:
    if level == "preschool":
        ownership = _weighted(rng, (("private", 80), ("state", 18), ("ppp", 2)))
        return ownership, _weighted(rng, (("kindergarten", 60), ("nursery_kindergarten", 25), ("mini_centre", 15)))
    if level == "school":
        ownership = _weighted(rng, (("state", 90), ("private", 8), ("ppp", 2)))
        return ownership, _weighted(rng, (("general_school", 65), ("gymnasium", 10), ("lyceum", 8),
                                          ("small_school", 12), ("special_school", 2), ("boarding_school", 3)))
    ownership = _weighted(rng, (("state", 60), ("private", 40)))
    return ownership, _weighted(rng, (("college", 85), ("higher_college", 15)))


def _create_campaign(code: str, census: dt.date) -> Campaign:
    now = utcnow()
    campaign = Campaign(code=code, title_kk="Педагог кадрларына сауалнама 2026",
                        title_ru="Анкетирование педагогических кадров 2026", census_date=census,
                        opens_at=now - dt.timedelta(days=7), closes_at=now + dt.timedelta(days=60),
                        status=CampaignStatus.OPEN, levels="preschool;school;college")
    db.session.add(campaign)
    db.session.flush()
    return campaign


def _census_date() -> dt.date:
    today = dt.date.today()
    return dt.date(today.year, today.month, 1)


def load_almaty_demo(seed: int = 1) -> str:
    """The Almaty demo: 8 districts × 4 organizations, an open campaign, users and answers. Commits."""
    _ensure_empty()
    rng = random.Random(seed)
    census = _census_date()
    region = Region(name="Алматы", kato="750000000")
    db.session.add(region)
    districts = [District(region=region, name=name) for name in ALMATY_DISTRICTS]
    db.session.add_all(districts)
    db.session.flush()
    plans: list[OrgPlan] = []
    number = 0
    for district in districts:
        for level in ("preschool", "preschool", "school", "college" if district.name in ("Алмалинский", "Ауэзовский",
                                                                                          "Бостандыкский") else "school"):
            number += 1
            ownership, org_type = _org_kind(rng, level)
            kind_ru = {"preschool": "Детский сад", "school": "Школа-гимназия", "college": "Колледж"}[level]
            kind_kk = {"preschool": "балабақшасы", "school": "мектеп-гимназиясы", "college": "колледжі"}[level]
            org = Organization(
                bin=make_bin(rng), name_ru=f"{kind_ru} № {number}", name_kk=f"№ {number} {kind_kk}", level=level,
                org_type=org_type, ownership=ownership, district=district, languages="kk;ru",
                address=f"г. Алматы, {district.name} район, ул. Абая, {number}")
            db.session.add(org)
            db.session.flush()
            low, high = ORG_SIZE[level]
            plans.append(OrgPlan(org.id, org.bin, level, rng.randint(low // 2, high // 3)))
    campaign = _create_campaign("ALMATY-2026", census)
    loader = Loader(Generator(seed, census, current_app.config["IIN_HASH_KEY"], _norms()), campaign)
    for plan in plans:
        loader.add_organization(plan, [p for p in plans if p.id != plan.id], answered_share=0.8)
    loader.flush(force=True)
    _reset_sequences()
    ensure_access_links(campaign)
    add_digital_leads(campaign, seed)

    bostandyk = next(d for d in districts if d.name == "Бостандыкский")
    director_org = db.session.get(Organization, next(p.id for p in plans if p.level == "school"))
    users = [
        User(email="admin@demo.kz", full_name="Национальный администратор", role=Role.NATIONAL_ADMIN),
        User(email="almaty@demo.kz", full_name="Администратор г. Алматы", role=Role.REGION_ADMIN, region=region),
        User(email="bostandyk@demo.kz", full_name="Администратор Бостандыкского района", role=Role.DISTRICT_ADMIN,
             district=bostandyk),
        User(email="director@demo.kz", full_name="Директор", role=Role.DIRECTOR, organization=director_org),
    ]
    password_hash = hash_password(DEMO_PASSWORD)
    for user in users:
        user.password_hash = password_hash
    db.session.add_all(users)
    db.session.commit()
    access = db.session.execute(
        sa.text("SELECT code FROM access_links WHERE organization_id = :org"), {"org": director_org.id}).scalar()
    lines = [
        f"Demo loaded: {len(plans)} organizations in {len(districts)} districts of Almaty, "
        f"{loader.responses} responses, campaign {campaign.code} (open).",
        f"Staff accounts (password {DEMO_PASSWORD!r}):",
    ]
    lines += [f"  {user.email:<22} {user.role.value}" for user in users]
    lines.append(f"Teachers of {director_org.name_ru} use access code {access}.")
    return "\n".join(lines)


def load_synthetic(orgs: int, teachers: int, seed: int = 1, progress: Callable[[str], None] | None = None) -> str:
    """A deterministic national data set: 20 regions, ``orgs`` organizations, about ``teachers`` responses."""
    _ensure_empty()
    progress = progress or (lambda text: None)
    rng = random.Random(seed)
    census = _census_date()
    districts_per_region = max(1, min(25, orgs // 20 // 20 or 1))
    region_rows, district_rows = [], []
    district_id = _next_id(District)
    for region_id, name in enumerate(REGIONS, start=_next_id(Region)):
        region_rows.append({"id": region_id, "name": name})
        for number in range(1, districts_per_region + 1):
            district_rows.append({"id": district_id, "region_id": region_id, "name": f"{name} — район {number}"})
            district_id += 1
    _insert(Region, region_rows)
    _insert(District, list(district_rows))
    district_ids = [row["id"] for row in district_rows]

    org_rows, plans = [], []
    seen_bins: set[str] = set()
    now = utcnow()
    weights = []
    for org_id in range(_next_id(Organization), _next_id(Organization) + orgs):
        level = _weighted(rng, (("preschool", 45), ("school", 45), ("college", 10)))
        ownership, org_type = _org_kind(rng, level)
        bin_ = make_bin(rng)
        while bin_ in seen_bins:
            bin_ = make_bin(rng)
        seen_bins.add(bin_)
        org_rows.append({
            "id": org_id, "bin": bin_, "id_kind": "bin", "name_ru": f"Организация образования {org_id}",
            "name_kk": f"{org_id} білім беру ұйымы", "level": level, "org_type": org_type, "ownership": ownership,
            "district_id": rng.choice(district_ids), "languages": "kk;ru", "created_at": now, "updated_at": now})
        low, high = ORG_SIZE[level]
        weights.append(rng.uniform(low, high))
        plans.append(OrgPlan(org_id, bin_, level, 0))
    for start in range(0, len(org_rows), BATCH):
        _insert(Organization, org_rows[start:start + BATCH])
    scale = teachers / sum(weights) if weights else 0
    remainder = 0.0
    for plan, weight in zip(plans, weights):
        exact = weight * scale + remainder
        plan.size = int(exact)
        remainder = exact - plan.size
    if plans:
        plans[-1].size += teachers - sum(plan.size for plan in plans)  # float rounding must not lose anyone
    progress(f"{orgs} organizations in {len(district_rows)} districts of {len(REGIONS)} regions")

    campaign = _create_campaign(f"SYN-{seed}", census)
    loader = Loader(Generator(seed, census, current_app.config["IIN_HASH_KEY"], _norms()), campaign)
    for index, plan in enumerate(plans, start=1):
        neighbours = [plans[(index + step) % len(plans)] for step in (1, 7, 31)] if len(plans) > 1 else []
        loader.add_organization(plan, neighbours, answered_share=1.0)
        if index % 1000 == 0:
            progress(f"{index} organizations, {loader.responses} responses")
    loader.flush(force=True)
    _reset_sequences()
    ensure_access_links(campaign)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:  # fresh statistics: a bulk load leaves the planner blind
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return (f"Synthetic data loaded: {orgs} organizations, {loader.responses} responses, "
            f"campaign {campaign.code} (open).")
