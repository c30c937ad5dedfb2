"""Password hashing (argon2id) and signed, expiring access tokens (HS256 JWT)."""

from __future__ import annotations

from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from review import clock

_hasher = PasswordHasher()
ROLES = ("officer", "editor", "admin")


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted; parameters stored in the hash)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; never raises for a wrong password or a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def make_token(user_id: int, role: str, key: str, minutes: int) -> str:
    """An access token naming the user and role, valid for `minutes`."""
    now = clock.now()
    return jwt.encode({"sub": str(user_id), "role": role, "iat": now, "exp": now + timedelta(minutes=minutes)},
                      key, algorithm="HS256")


def read_token(token: str, key: str) -> int | None:
    """The user id in a valid, unexpired token; None otherwise."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["sub", "exp"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
