"""The dicts routes return for brief rows and decisions, and the periods of the 通报."""

from __future__ import annotations

from datetime import datetime, timedelta

from review import clock
from storage.tables import BriefRow, BriefVersion, Decision


def calendar_months(start: datetime, end: datetime) -> list[str]:
    """The calendar months touched by [start, end), as YYYY-MM."""
    out, year, month = [], start.year, start.month
    while (year, month) <= ((end - timedelta(microseconds=1)).year, (end - timedelta(microseconds=1)).month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def flag_codes(review) -> str:
    return "," + "".join(f"{code}," for code in dict.fromkeys(review.flag_codes))


def decision_dict(d: Decision, undone: set[int] = frozenset()) -> dict:
    return {"id": d.id, "action": d.action, "level": d.level, "compiled": d.compiled, "category": d.category,
            "text": d.text, "editor_id": d.editor_id, "created_at": clock.localize(d.created_at).isoformat(),
            "undoes_id": d.undoes_id, "undone": d.id in undone}


def summary(row: BriefRow, version: BriefVersion) -> dict:
    return {"id": row.id, "unit": row.unit.name, "status": row.status, "title": version.title,
            "category": row.category, "urgent": row.urgent, "priority": round(row.priority, 4),
            "submitted_at": clock.localize(row.submitted_at).isoformat()}

