"""Reading the audit log: filters by user, action and time, one page at a time, brief titles.

Every change made through the service writes an `AuditEntry` (who, what, on which object,
when); this module only reads them. Entries whose object is a brief carry the brief's
current title, so the administrator sees what was decided, not a bare id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review import clock
from storage.tables import CURRENT_VERSION, AuditEntry, BriefRow, BriefVersion, User

# Actions whose target is not a brief (users, models, jobs, topics, settings, sessions).
NOT_BRIEF_PREFIXES = ("login", "logout", "user_", "model_", "retrain", "topic_", "setting")
CLI = "-"  # the user filter's value for entries made from the command line (no user)


def _is_brief_action(action: str) -> bool:
    return not action.startswith(NOT_BRIEF_PREFIXES)


def read_audit(session: Session, *, user: str | None = None, action: str | None = None,
               since: datetime | None = None, until: datetime | None = None,
               limit: int = 50, offset: int = 0) -> dict:
    """One page of the audit log, newest first, and how many entries match in all.

    `user` is a username (or `CLI` for the command line), `action` a stored action code,
    `since`/`until` a half-open time range. Items carry `target_title` for briefs.
    """
    conditions = []
    if user == CLI:
        conditions.append(AuditEntry.user_id.is_(None))
    elif user:
        conditions.append(AuditEntry.user_id.in_(select(User.id).where(User.username == user)))
    if action:
        conditions.append(AuditEntry.action == action)
    if since is not None:
        conditions.append(AuditEntry.created_at >= since)
    if until is not None:
        conditions.append(AuditEntry.created_at < until)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    rows = session.execute(select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
                           .where(*conditions).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    brief_ids = {e.target for e, _ in rows if e.target and _is_brief_action(e.action)}
    titles = {}
    if brief_ids:
        titles = dict(session.execute(
            select(BriefRow.id, BriefVersion.title).join(
                BriefVersion, CURRENT_VERSION)
            .where(BriefRow.id.in_(brief_ids))).all())
    items = []
    for e, name in rows:
        title = titles.get(e.target) if _is_brief_action(e.action) else (e.detail or {}).get("title")
        items.append({"id": e.id, "user": name, "action": e.action, "target": e.target,
                      "target_title": title, "is_brief": e.target in titles, "detail": e.detail,
                      "created_at": clock.localize(e.created_at).isoformat()})
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def audit_actions(session: Session) -> list[str]:
    """The action codes present in the log (for the filter's choices)."""
    return sorted(session.scalars(select(AuditEntry.action).distinct()))
