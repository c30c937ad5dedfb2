"""The project's one clock: "now" and "today" in the office's time zone, never the server's.

An office's day, month and 通报 period are its own: a brief sent at 00:30 in Shanghai
belongs to that Shanghai day whatever the server's zone (often UTC). Every module asks
this one for the time; a source test forbids `date.today()`, `datetime.now()` and
`utcnow()` anywhere else. The zone is read from `BRIEFS_TIMEZONE` (an IANA name,
default Asia/Shanghai) each time, so a test or a deployment can set it.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from review.config import ConfigError

ZONE_ENV = "BRIEFS_TIMEZONE"
DEFAULT_ZONE = "Asia/Shanghai"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"时区 {name!r} 无法识别,请在 {ZONE_ENV} 中填写 IANA 时区名,如 Asia/Shanghai") from None


def office_zone() -> tzinfo:
    """The office's time zone: `BRIEFS_TIMEZONE`, default Asia/Shanghai."""
    return _zone(os.environ.get(ZONE_ENV) or DEFAULT_ZONE)


def now() -> datetime:
    """The current time, aware, in the office's zone."""
    return datetime.now(office_zone())


def today() -> date:
    """The office's current date (not the server's)."""
    return now().date()


def localize(value: datetime) -> datetime:
    """`value` in the office's zone: a naive time is taken as office time, an aware one converted.

    SQLite gives back naive datetimes (stored as office wall time), PostgreSQL aware ones in
    its session zone: both come out the same here.
    """
    zone = office_zone()
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


# Dates a brief, a query or a deadline can carry: wide enough for any archive and any plan,
# narrow enough that a day after, an office-time conversion or a database never overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def in_range(moment: date) -> bool:
    """True for a date or time within FIRST_YEAR–LAST_YEAR (read in office time when aware)."""
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        if not FIRST_YEAR < moment.year < LAST_YEAR:  # a year's margin each side before converting
            return False
        moment = moment.astimezone(office_zone())
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def day_start(day: date) -> datetime:
    """Midnight at the start of `day`, office time."""
    return datetime.combine(day, time.min, tzinfo=office_zone())


def day_after(day: date) -> datetime:
    """Midnight at the end of `day` (the start of the next), office time: a period's exclusive end."""
    return day_start(day + timedelta(days=1))


def from_timestamp(seconds: float) -> datetime:
    """A POSIX timestamp (a file's mtime, a stored float) as an aware office time."""
    return datetime.fromtimestamp(seconds, office_zone())
