"""Password hashing (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Personal codes of teachers: 8 random characters from 32 (40 bits), tried under per-IIN and per-address rate
# limits. They need a slow hash against offline guessing, but not the staff passwords' 64 MiB and three passes:
# on the deadline day a new code is hashed for every teacher who starts, and that cost is paid on two cores.
_code_hasher = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)


def hash_code(code: str) -> str:
    return _code_hasher.hash(code)
