"""Password hashing (argon2) and the rules a new password must meet."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher()
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\d\W_]+$")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches. With no hash (no such account) it takes as long, and fails."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
        return matched and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("an account that does not exist")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` cannot be used, in plain words, or ``None`` when it can."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    common = common_passwords()
    # "Sunshine2026!" is "sunshine" with a year and a symbol: just as easy to guess.
    if lowered in common or _TRAILING_DIGITS_AND_SYMBOLS.sub("", lowered) in common:
        return "Password is too common: choose one that is harder to guess"
    personal = {email.lower().split("@")[0], *name.lower().split()} - {""}
    if any(part in lowered for part in personal if len(part) >= 4):
        return "Password must not contain your name or email address"
    return None
