"""Settings from the environment.

Production (``SURVEY_ENV=production``) refuses to start without ``SECRET_KEY`` and ``IIN_HASH_KEY``.
Development generates both once and keeps them under ``instance/`` so that IIN hashes stay stable
across restarts and the README's run command needs no set-up. Tests pass their own mapping.
"""

from __future__ import annotations

import json
import os
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .files import private_dir, write_private
from .tabular import ROW_LIMITS

DEV_SECRETS_FILE = "secrets.json"
MB = 1024 * 1024
# The language of a visitor whose browser states none of LANGUAGES, and of messages read outside a request
# (DEFAULT_LANGUAGE in the environment). Code that needs "the default language" reads BABEL_DEFAULT_LOCALE.
DEFAULT_LANGUAGE = "kk"
# Settings read from the environment by the same name, over their defaults (below).
INTEGER_SETTINGS = ("LOAD_NORM_SCHOOL", "LOAD_NORM_COLLEGE", "LOAD_NORM_PRESCHOOL", "SMTP_PORT", "TRUSTED_PROXIES",
                    "QUESTIONNAIRE_IDLE_MINUTES", "INTEGRITY_BATCH_SECONDS", "EXPORT_ABANDONED_SECONDS")
TEXT_SETTINGS = ("SIGN_IN_RATE_LIMIT", "RESUME_LIMIT_PER_IIN", "RESUME_LIMIT_PER_ADDRESS", "QUESTIONNAIRE_START_LIMIT",
                 "ACCESS_CODE_LIMIT", "INTEGRITY_ON_SUBMIT")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; start-up stops."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _env_decimal(name: str, default: Decimal) -> Decimal:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not value.is_finite():
        raise ConfigError(f"{name} must be a number, got {raw!r}")
    return value


# The staffing forecast and the AI-training plan (issue 18): each setting's allowed range. The administrators' page
# accepts "what if" values in the same ranges.
PLAN_LIMITS = {
    "FORECAST_YEARS": (1, 15),
    "FORECAST_ATTRITION_PERCENT": (0, 50),
    "FORECAST_PLANS_LEAVE_PERCENT": (0, 100),
    "FORECAST_RETIREMENT_LEAVE_PERCENT": (0, 100),
    "AI_WAVE_CAPACITY": (1, 100_000),
    "AI_PRIORITY_UNDER_AGE": (0, 80),
}


