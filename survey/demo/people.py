"""Drawing consistent people and their answers (shared by the Almaty demo and the national generator).

A person is drawn once (identity, education, category, experience) and answers at each organization where they
work. Everything drawn here is what the questionnaire itself would accept, and nothing here trips an integrity rule:
a category comes only after the years and the education it needs, loads stay within the rule's 1.5 rates and the
week within its hours across all of a person's jobs. The integrity cases are planted on purpose (``planted.py``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from .. import codebook as cb
from ..codebook import ResponseStatus
from ..domain import check_digit, hash_iin
from ..integrity.catalogue import CATEGORY_MIN_EXPERIENCE, DEFAULT_THRESHOLDS, HIGHER_EDUCATION


class Mix:
    """A weighted choice among values, drawn with precomputed cumulative weights."""

    __slots__ = ("values", "cumulative")

    def __init__(self, pairs):
        self.values = tuple(value for value, _ in pairs)
        self.cumulative = tuple(itertools.accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


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
    "preschool": Mix((("secondary", 2), ("tvet", 38), ("bachelor", 55), ("master", 5))),
    "school": Mix((("secondary", 0.5), ("tvet", 8), ("bachelor", 80), ("master", 10), ("doctorate", 1),
                   ("candidate_or_doctor_of_science", 0.5))),
    "college": Mix((("tvet", 10), ("bachelor", 62), ("master", 23), ("doctorate", 3),
                    ("candidate_or_doctor_of_science", 2))),
}
# Age at graduation for each level (plus 0–3 years); a level the person is too young to hold is not drawn.
GRADUATION_AGE = {"secondary": 17, "tvet": 19, "bachelor": 22, "master": 24, "doctorate": 28,
                  "candidate_or_doctor_of_science": 30}
PED_EDUCATION = {
    "tvet": Mix((("ped_tvet", 80), ("retrained", 10), ("none", 10))),
    "higher": Mix((("ped_higher", 78), ("ped_tvet", 8), ("retrained", 8), ("none", 6))),
}
SPECIALTIES = ("Педагогика и психология", "Математика", "Қазақ тілі мен әдебиеті", "Дошкольное обучение и воспитание",
               "Биология", "Иностранный язык: два иностранных языка", "Физическая культура и спорт")
# Legacy categories (высшая, первая) were awarded before the 2020 attestation rules.
LEGACY_LAST_YEAR = 2020
POSTS_MIX = {
    "preschool": Mix((("educator", 80), ("music_director", 6), ("pe_instructor", 4), ("speech_therapist", 4),
                      ("psychologist", 3), ("methodologist", 3))),
    "school": Mix((("teacher", 86), ("psychologist", 3), ("social_pedagogue", 2), ("speech_therapist", 2),
                   ("deputy_director", 5), ("extracurricular", 2))),
    "college": Mix((("lecturer", 78), ("vocational_master", 15), ("psychologist", 2), ("deputy_director", 5))),
}
FIRST_POST = {"preschool": "educator", "school": "teacher", "college": "lecturer"}
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
SUBJECTS = {"school": Mix(SCHOOL_SUBJECTS), "college": Mix(COLLEGE_SUBJECTS)}
# Rates (ставки) of a main job: within the 1.5 rates above which the reference (§b.2, B6) flags a load.
MAIN_RATES = Mix(((Decimal("0.5"), 6), (Decimal("0.75"), 5), (Decimal("1"), 45), (Decimal("1.25"), 22),
                  (Decimal("1.5"), 22)))
SECONDARY_RATES = Mix(((Decimal("0.25"), 3), (Decimal("0.5"), 7)))
# Posts that teach little or not at all: (share teaching nothing, most hours when they do).
LITTLE_TEACHING = {"director": (0.5, 6), "deputy_director": (0.5, 6), "methodologist": (0.5, 6),
                   "psychologist": (0.6, 4), "social_pedagogue": (0.6, 4)}
CONTRACTS = Mix((("permanent", 70), ("fixed_long", 18), ("fixed_short", 10), ("civil", 2)))
LANGUAGES = Mix((("kk", 55), ("ru", 30), ("kk;ru", 12), ("en", 2), ("uz", 1)))
LESSON_LANGUAGES = Mix((("kk", 60), ("ru", 38), ("en", 2)))
PD_HOURS = (0, 36, 72, 80, 120, 160, 240)
AI_TRAINING = Mix((("none", 55), ("short", 35), ("long", 10)))
SATISFACTION = Mix(((1, 5), (2, 12), (3, 48), (4, 35)))
PLANS = Mix((("stay", 72), ("move_education", 8), ("leave_profession", 5), ("retire", 5), ("unsure", 10)))


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


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return dt.date(day.year + years, 3, 1)


@dataclass
class GeneratedPerson:
    person_key: str
    birth_date: dt.date
    sex: str
    last_name: str
    first_name: str
    middle_name: str | None
    personal: dict  # sections D/E/F, the same at every organization

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


class Generator:
    """Deterministic people and answers for a census date.

    ``limits`` are the integrity thresholds (``max_week_hours``, ``load_medium``) the people drawn here stay within
    across all their jobs; the callers pass the ones the checks will use.
    """

    def __init__(self, seed: int, census: dt.date, hash_key: str, norms: dict[str, int],
                 limits: dict[str, float] | None = None):
        self.rng = random.Random(seed)
        self.census = census
        self.hash_key = hash_key
        self.norms = norms
        limits = limits or DEFAULT_THRESHOLDS
        self.max_load = float(limits["load_medium"])  # rates of teaching across organizations
        self.max_hours = int(limits["max_week_hours"])  # working hours a week across organizations
        self.seen_keys: set[str] = set()
        self.seen_names: set[int] = set()  # name and birth date: two IINs never share them unless planted (G3)

    # --- people ------------------------------------------------------------------------------------------------

    def person(self, level: str, *, age: int | None = None, birth_year: int | None = None) -> GeneratedPerson:
        """A new person (a unique IIN, and a name and birth date nobody else has) who works at ``level``."""
        rng = self.rng
        sex = "f" if rng.random() < (0.95 if level == "preschool" else 0.8) else "m"
        if birth_year is not None:
            birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        else:
            if age is None:
                low, high, _ = rng.choices(AGE_BANDS, [band[2] for band in AGE_BANDS])[0]
                age = rng.randint(low, high)
            # exactly ``age`` whole years on the census date (always the 1st of a month)
            birth = self.census.replace(year=self.census.year - age) - dt.timedelta(days=rng.randint(1, 364))
        key = self.new_key(birth, sex)
        firsts, middles = (FIRST_NAMES_F, PATRONYMS_F) if sex == "f" else (FIRST_NAMES_M, PATRONYMS_M)
        while True:  # the sex, the birth date and the three indexes identify the name: one integer to remember
            i, j, k = rng.randrange(len(LAST_NAMES)), rng.randrange(len(firsts)), rng.randrange(len(middles))
            name = ((birth.toordinal() * 64 + i) * 64 + j) * 16 + k
            if name not in self.seen_names:
                self.seen_names.add(name)
                break
        last = LAST_NAMES[i]
        if sex == "f" and last[-2:] in ("ов", "ев", "ин"):
            last += "а"
        return GeneratedPerson(key, birth, sex, last, firsts[j], middles[k], self._personal(level, birth))

    def new_key(self, birth: dt.date, sex: str) -> str:
        """The person key of a new IIN for this birth date and sex, never issued before in this data set."""
        while True:
            key = hash_iin(make_iin(birth, sex, self.rng), self.hash_key)
            if key not in self.seen_keys:
                self.seen_keys.add(key)
                return key

    def _personal(self, level: str, birth: dt.date) -> dict:
        """Education, then the experience its graduation allows, then a category that experience has earned."""
        rng, year = self.rng, self.census.year
        education = EDUCATION_MIX[level].draw(rng)
        while birth.year + GRADUATION_AGE[education] > year:  # too young for that degree: the one below it
            education = cb.EDUCATION_LEVELS[cb.EDUCATION_LEVELS.index(education) - 1]
        graduation = min(year, birth.year + GRADUATION_AGE[education] + rng.randint(0, 3))
        since = year - graduation  # ≤ age − 16, since graduation ≥ birth year + 17
        experience = int(rng.triangular(0, since, since * 0.8)) if since else 0
        category = self._category(level, education, experience)
        if education == "secondary":
            ped = "none"
        else:
            ped = PED_EDUCATION["tvet" if education == "tvet" else "higher"].draw(rng)
        return {
            "education_level": education,
            "ped_education": ped,
            "specialty": None if education == "secondary" else rng.choice(SPECIALTIES),
            "graduation_year": graduation,
            "category": category,
            "category_year": self._category_year(category, graduation, experience),
            "experience_total": Decimal(experience),
        }

    def _category(self, level: str, education: str, experience: int) -> str:
        started = self.census.year - experience

        def earned(category: str) -> bool:
            if category == "none":
                return True
            if category.startswith("legacy_"):
                return started < LEGACY_LAST_YEAR
            if education == "secondary" or experience < CATEGORY_MIN_EXPERIENCE[category]:
                return False
            return category != "master" or education in HIGHER_EDUCATION

        values, weights = zip(*((c, w) for c, w in CATEGORY_MIX[level] if earned(c)))
        return self.rng.choices(values, weights)[0]

    def _category_year(self, category: str, graduation: int, experience: int) -> int | None:
        """Awarded once the person had the years it needs, at the latest attestation (at least every 5 years)."""
        if category == "none":
            return None
        year = self.census.year
        started = year - experience
        if category.startswith("legacy_"):
            return self.rng.randint(max(started + 1, graduation, LEGACY_LAST_YEAR - 6), LEGACY_LAST_YEAR)
        earliest = max(started + CATEGORY_MIN_EXPERIENCE[category], graduation, year - 4)
        return self.rng.randint(earliest, year)

    # --- answers at one organization ---------------------------------------------------------------------------

    def response(self, person: GeneratedPerson, level: str, basis: str, post: str, *, load_room: float | None = None,
                 hours_room: int | None = None) -> tuple[dict, list[dict]]:
        """The answers of ``person`` at an organization of ``level``, with at most ``load_room`` rates of teaching
        and ``hours_room`` working hours a week left by their other jobs."""
        rng = self.rng
        norm = self.norms[level]
        load_room = self.max_load if load_room is None else load_room
        hours_room = self.max_hours if hours_room is None else hours_room
        most = min(40, hours_room, math.floor(load_room * norm + 1e-9))
        if basis == "main":
            rate = MAIN_RATES.draw(rng)
        else:
            rate = Decimal("0.25") if basis == "hourly" else SECONDARY_RATES.draw(rng)
        rate = max(Decimal("0.25"), min(rate, Decimal(math.floor(most * 4 / norm)) / 4))
        if post in LITTLE_TEACHING:
            none_share, at_most = LITTLE_TEACHING[post]
            teaching = 0 if rng.random() < none_share else rng.randint(1, at_most)
        else:
            teaching = int(rate * norm) + rng.randint(-2, 1)
        teaching = max(0, min(teaching, most)) if post in LITTLE_TEACHING else max(1, min(teaching, most))
        extra = rng.randint(8, 20) if basis == "main" else rng.randint(1, 6)
        return self.answers(person, level, post, basis, rate, teaching, min(teaching + extra, hours_room, 80))

    def answers(self, person: GeneratedPerson, level: str, post: str, basis: str, rate: Decimal, teaching: int,
                total_hours: int) -> tuple[dict, list[dict]]:
        """The response row and subject rows for a job whose rate and hours are decided."""
        rng = self.rng
        experience_total = person.personal["experience_total"]
        experience_org = Decimal(rng.randint(0, int(experience_total))) if experience_total >= 1 else Decimal(0)
        start = max(years_after(person.birth_date, 16),
                    self.census - dt.timedelta(days=int(experience_org * 365) + rng.randint(0, 200)))
        ai_use = rng.random() < 0.59
        row = {
            "person_key": person.person_key,
            "birth_date": person.birth_date,
            "sex": person.sex,
            "status": ResponseStatus.SUBMITTED.value,
            "current_step": 0,
            "source": "demo",
            "network_key": None,  # answers typed in, not sent from a browser (G11's planted ones have one)
            "version": 1,
            "last_name": person.last_name,
            "first_name": person.first_name,
            "middle_name": person.middle_name,
            "consent": True,
            "post": post,
            "basis": basis,
            "contract": "civil" if basis == "hourly" else CONTRACTS.draw(rng),
            "start_date": min(start, self.census),
            "rate": rate,
            "teaching_hours": teaching,
            "languages": LANGUAGES.draw(rng),
            **person.personal,
            "experience_org": experience_org,
            "pd_hours_3y": rng.choice(PD_HOURS),
            "total_hours_week": total_hours,
            "ai_use": ai_use,
            "ai_purposes": ";".join(sorted(rng.sample(cb.AI_PURPOSES, rng.randint(1, 3)))) if ai_use else None,
            "ai_training": AI_TRAINING.draw(rng),
            "ai_training_wanted": rng.random() < 0.7,
            "satisfaction": SATISFACTION.draw(rng),
            "plans": PLANS.draw(rng),
        }
        return row, self.subjects(level, teaching)

    def subjects(self, level: str, teaching: int) -> list[dict]:
        """The subjects taught in ``teaching`` hours a week (their hours add up exactly)."""
        if teaching == 0:
            return []
        rng = self.rng
        language = LESSON_LANGUAGES.draw(rng)
        if level == "preschool":
            return [{"subject": "preschool_group", "hours": teaching, "language": language}]
        pool = SUBJECTS[level]
        first = pool.draw(rng)
        if teaching < 6 or rng.random() < 0.6:
            return [{"subject": first, "hours": teaching, "language": language}]
        second = pool.draw(rng)
        if second == first:
            return [{"subject": first, "hours": teaching, "language": language}]
        split = rng.randint(2, teaching - 2)
        return [{"subject": first, "hours": teaching - split, "language": language},
                {"subject": second, "hours": split, "language": language}]
