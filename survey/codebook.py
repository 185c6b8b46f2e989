"""The data contract (shared/CODEBOOK.md) as code: stable codes and their kk / ru / en labels.

Codes are what the database stores, imports accept and "codes" exports write; labels are translations
and may change. Imports accept a code or any of its three labels, case-insensitively (``parse_code``).
"""

from __future__ import annotations

import enum

CODEBOOK_VERSION = "1.0"


class Level(enum.StrEnum):
    PRESCHOOL = "preschool"
    SCHOOL = "school"
    COLLEGE = "college"


class Ownership(enum.StrEnum):
    STATE = "state"
    PRIVATE = "private"
    PPP = "ppp"


class IdKind(enum.StrEnum):
    BIN = "bin"
    IIN = "iin"


class Sex(enum.StrEnum):
    MALE = "m"
    FEMALE = "f"


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Role(enum.StrEnum):
    NATIONAL_ADMIN = "national_admin"
    REGION_ADMIN = "region_admin"
    DISTRICT_ADMIN = "district_admin"
    DIRECTOR = "director"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    EXPLAINED = "explained"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# Lists are plain tuples of codes. Extensible ones may gain codes; where a question chooses from a list, the
# database checks its answers against it (survey.questions → the models' CHECK constraints), so a new code needs a
# migration too: tests/test_question_checks.py fails until one recreates the constraint.
ORG_TYPES = (
    "nursery", "nursery_kindergarten", "kindergarten", "mini_centre", "primary_school", "basic_school",
    "general_school", "gymnasium", "lyceum", "small_school", "special_school", "boarding_school",
    "international_school", "kindergarten_school", "college", "higher_college", "other",
)
POSTS = (
    "teacher", "educator", "lecturer", "vocational_master", "psychologist", "speech_therapist", "social_pedagogue",
    "music_director", "pe_instructor", "extracurricular", "methodologist", "deputy_director", "director", "other",
)
TEACHER_POSTS = ("teacher", "educator", "lecturer", "vocational_master")
BASES = ("main", "internal_secondary", "external_secondary", "hourly")
CONTRACTS = ("permanent", "fixed_long", "fixed_short", "civil")
EDUCATION_LEVELS = ("secondary", "tvet", "bachelor", "master", "doctorate", "candidate_or_doctor_of_science")
PED_EDUCATION = ("ped_higher", "ped_tvet", "retrained", "none")
CATEGORIES = (
    "none", "pedagogue", "moderator", "expert", "researcher", "master", "legacy_highest", "legacy_first",
    "legacy_second",
)
AI_PURPOSES = (
    "lesson_planning", "explaining_topics", "student_practice", "assessment", "data_analysis", "special_needs",
    "admin_documents",
)
AI_TRAINING = ("none", "short", "long")
PLANS = ("stay", "move_education", "leave_profession", "retire", "unsure")
SATISFACTION = ("1", "2", "3", "4")  # "all in all, I am satisfied with my job": strongly disagree … strongly agree
SUBJECTS = (
    "primary_classes", "kazakh_language", "kazakh_literature", "russian_language", "russian_literature", "english",
    "other_foreign_language", "mathematics", "algebra", "geometry", "informatics", "physics", "chemistry", "biology",
    "natural_science", "geography", "history_kazakhstan", "world_history", "law", "self_knowledge", "art", "music",
    "technology", "physical_education", "initial_military_training", "preschool_group", "vocational_theory",
    "vocational_practice", "other",
)
LANGUAGES = ("kk", "ru", "en", "uz", "ug", "tg", "other")
AGE_BANDS = ("under_30", "30_39", "40_49", "50_59", "60_plus")

