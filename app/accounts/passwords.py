"""Argon2id password hashing."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that such a check takes as long as a
    real one and response time does not reveal which emails have accounts."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; the same work whether or not the account exists.

    Text that is not valid Unicode (a lone surrogate from JSON's "\\ud800") matches nothing.
    """
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError, UnicodeEncodeError):
        return False
    return matched and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
