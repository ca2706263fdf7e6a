"""Password hashing (argon2id) and token generation."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.settings import get_settings


@cache
def _hasher() -> PasswordHasher:
    """argon2id with the settings' cost (argon2-cffi's defaults unless an operator tuned them for a small
    box). Verifying always uses the parameters stored in the hash; `needs_rehash` upgrades an old hash at
    the next successful login."""
    security = get_settings().security
    return PasswordHasher(
        time_cost=security.argon2_time_cost,
        memory_cost=security.argon2_memory_kib,
        parallelism=security.argon2_parallelism,
    )


@cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so a wrong username costs as much time as a wrong
    # password and the two cannot be told apart by timing.
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