# code -> (kk, ru, en)
LABELS: dict[str, dict[str, tuple[str, str, str]]] = {
    "level": {
        "preschool": ("Мектепке дейінгі ұйым", "Дошкольная организация", "Preschool"),
        "school": ("Мектеп", "Школа", "School"),
        "college": ("Колледж", "Колледж", "College"),
    },
    "ownership": {
        "state": ("Мемлекеттік", "Государственная", "State"),
        "private": ("Жеке меншік", "Частная", "Private"),
        "ppp": ("МЖӘ", "ГЧП", "Public-private partnership"),
    },
    "id_kind": {
        "bin": ("БСН", "БИН", "BIN"),
        "iin": ("ЖСН", "ИИН", "IIN"),
    },
    "sex": {
        "m": ("Ер", "Мужской", "Male"),
        "f": ("Әйел", "Женский", "Female"),
    },
    "org_type": {
        "nursery": ("Бөбекжай", "Ясли", "Nursery"),
        "nursery_kindergarten": ("Бөбекжай-бақша", "Ясли-сад", "Nursery-kindergarten"),
        "kindergarten": ("Балабақша", "Детский сад", "Kindergarten"),
        "mini_centre": ("Шағын орталық", "Мини-центр", "Mini-centre"),
        "primary_school": ("Бастауыш мектеп", "Начальная школа", "Primary school"),
        "basic_school": ("Негізгі орта мектеп", "Основная средняя школа", "Basic secondary school"),
        "general_school": ("Жалпы орта мектеп", "Общеобразовательная школа", "General secondary school"),
        "gymnasium": ("Гимназия", "Гимназия", "Gymnasium"),
        "lyceum": ("Лицей", "Лицей", "Lyceum"),
        "small_school": ("Шағын жинақты мектеп", "Малокомплектная школа", "Small rural school"),
        "special_school": ("Арнаулы мектеп", "Специальная школа", "Special school"),
        "boarding_school": ("Мектеп-интернат", "Школа-интернат", "Boarding school"),
        "international_school": ("Халықаралық мектеп", "Международная школа", "International school"),
        "kindergarten_school": ("Балабақша-мектеп", "Детский сад – школа", "Kindergarten-school"),
        "college": ("Колледж", "Колледж", "College"),
        "higher_college": ("Жоғары колледж", "Высший колледж", "Higher college"),
        "other": ("Басқа", "Другое", "Other"),
    },
    "post": {
        "teacher": ("Мұғалім", "Учитель", "Teacher"),
        "educator": ("Тәрбиеші", "Воспитатель", "Educator"),
        "lecturer": ("Колледж оқытушысы", "Преподаватель колледжа", "College lecturer"),
        "vocational_master": ("Өндірістік оқыту шебері", "Мастер производственного обучения", "Vocational master"),
        "psychologist": ("Педагог-психолог", "Педагог-психолог", "Psychologist"),
        "speech_therapist": ("Логопед, дефектолог", "Логопед, дефектолог", "Speech therapist"),
        "social_pedagogue": ("Әлеуметтік педагог", "Социальный педагог", "Social pedagogue"),
        "music_director": ("Музыка жетекшісі", "Музыкальный руководитель", "Music director"),
        "pe_instructor": ("Дене шынықтыру нұсқаушысы", "Инструктор по физкультуре", "PE instructor"),
        "extracurricular": ("Қосымша білім беру педагогы", "Педагог дополнительного образования", "Extracurricular teacher"),
        "methodologist": ("Әдіскер", "Методист", "Methodologist"),
        "deputy_director": ("Директордың орынбасары", "Заместитель директора", "Deputy director"),
        "director": ("Директор", "Директор", "Director"),
        "other": ("Басқа", "Другое", "Other"),
    },
    "basis": {
        "main": ("Негізгі жұмыс орны", "Основное место работы", "Main job"),
        "internal_secondary": ("Ішкі қоса атқару", "Внутреннее совместительство", "Internal secondary job"),
        "external_secondary": ("Сыртқы қоса атқару", "Внешнее совместительство", "External secondary job"),
        "hourly": ("Сағаттық ақы", "Почасовая оплата", "Hourly"),
    },
    "contract": {
        "permanent": ("Мерзімі белгіленбеген", "Бессрочный", "Permanent"),
        "fixed_long": ("Мерзімді (1 оқу жылынан артық)", "Срочный (более 1 учебного года)", "Fixed term, over one school year"),
        "fixed_short": ("Мерзімді (1 оқу жылына дейін)", "Срочный (до 1 учебного года)", "Fixed term, up to one school year"),
        "civil": ("Азаматтық-құқықтық шарт", "Гражданско-правовой договор", "Civil contract"),
    },
    "education_level": {
        "secondary": ("Орта білім", "Среднее", "Secondary"),
        "tvet": ("Техникалық және кәсіптік", "Техническое и профессиональное", "TVET"),
        "bachelor": ("Бакалавр / жоғары", "Бакалавр / высшее", "Bachelor / higher"),
        "master": ("Магистр", "Магистр", "Master"),
        "doctorate": ("PhD докторы", "Доктор PhD", "Doctorate (PhD)"),
        "candidate_or_doctor_of_science": ("Ғылым кандидаты немесе докторы", "Кандидат или доктор наук", "Candidate or doctor of science"),
    },
    "ped_education": {
        "ped_higher": ("Жоғары педагогикалық", "Высшее педагогическое", "Higher pedagogical"),
        "ped_tvet": ("Педагогикалық колледж", "Педагогический колледж", "Pedagogical college"),
        "retrained": ("Педагогикалық емес + қайта даярлау", "Непедагогическое + переподготовка", "Non-pedagogical + retraining"),
        "none": ("Педагогикалық білімі жоқ", "Нет педагогического образования", "No pedagogical education"),
    },
    "category": {
        "none": ("Санаты жоқ", "Без категории", "No category"),
        "pedagogue": ("Педагог", "Педагог", "Pedagogue"),
        "moderator": ("Педагог-модератор", "Педагог-модератор", "Moderator"),
        "expert": ("Педагог-сарапшы", "Педагог-эксперт", "Expert"),
        "researcher": ("Педагог-зерттеуші", "Педагог-исследователь", "Researcher"),
        "master": ("Педагог-шебер", "Педагог-мастер", "Master"),
        "legacy_highest": ("Жоғары санат", "Высшая категория", "Highest category (legacy)"),
        "legacy_first": ("Бірінші санат", "Первая категория", "First category (legacy)"),
        "legacy_second": ("Екінші санат", "Вторая категория", "Second category (legacy)"),
    },
    "ai_purposes": {
        "lesson_planning": ("Сабақ жоспарлау", "Планирование уроков", "Lesson planning"),
        "explaining_topics": ("Тақырыптарды түсіндіру", "Объяснение тем", "Explaining topics"),
        "student_practice": ("Оқушылардың жаттығуы", "Практика учащихся", "Student practice"),
        "assessment": ("Бағалау", "Оценивание", "Assessment"),
        "data_analysis": ("Деректерді талдау", "Анализ данных", "Data analysis"),
        "special_needs": ("Ерекше білім беру қажеттіліктері", "Особые образовательные потребности", "Special needs"),
        "admin_documents": ("Әкімшілік құжаттар", "Административные документы", "Administrative documents"),
    },
    "ai_training": {
        "none": ("Оқымадым", "Не обучался(ась)", "None"),
        "short": ("Қысқа курс", "Короткий курс", "Short course"),
        "long": ("Ұзақ курс (≥ 16 сағ)", "Длительный курс (≥ 16 ч)", "Long course (≥ 16 h)"),
    },
    "plans": {
        "stay": ("Осы жерде қаламын", "Останусь здесь", "Stay"),
        "move_education": ("Басқа білім беру ұйымына ауысамын", "Перейду в другую организацию образования", "Move to another education organization"),
        "leave_profession": ("Мамандықтан кетемін", "Уйду из профессии", "Leave the profession"),
        "retire": ("Зейнеткерлікке шығамын", "Выйду на пенсию", "Retire"),
        "unsure": ("Әлі шешкен жоқпын", "Пока не решил(а)", "Not sure"),
    },
    "satisfaction": {
        "1": ("Мүлдем келіспеймін", "Совершенно не согласен(на)", "Strongly disagree"),
        "2": ("Келіспеймін", "Не согласен(на)", "Disagree"),
        "3": ("Келісемін", "Согласен(на)", "Agree"),
        "4": ("Толық келісемін", "Полностью согласен(на)", "Strongly agree"),
    },
    "subject": {
        "primary_classes": ("Бастауыш сыныптар", "Начальные классы", "Primary classes"),
        "kazakh_language": ("Қазақ тілі", "Казахский язык", "Kazakh language"),
        "kazakh_literature": ("Қазақ әдебиеті", "Казахская литература", "Kazakh literature"),
        "russian_language": ("Орыс тілі", "Русский язык", "Russian language"),
        "russian_literature": ("Орыс әдебиеті", "Русская литература", "Russian literature"),
        "english": ("Ағылшын тілі", "Английский язык", "English"),
        "other_foreign_language": ("Басқа шет тілі", "Другой иностранный язык", "Other foreign language"),
        "mathematics": ("Математика", "Математика", "Mathematics"),
        "algebra": ("Алгебра", "Алгебра", "Algebra"),
        "geometry": ("Геометрия", "Геометрия", "Geometry"),
        "informatics": ("Информатика", "Информатика", "Informatics"),
        "physics": ("Физика", "Физика", "Physics"),
        "chemistry": ("Химия", "Химия", "Chemistry"),
        "biology": ("Биология", "Биология", "Biology"),
        "natural_science": ("Жаратылыстану", "Естествознание", "Natural science"),
        "geography": ("География", "География", "Geography"),
        "history_kazakhstan": ("Қазақстан тарихы", "История Казахстана", "History of Kazakhstan"),
        "world_history": ("Дүниежүзі тарихы", "Всемирная история", "World history"),
        "law": ("Құқық негіздері", "Основы права", "Law"),
        "self_knowledge": ("Өзін-өзі тану", "Самопознание", "Self-knowledge"),
        "art": ("Бейнелеу өнері", "Изобразительное искусство", "Art"),
        "music": ("Музыка", "Музыка", "Music"),
        "technology": ("Көркем еңбек", "Художественный труд", "Technology"),
        "physical_education": ("Дене шынықтыру", "Физическая культура", "Physical education"),
        "initial_military_training": ("Алғашқы әскери дайындық", "Начальная военная подготовка", "Initial military training"),
        "preschool_group": ("Мектепке дейінгі топ", "Дошкольная группа", "Preschool group"),
        "vocational_theory": ("Кәсіптік теориялық оқыту", "Профессиональное теоретическое обучение", "Vocational theory"),
        "vocational_practice": ("Өндірістік оқыту", "Производственное обучение", "Vocational practice"),
        "other": ("Басқа", "Другое", "Other"),
    },
    "language": {
        "kk": ("Қазақ тілі", "Казахский", "Kazakh"),
        "ru": ("Орыс тілі", "Русский", "Russian"),
        "en": ("Ағылшын тілі", "Английский", "English"),
        "uz": ("Өзбек тілі", "Узбекский", "Uzbek"),
        "ug": ("Ұйғыр тілі", "Уйгурский", "Uyghur"),
        "tg": ("Тәжік тілі", "Таджикский", "Tajik"),
        "other": ("Басқа", "Другой", "Other"),
    },
    "campaign_status": {
        "draft": ("Жоба", "Черновик", "Draft"),
        "open": ("Ашық", "Открыта", "Open"),
        "closed": ("Жабық", "Закрыта", "Closed"),
    },
    "role": {
        "national_admin": ("Республикалық әкімші", "Администратор республики", "National administrator"),
        "region_admin": ("Облыс әкімшісі", "Администратор области", "Region administrator"),
        "district_admin": ("Аудан әкімшісі", "Администратор района", "District administrator"),
        "director": ("Ұйым басшысы", "Руководитель организации", "Director"),
    },
    "age_band": {
        "under_30": ("30-ға дейін", "До 30", "Under 30"),
        "30_39": ("30–39", "30–39", "30–39"),
        "40_49": ("40–49", "40–49", "40–49"),
        "50_59": ("50–59", "50–59", "50–59"),
        "60_plus": ("60 және одан жоғары", "60 и старше", "60 and over"),
    },
}
LABELS["languages"] = LABELS["language"]

