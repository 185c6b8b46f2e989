"""Pure domain functions: no Flask, no database."""

from .identity import (
    CODE_ALPHABET,
    IdentityError,
    Person,
    check_digit,
    check_id,
    hash_iin,
    is_valid_bin,
    normalize_id,
    parse_iin,
    person_from_iin,
    personal_code,
)
from .people import age_band, age_on, load_norm, retirement_age, years_to_retirement

__all__ = [
    "CODE_ALPHABET",
    "IdentityError",
    "Person",
    "age_band",
    "age_on",
    "check_digit",
    "check_id",
    "hash_iin",
    "is_valid_bin",
    "load_norm",
    "normalize_id",
    "parse_iin",
    "person_from_iin",
    "personal_code",
    "retirement_age",
    "years_to_retirement",
]