def _integrity_thresholds() -> dict[str, float]:
    """INTEGRITY_THRESHOLDS: a JSON object overriding some of the integrity rules' thresholds, e.g.
    ``{"load_medium": 1.6}`` (the names and defaults: survey/integrity/catalogue.py DEFAULT_THRESHOLDS)."""
    from .integrity.catalogue import DEFAULT_THRESHOLDS

    raw = os.environ.get("INTEGRITY_THRESHOLDS") or "{}"
    try:
        values = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"INTEGRITY_THRESHOLDS must be a JSON object, got {raw!r}") from exc
    if not isinstance(values, dict):
        raise ConfigError(f"INTEGRITY_THRESHOLDS must be a JSON object, got {raw!r}")
    unknown = sorted(set(values) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ConfigError(f"INTEGRITY_THRESHOLDS: unknown thresholds {', '.join(unknown)}")
    wrong = sorted(name for name, value in values.items()
                   if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0)
    if wrong:
        raise ConfigError(f"INTEGRITY_THRESHOLDS: {', '.join(wrong)} must be numbers of 0 or more")
    return values


def _plan_settings(base: dict) -> dict:
    """The forecast's and the AI plan's assumptions from the environment, each checked against PLAN_LIMITS."""
    settings = {
        "FORECAST_YEARS": _env_int("FORECAST_YEARS", base["FORECAST_YEARS"]),
        "AI_WAVE_CAPACITY": _env_int("AI_WAVE_CAPACITY", base["AI_WAVE_CAPACITY"]),
        "AI_PRIORITY_UNDER_AGE": _env_int("AI_PRIORITY_UNDER_AGE", base["AI_PRIORITY_UNDER_AGE"]),
        **{name: _env_decimal(name, base[name]) for name in (
            "FORECAST_ATTRITION_PERCENT", "FORECAST_PLANS_LEAVE_PERCENT", "FORECAST_RETIREMENT_LEAVE_PERCENT")},
        "AI_PRIORITY_SUBJECTS": os.environ.get("AI_PRIORITY_SUBJECTS", base["AI_PRIORITY_SUBJECTS"]),
        "AI_PLAN_UNTRAINED": os.environ.get("AI_PLAN_UNTRAINED", "1" if base["AI_PLAN_UNTRAINED"] else "0") != "0",
        "AI_PRIORITY_ANSWERS": os.environ.get("AI_PRIORITY_ANSWERS", base["AI_PRIORITY_ANSWERS"]),
    }
    for name, (low, high) in PLAN_LIMITS.items():
        if not low <= settings[name] <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, got {settings[name]}")
    from .codebook import SUBJECTS

    unknown = [code for code in settings["AI_PRIORITY_SUBJECTS"].split(";") if code.strip() not in (*SUBJECTS, "")]
    if unknown:
        raise ConfigError(f"AI_PRIORITY_SUBJECTS: unknown subject codes {', '.join(unknown)} (CODEBOOK §3)")
    try:
        priority_answers(settings["AI_PRIORITY_ANSWERS"])
    except ValueError as exc:
        raise ConfigError(f"AI_PRIORITY_ANSWERS: {exc}") from exc
    return settings


def priority_answers(text: str) -> tuple[tuple[str, str], ...]:
    """AI_PRIORITY_ANSWERS as (campaign question, choice) pairs: ``mentor=yes;ai_tools=chatgpt``. ValueError names
    a part that is not ``question=choice``."""
    pairs = []
    for part in str(text).split(";"):
        if not part.strip():
            continue
        name, sign, choice = (piece.strip() for piece in part.partition("="))
        if not sign or not name or not choice or "=" in choice:
            raise ValueError(f"{part.strip()!r} is not question=choice (pairs separated by ;)")
        pairs.append((name, choice))
    return tuple(pairs)


def _dev_secrets(instance_path: Path) -> dict[str, str]:
    """Secrets generated on first start in development and kept in instance/secrets.json."""
    path = instance_path / DEV_SECRETS_FILE
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for key in ("SECRET_KEY", "IIN_HASH_KEY"):
        if not stored.get(key):
            stored[key] = secrets.token_hex(32)
            changed = True
    if changed:
        private_dir(instance_path)
        write_private(path, json.dumps(stored, indent=2).encode("utf-8"))
    return stored


def from_environment(instance_path: str | os.PathLike) -> dict:
    """Build the settings mapping for ``app.config`` from environment variables."""
    instance = Path(instance_path)
    env = os.environ.get("SURVEY_ENV", "development").strip().lower()
    if env not in {"development", "production"}:
        raise ConfigError(f"SURVEY_ENV must be 'development' or 'production', got {env!r}")

    secret_key = os.environ.get("SECRET_KEY", "")
    iin_hash_key = os.environ.get("IIN_HASH_KEY", "")
    if env == "production":
        missing = [name for name, value in (("SECRET_KEY", secret_key), ("IIN_HASH_KEY", iin_hash_key)) if not value]
        if missing:
            raise ConfigError(
                "SURVEY_ENV=production needs " + " and ".join(missing) + " in the environment; refusing to start."
            )
    elif not (secret_key and iin_hash_key):
        generated = _dev_secrets(instance)
        secret_key = secret_key or generated["SECRET_KEY"]
        iin_hash_key = iin_hash_key or generated["IIN_HASH_KEY"]

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'survey.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    redis_url = os.environ.get("REDIS_URL") or None
    # Every key the app puts in Redis starts with this: two installations (or test runs) can share one Redis.
    redis_prefix = os.environ.get("REDIS_PREFIX") or "survey"
    is_production = env == "production"
    settings = defaults()
    settings.update({
        "SURVEY_ENV": env,
        "SECRET_KEY": secret_key,
        "IIN_HASH_KEY": iin_hash_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "REDIS_PREFIX": redis_prefix,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "INTEGRITY_QUEUE_KEY": f"{redis_prefix}:integrity",
        "SESSION_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_SECURE": is_production,
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_MB", settings["MAX_CONTENT_LENGTH"] // MB) * MB,
        # The most data rows one upload of each kind may have (MAX_UPLOAD_ROWS_REGISTRY, _ROSTER, _RESPONSES, _GROWTH).
        **{setting: _env_int(setting, default) for setting, default in ROW_LIMITS.values()},
        **{name: _env_int(name, settings[name]) for name in INTEGER_SETTINGS},
        **{name: os.environ.get(name) or settings[name] for name in TEXT_SETTINGS},
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": (os.environ["SMTP_STARTTLS"] != "0" if os.environ.get("SMTP_STARTTLS")
                          else settings["SMTP_STARTTLS"]),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or None,
        # Where finished export files are kept for a day on SQLite (default: instance/exports); on PostgreSQL they
        # are kept in the database (large objects) and this is only where a job writes its file first.
        "EXPORT_DIR": os.environ.get("EXPORT_DIR") or None,
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LANGUAGE") or settings["BABEL_DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE") or settings["BABEL_DEFAULT_TIMEZONE"],
        "INTEGRITY_THRESHOLDS": _integrity_thresholds(),
    })
    settings.update(_plan_settings(settings))
    return settings


