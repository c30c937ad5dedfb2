"""Failed logins are counted per account and per client address; past a limit, logins wait.

A sliding window (15 minutes by default): 5 failures for one username, or 20 from one
address, close logins for that username or address until the oldest failure leaves the
window. A success clears the account's count. The counts live in this process (a
service run with several workers counts per worker; the README says so).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from api.errors import ServiceError


class TooManyAttempts(ServiceError):
    code, status = "too_many_attempts", 429


class LoginThrottle:
    """Per-account and per-address failure windows."""

    def __init__(self, per_account: int = 5, per_address: int = 20, window_seconds: float = 900.0,
                 clock=time.monotonic) -> None:
        self.per_account, self.per_address, self.window = per_account, per_address, window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, username: str, address: str | None) -> None:
        """Raise `TooManyAttempts` (429, with the wait in minutes) when either window is full."""
        now = self._clock()
        with self._lock:
            for key, limit in self._keys(username, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    minutes = max(1, round((times[0] + self.window - now) / 60))
                    raise TooManyAttempts(f"登录失败次数过多,请 {minutes} 分钟后再试", code="too_many_attempts")

    def failed(self, username: str, address: str | None) -> None:
        now = self._clock()
        with self._lock:
            for key, _limit in self._keys(username, address):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username), None)

    def _keys(self, username: str, address: str | None):
        yield ("user", username), self.per_account
        if address:
            yield ("addr", address), self.per_address

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(self._failures) > 100_000:  # bounded memory under a spray of usernames
            for stale in [k for k, v in self._failures.items() if not v and k != key]:
                del self._failures[stale]
        return times
