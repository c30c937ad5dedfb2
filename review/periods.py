"""The 通报's periods in words, and which of its months count: "YYYY-MM" strings throughout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta


def ended_months(months: Sequence[str], today: date) -> list[str]:
    """The `months` that are over by `today`: the current month counts only once it has ended."""
    current = f"{today:%Y-%m}"
    return [m for m in months if m < current]


def month_ranges(months: Sequence[str]) -> str:
    """Months, sorted, written compactly: "2026年1—3月、5月", a year named when it changes."""
    runs: list[list[tuple[int, int]]] = []
    for text in sorted(months):
        year, month = int(text[:4]), int(text[5:7])
        last = runs[-1][-1] if runs else None
        if last and (year, month) == ((last[0], last[1] + 1) if last[1] < 12 else (last[0] + 1, 1)):
            runs[-1].append((year, month))
        else:
            runs.append([(year, month)])
    parts, shown_year = [], None
    for run in runs:
        (y0, m0), (y1, m1) = run[0], run[-1]
        start = f"{m0}月" if y0 == shown_year else f"{y0}年{m0}月"
        if len(run) == 1:
            parts.append(start)
        elif y0 == y1:
            parts.append(f"{start[:-1]}—{m1}月")
        else:
            parts.append(f"{start}—{y1}年{m1}月")
        shown_year = y1
    return "、".join(parts)


def period_words(start: date, end: date) -> str:
    """The period `start`..`end` (both included) as a 通报 names it: "2026年11月" for a whole
    month, "2026年" for a whole year, "2026年第一季度" for a quarter, else "2026年11月1日至15日"."""
    whole_months = start.day == 1 and (end + timedelta(days=1)).day == 1
    if whole_months and start.year == end.year:
        if (start.month, end.month) == (1, 12):
            return f"{start.year}年"
        if start.month == end.month:
            return f"{start.year}年{start.month}月"
        if start.month % 3 == 1 and end.month == start.month + 2:
            return f"{start.year}年第{'一二三四'[start.month // 3]}季度"
        return f"{start.year}年{start.month}—{end.month}月"
    if start.year != end.year:
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    if start.month != end.month:
        return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    if start.day == end.day:
        return f"{start.year}年{start.month}月{start.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{end.day}日"


def chinese_date(day: date) -> str:
    """A date as a document is dated: "2026年12月3日"."""
    return f"{day.year}年{day.month}月{day.day}日"
