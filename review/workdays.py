"""Working days in mainland China: weekends, public holidays and the make-up workdays (调休).

The State Council publishes each year's holiday arrangement in the autumn before; the
`chinesecalendar` package carries them (from 2004 to its release's last year). A year it
does not cover yet is counted by weekends alone, plus the dates an office adds itself
(`followup.extra_holidays`, `followup.extra_workdays`), and the result says it was not
covered so that a page can say so.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

import chinese_calendar


def is_workday(day: date, *, holidays: frozenset[date] = frozenset(), workdays: frozenset[date] = frozenset()) \
        -> tuple[bool, bool]:
    """(whether `day` is a working day, whether the holiday calendar covers it)."""
    if day in holidays:
        return False, True
    if day in workdays:
        return True, True
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:  # a year the package has no arrangement for yet
        return day.weekday() < 5, False


def add_workdays(start: date, count: int, *, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) \
        -> tuple[date, bool]:
    """The `count`-th working day after `start` (not counting `start`), and whether every day on
    the way was covered by the holiday calendar."""
    off, on = frozenset(holidays), frozenset(workdays)
    day, left, covered = start, count, True
    while left > 0:
        day += timedelta(days=1)
        working, known = is_workday(day, holidays=off, workdays=on)
        covered = covered and known
        left -= working
    return day, covered
