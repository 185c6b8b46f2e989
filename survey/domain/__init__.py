"""Pure domain functions: no Flask, no database."""

from .identity import (
    CODE_ALPHABET,
    IdentityError,
    IinIdentity,
    check_digit,
    check_id,
    hash_iin,
    is_valid_bin,
    normalize_id,
    parse_iin,
    person_from_iin,
    personal_code,
)
from .people import (
    EXPERIENCE_FROM_AGE,
    GRADUATION_MIN_AGE,
    add_months,
    age_band,
    age_on,
    retirement_age,
    retirement_date,
    years_to_retirement,
)

__all__ = [
    "CODE_ALPHABET",
    "EXPERIENCE_FROM_AGE",
    "GRADUATION_MIN_AGE",
    "IdentityError",
    "IinIdentity",
    "add_months",
    "age_band",
    "age_on",
    "check_digit",
    "check_id",
    "hash_iin",
    "is_valid_bin",
    "normalize_id",
    "parse_iin",
    "person_from_iin",
    "personal_code",
    "retirement_age",
    "retirement_date",
    "years_to_retirement",
]