# Which list of codes each enumerated field draws from.
CODES: dict[str, tuple[str, ...]] = {
    "level": tuple(Level),
    "ownership": tuple(Ownership),
    "id_kind": tuple(IdKind),
    "sex": tuple(Sex),
    "org_type": ORG_TYPES,
    "post": POSTS,
    "basis": BASES,
    "contract": CONTRACTS,
    "education_level": EDUCATION_LEVELS,
    "ped_education": PED_EDUCATION,
    "category": CATEGORIES,
    "ai_purposes": AI_PURPOSES,
    "ai_training": AI_TRAINING,
    "plans": PLANS,
    "satisfaction": SATISFACTION,
    "subject": SUBJECTS,
    "language": LANGUAGES,
    "languages": LANGUAGES,
}

_LANG_INDEX = {"kk": 0, "ru": 1, "en": 2}
FALLBACK_LANGUAGE = "ru"  # the labels of a language the codebook does not know, or of none (outside an application)


def label(field: str, code: str | None, lang: str = FALLBACK_LANGUAGE) -> str:
    """The label of ``code`` in ``lang``; the code itself when no label is known."""
    if code is None:
        return ""
    labels = LABELS.get(field, {}).get(str(code))
    if labels is None:
        return str(code)
    return labels[_LANG_INDEX.get(lang, _LANG_INDEX[FALLBACK_LANGUAGE])]


def _fold(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


_LOOKUP: dict[str, dict[str, str]] = {}
for _field, _codes in CODES.items():
    table = {_fold(code): code for code in _codes}
    for _code, _labels in LABELS.get(_field, {}).items():
        for _text in _labels:
            table.setdefault(_fold(_text), _code)
    _LOOKUP[_field] = table


def parse_code(field: str, value: str) -> str | None:
    """The code for ``value`` (a code or a kk / ru / en label, any case), or None when unknown."""
    return _LOOKUP[field].get(_fold(value))


BOOLEAN_WORDS = {
    "true": True, "1": True, "yes": True, "да": True, "иә": True, "ия": True,
    "false": False, "0": False, "no": False, "нет": False, "жоқ": False,
}


def parse_bool(value: str) -> bool | None:
    """CODEBOOK §0 booleans: true/false, 1/0, yes/no, да/нет, иә/жоқ. None when not one of them."""
    return BOOLEAN_WORDS.get(_fold(value))
