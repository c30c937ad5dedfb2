"""Password hashing (argon2id) and signed, expiring access tokens (HS256 JWT)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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


# Verified against when a username does not exist, so a failed login takes the same time
# whether or not the account is there.
_ABSENT = _hasher.hash(secrets.token_urlsafe(16))


def verify_absent(password: str) -> bool:
    """The work of a password check, for a user who does not exist; always False."""
    verify_password(_ABSENT, password)
    return False


@dataclass(frozen=True)
class Token:
    """What a valid token says: whose it is, its id (for logging out), when it ends and began."""

    user_id: int
    jti: str
    expires: datetime
    issued: datetime | None = None


def make_token(user_id: int, role: str, key: str, minutes: int) -> str:
    """An access token naming the user and role, valid for `minutes`, with its own id."""
    now = clock.now()
    return jwt.encode({"sub": str(user_id), "role": role, "iat": now, "exp": now + timedelta(minutes=minutes),
                       "jti": secrets.token_hex(16)}, key, algorithm="HS256")


def read_token(token: str, key: str) -> Token | None:
    """The claims of a valid, unexpired token; None otherwise."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"require": ["sub", "exp", "jti"]})
        issued = datetime.fromtimestamp(claims["iat"], UTC) if "iat" in claims else None
        return Token(int(claims["sub"]), str(claims["jti"]), datetime.fromtimestamp(claims["exp"], UTC), issued)
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return None
