"""Failed logins are counted per account and per client address; past a limit, logins wait.

A sliding window (15 minutes by default): 5 failures for one username, or 20 from one
address, close logins for that username or address until the oldest failure leaves the
window. A success clears the account's count. The failures are rows of the database
(`login_failures`), so every worker process of the service counts the same ones; keys are
hashes of the username or address (bounded length, any character), and rows older than
the window are deleted as new failures come in, so the table stays small.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, select

from api.errors import ServiceError
from review import clock
from storage.db import transaction
from storage.tables import LoginFailure


class TooManyAttempts(ServiceError):
    code, status = "too_many_attempts", 429


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()[:40]}"


class LoginThrottle:
    """Per-account and per-address failure windows, over the service's database."""

    def __init__(self, sessions, per_account: int = 5, per_address: int = 20, window_seconds: float = 900.0) -> None:
        self.sessions = sessions
        self.per_account, self.per_address = per_account, per_address
        self.window = timedelta(seconds=window_seconds)

    def check(self, username: str, address: str | None) -> None:
        """Raise `TooManyAttempts` (429, with the wait in minutes) when either window is full."""
        now = clock.now()
        with self.sessions() as session:
            for key, limit in self._keys(username, address):
                count, oldest = session.execute(
                    select(func.count(), func.min(LoginFailure.at))
                    .where(LoginFailure.key == key, LoginFailure.at > now - self.window)).one()
                if count >= limit:
                    left = (clock.localize(oldest) + self.window - now).total_seconds()
                    minutes = max(1, round(left / 60))
                    raise TooManyAttempts(f"登录失败次数过多,请 {minutes} 分钟后再试", code="too_many_attempts")

    def failed(self, username: str, address: str | None) -> None:
        now = clock.now()
        with transaction(self.sessions) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
            for key, _limit in self._keys(username, address):
                session.add(LoginFailure(key=key, at=now))

    def succeeded(self, username: str) -> None:
        """A successful login (or an administrator's reset) clears the account's failures."""
        with transaction(self.sessions) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == _key("user", username)))

    def _keys(self, username: str, address: str | None):
        yield _key("user", username), self.per_account
        if address:
            yield _key("addr", address), self.per_address
