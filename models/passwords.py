"""Argon2id password hashes.

``verify_password`` does the same work whether or not a hash exists, so that the time a
failed sign-in takes does not tell an attacker whether the login exists.

The cost is argon2-cffi's default (RFC 9106's low-memory profile). Only the tests lower it,
through ``use_parameters``: at the default each hash takes about 0.2 s of processor time,
and a test run makes several hundred of them.
"""

from __future__ import annotations

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def use_parameters(parameters: Parameters) -> None:
    """Hash and verify with other parameters from now on (the tests' cheaper ones). Hashes
    made before still verify, and count as needing a rehash, as after a real change."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("a password nobody has")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
