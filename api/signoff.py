"""Unit sign-off (审签): in a unit with a unit head, a brief reaches the editors once signed off.

Optional per unit: a unit has sign-off when one of its active officers is a unit head
(`users.unit_head`, set by an administrator). An officer's brief (and a revised version of a
returned one) then waits as 待单位审签; the unit head signs it off (it goes to the editors'
queue) or returns it with a comment (the officer revises it as after an editor's return).
A unit head's own briefs go straight to the editors. Every sign-off is recorded with who and
when, audited, and shown on the brief.
"""

from __future__ import annotations

from sqlalchemy import func, select

from api.errors import Conflict, Forbidden
from review import clock
from storage.tables import AuditEntry, BriefRow, Signoff, User

PENDING = "pending_signoff"
ACTION_NAMES_ZH = {"approve": "审签同意", "return": "审签退回"}


def needs_signoff(session, unit_id: int, submitter_id: int) -> bool:
    """Whether a brief of `unit_id` sent by `submitter_id` waits for its unit head."""
    submitter = session.get(User, submitter_id)
    if submitter is not None and submitter.unit_head:
        return False
    heads = session.scalar(select(func.count()).select_from(User).where(
        User.unit_id == unit_id, User.unit_head.is_(True), User.active.is_(True), User.role == "officer"))
    return bool(heads)


def sign(session, *, row: BriefRow, user: User, action: str, text: str) -> None:
    """A unit head's sign-off of the brief's current version (the row locked by the caller)."""
    if not (user.role == "officer" and user.unit_head and user.unit_id == row.unit_id):
        raise Forbidden("只有本单位负责人可以审签", code="forbidden")
    if action not in ACTION_NAMES_ZH:
        raise Conflict("审签应为 approve(同意)或 return(退回)", code="invalid_action", status=422)
    if row.status != PENDING:
        raise Conflict("这条信息不在待审签状态", code="not_pending")
    if action == "return" and not text.strip():
        raise Conflict("退回时请写明修改意见", code="comment_required", status=422)
    now = clock.now()
    session.add(Signoff(brief_id=row.id, version=row.current_version, user_id=user.id, action=action,
                        text=text.strip(), created_at=now))
    if action == "approve":
        row.status = "submitted" if row.current_version == 1 else "resubmitted"
    else:
        row.status = "returned"
    session.add(AuditEntry(user_id=user.id, action=f"signoff_{action}", target=row.id,
                           detail={"version": row.current_version}, created_at=now))


def signoffs_of(session, brief_id: str) -> list[dict]:
    """A brief's sign-offs, oldest first: version, who, action, comment, when."""
    query = (select(Signoff, User.username).join(User, User.id == Signoff.user_id)
             .where(Signoff.brief_id == brief_id).order_by(Signoff.id))
    return [{"version": s.version, "by": name, "action": s.action, "action_zh": ACTION_NAMES_ZH[s.action],
             "text": s.text, "created_at": clock.localize(s.created_at).isoformat()}
            for s, name in session.execute(query)]

