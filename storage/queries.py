"""Queries every part of the service shares: each brief with its current version, one page of
them, a brief row locked for a decision, and a row as the engine's plain `Brief`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from review import clock
from review.brief import Brief
from storage.db import write_lock
from storage.tables import CURRENT_VERSION, BriefRow, BriefVersion


def chunks(items: list, size: int):
    """`items` in consecutive lists of at most `size` (for IN lists a database accepts)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def latest_versions(session, *conditions) -> list[tuple[BriefRow, BriefVersion]]:
    """Each brief with its current version, filtered by `conditions`."""
    query = select(BriefRow, BriefVersion).join(
        BriefVersion, CURRENT_VERSION)
    query = query.options(joinedload(BriefRow.unit))  # one query, not one per unit when a brief's unit is read
    return [(row, version) for row, version in session.execute(query.where(*conditions))]


def page_of(session, conditions: list, order: tuple, limit: int, offset: int):
    """The total matching `conditions` and one page of (brief, current version), in `order`."""
    total = session.scalar(select(func.count()).select_from(BriefRow).where(*conditions))
    query = (select(BriefRow, BriefVersion)
             .join(BriefVersion, CURRENT_VERSION)
             .options(joinedload(BriefRow.unit)).where(*conditions).order_by(*order).limit(limit).offset(offset))
    return total, [(row, version) for row, version in session.execute(query)]


def as_brief(row: BriefRow, version: BriefVersion) -> Brief:
    return Brief(id=row.id, unit=row.unit.name, title=version.title, body=version.body,
                 submitted_at=clock.localize(version.submitted_at))


def lock_brief(session, brief_id: str) -> BriefRow | None:
    """The brief row, locked until the transaction ends (a row lock on PostgreSQL, SQLite's write
    lock) and read afresh from the database, so a decision sees the last committed status."""
    write_lock(session)
    return session.get(BriefRow, brief_id, with_for_update=True, populate_existing=True)