def defaults() -> dict:
    """Every setting's default, the one place each is written: ``from_environment`` starts from these (and reads
    the environment over them), tests start from them too."""
    return {
        "SURVEY_ENV": "development",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": None,
        "REDIS_PREFIX": "survey",
        "RATELIMIT_STORAGE_URI": "memory://",
        "INTEGRITY_QUEUE_KEY": "survey:integrity",
        "SMTP_HOST": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "MAX_CONTENT_LENGTH": 20 * MB,
        # Integer settings (INTEGER_SETTINGS) — CODEBOOK §7: teaching hours per week that make one rate (ставка).
        "LOAD_NORM_SCHOOL": 16,
        "LOAD_NORM_COLLEGE": 18,
        "LOAD_NORM_PRESCHOOL": 24,
        # E-mail for invitation and reset links; without SMTP_HOST links are only shown to the administrator.
        "SMTP_PORT": 587,
        "SMTP_STARTTLS": True,  # SMTP_STARTTLS=0 in the environment: a plain connection
        # How many reverse proxies (nginx, a load balancer) stand in front: their X-Forwarded-* headers are trusted.
        "TRUSTED_PROXIES": 0,
        # The questionnaire: idle time before a browser must prove the person again.
        "QUESTIONNAIRE_IDLE_MINUTES": 180,
        "INTEGRITY_BATCH_SECONDS": 30,
        # A running export that gave no sign of life for this long is failed (its process died) and can be retried.
        "EXPORT_ABANDONED_SECONDS": 180,
        # Text settings (TEXT_SETTINGS): rate limits, then how integrity rules run after a submission.
        "SIGN_IN_RATE_LIMIT": "10 per minute;50 per hour",
        "RESUME_LIMIT_PER_IIN": "5 per 15 minutes",
        "RESUME_LIMIT_PER_ADDRESS": "20 per hour",
        # Questionnaire starts per address: a whole staff room may share one address behind the school's router
        # (two posts per teacher: identity, then confirmation).
        "QUESTIONNAIRE_START_LIMIT": "600 per hour",
        # Unknown access codes per address on the code entry page (/q/code): organizations' codes are not guessed.
        "ACCESS_CODE_LIMIT": "30 per hour",
        # Person-level integrity rules after a submission: "background" (batched every half minute) or "sync".
        "INTEGRITY_ON_SUBMIT": "background",
        # Overrides of integrity/catalogue.py DEFAULT_THRESHOLDS (INTEGRITY_THRESHOLDS in the environment, as JSON).
        "INTEGRITY_THRESHOLDS": {},
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": ("kk", "ru", "en"),
        # The staffing forecast: years ahead; a yearly attrition of the staff who remain; the shares of those who
        # plan to leave the profession or move, and of those who reach retirement age, who do leave (README).
        "FORECAST_YEARS": 5,
        "FORECAST_ATTRITION_PERCENT": Decimal("3"),
        "FORECAST_PLANS_LEAVE_PERCENT": Decimal("50"),
        "FORECAST_RETIREMENT_LEAVE_PERCENT": Decimal("100"),
        # The AI-training plan: people one district can train in one wave, and the priority rule (wave order: those
        # who want training and teach one of these subjects or are under this age; the rest who want it; with
        # AI_PLAN_UNTRAINED everyone not yet trained).
        "AI_WAVE_CAPACITY": 200,
        "AI_PRIORITY_SUBJECTS": "informatics",
        "AI_PRIORITY_UNDER_AGE": 35,
        "AI_PLAN_UNTRAINED": True,
        # Campaign questions whose answer also puts those who want training in priority 1: ``question=choice`` pairs
        # separated by ";" (e.g. ``mentor=yes``); pairs naming a question the campaign does not ask are ignored.
        "AI_PRIORITY_ANSWERS": "",
    }
