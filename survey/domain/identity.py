"""IIN and BIN (CODEBOOK §6): check digit, birth date and sex, keyed hashing; teachers' personal codes.

An IIN is turned into an ``IinIdentity`` (person_key, birth_date, sex) the moment it arrives; the plain number
is never stored or logged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# 7th digit of an IIN: century of birth and sex.
CENTURY_SEX = {1: (1800, "m"), 2: (1800, "f"), 3: (1900, "m"), 4: (1900, "f"), 5: (2000, "m"), 6: (2000, "f")}
# Codes people read and type (organizations' access codes, personal codes): 32 characters, 5 bits each, without the
# look-alikes 0/O and 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class IdentityError(ValueError):
    """An IIN or BIN that cannot be right. ``code`` names the reason for translated messages."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class IinIdentity:
    person_key: str
    birth_date: dt.date
    sex: str  # "m" or "f"


_SPACES = str.maketrans("", "", " \u00a0\u2007\u202f\t-")


def normalize_id(raw: object) -> str:
    """A 12-digit identifier as text: spaces and dashes removed, a number that lost its leading zeros padded.

    Spreadsheets store ``040140000385`` as the number 40140000385; we give the zeros back when the result
    has 12 digits. Anything else is returned as cleaned text for the validator to reject.
    """
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = str(int(raw)) if raw.is_integer() else repr(raw)
    else:
        text = str(raw).translate(_SPACES)
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
    if text.isdigit() and 10 <= len(text) < 12:
        text = text.zfill(12)
    return text


def check_digit(first11: str) -> int | None:
    """The check digit for 11 digits, or None when both passes give 10 (no valid number has this prefix)."""
    digits = [int(ch) for ch in first11]
    c = sum(d * w for d, w in zip(digits, WEIGHTS_1)) % 11
    if c == 10:
        c = sum(d * w for d, w in zip(digits, WEIGHTS_2)) % 11
        if c == 10:
            return None
    return c


def check_id(number: str) -> None:
    """Raise ``IdentityError`` unless ``number`` is 12 digits with a correct check digit (IIN or BIN)."""
    if len(number) != 12:
        raise IdentityError("length", f"must have 12 digits, has {len(number)} characters")
    if not number.isascii() or not number.isdigit():
        raise IdentityError("digits", "must contain digits only")
    expected = check_digit(number[:11])
    if expected is None:
        raise IdentityError("unissuable", "no valid number has these first 11 digits")
    if expected != int(number[11]):
        raise IdentityError("check_digit", "the check digit does not match")


def is_valid_bin(number: str) -> bool:
    """A BIN (or an IIN used as an organization id) with a correct check digit."""
    try:
        check_id(number)
    except IdentityError:
        return False
    return True


def parse_iin(number: str) -> tuple[dt.date, str]:
    """Validate an IIN and return (birth date, sex); raises ``IdentityError`` with the reason."""
    check_id(number)
    century_digit = int(number[6])
    if century_digit not in CENTURY_SEX:
        raise IdentityError("century", "the 7th digit must be 1 to 6")
    century, sex = CENTURY_SEX[century_digit]
    try:
        birth = dt.date(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    except ValueError as exc:
        raise IdentityError("birth_date", "the first six digits are not a date") from exc
    return birth, sex


def hash_iin(number: str, key: str | bytes) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a 12-digit IIN: the person key stored instead of the IIN."""
    if not key:
        raise ValueError("IIN_HASH_KEY is empty")
    secret = key.encode() if isinstance(key, str) else key
    return hmac.new(secret, number.encode("ascii"), hashlib.sha256).hexdigest()


def person_from_iin(number: str, key: str | bytes) -> IinIdentity:
    """Validate, derive birth date and sex, and hash: the only form in which a person goes further."""
    birth, sex = parse_iin(number)
    return IinIdentity(person_key=hash_iin(number, key), birth_date=birth, sex=sex)


def personal_code(key: str | bytes, salt: str) -> str:
    """The personal code that belongs to ``salt``: eight characters (40 bits) of HMAC-SHA256 under a key derived
    from ``key`` (the IIN hashing key), shown as ABCD-EFGH.

    The database keeps only the salt, a random value drawn for each code; without the key it says nothing about the
    code, so a stolen copy of the database gives no code to try offline (a slow hash of a 40-bit code only makes
    that guessing slower). Whoever holds the keys can compute every code, but could already sign themselves into any
    questionnaire with SECRET_KEY, or recover IINs from their keyed hashes with IIN_HASH_KEY. Guessing online is
    stopped by the per-IIN and per-address limits of the resume page.
    """
    if not key:
        raise ValueError("IIN_HASH_KEY is empty")
    secret = key.encode() if isinstance(key, str) else key
    code_key = hmac.new(secret, b"survey/personal-code/v1", hashlib.sha256).digest()
    bits = int.from_bytes(hmac.new(code_key, salt.encode("ascii"), hashlib.sha256).digest()[:5], "big")
    chars = "".join(CODE_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"
