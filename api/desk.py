"""The editor's desk: taking a decision back (撤销), bulk 不采用, and searching briefs.

Called by `ReviewService` (which owns the database and the configuration); every write
takes the brief's row lock (storage.queries.lock_brief) like a decision does, so a brief's
status stays what its recorded history gives (review.history.replay_status).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from api.errors import Conflict, Forbidden, NotFound, ServiceError
from review import clock
from review.history import effective_decisions, replay_status
from storage.db import transaction
from storage.queries import lock_brief
from storage.tables import AuditEntry, BriefRow, BriefVersion, Decision, ReviewRow, Unit, User

OPEN_STATUSES = ("submitted", "resubmitted")
MAX_TERMS = 5


def _require_editor(caller, what: str) -> None:
    if caller.role not in ("editor", "admin"):
        raise Forbidden(f"只有编辑可以{what}", code="forbidden")


# --- undo ------------------------------------------------------------------------------------


def undo_decision(service, caller, brief_id: str, decision_id: int, *, idempotency_key: str | None = None) -> None:
    """Take back a decision: append an "undo" naming it and restore the status it replaced.

    Only the editor who made it, within `desk.undo_minutes`, while it is the brief's latest
    standing decision and the brief has not been resubmitted since. A retry with the same
    `idempotency_key` changes nothing."""
    _require_editor(caller, "撤销决定")
    minutes = float(service.config.section("desk")["undo_minutes"])
    try:
        with transaction(service.sessions) as session:
            row = lock_brief(session, brief_id)
            if row is None or (caller.role == "officer" and row.unit_id != caller.unit_id):
                raise NotFound("信息不存在", code="not_found")
            decisions = session.scalars(select(Decision).where(Decision.brief_id == brief_id)
                                        .order_by(Decision.id)).all()
            if idempotency_key and _undo_replayed(decisions, caller, decision_id, idempotency_key):
                return
            _apply_undo(session, caller, row, decisions, decision_id, minutes, idempotency_key)
    except IntegrityError:
        # Two undos of one decision raced (PostgreSQL): the other one was recorded.
        if not idempotency_key:
            raise Conflict("这项决定刚刚已被撤销", code="already_undone") from None


def _undo_replayed(decisions, caller, decision_id: int, key: str) -> bool:
    earlier = next((d for d in decisions if d.editor_id == caller.id and d.idempotency_key == key), None)
    if earlier is None:
        return False
    if earlier.action != "undo" or earlier.undoes_id != decision_id:
        raise Conflict("这个 Idempotency-Key 已用于另一项操作,请换一个", code="idempotency_mismatch")
    return True


def _apply_undo(session, caller, row: BriefRow, decisions, decision_id: int, minutes: float,
                idempotency_key: str | None) -> None:
    target = next((d for d in decisions if d.id == decision_id and d.action != "undo"), None)
    if target is None:
        raise NotFound("这条信息没有这项决定", code="decision_not_found")
    if any(d.action == "undo" and d.undoes_id == decision_id for d in decisions):
        raise Conflict("这项决定已经撤销过了", code="already_undone")
    standing = effective_decisions(decisions)
    if standing[-1] is not target:
        raise Conflict("只能撤销这条信息最近的一项决定,之后已有新的决定", code="not_latest_decision")
    if target.editor_id != caller.id:
        raise Conflict("只能撤销自己作出的决定", code="not_own_decision")
    now = clock.now()
    decided_at = clock.localize(target.created_at)
    if now - decided_at > timedelta(minutes=minutes):
        raise Conflict(f"决定作出已超过 {minutes:g} 分钟,不能再撤销", code="undo_expired")
    version = session.scalar(select(BriefVersion).where(BriefVersion.brief_id == row.id,
                                                        BriefVersion.version == row.current_version))
    since = clock.localize(version.submitted_at)
    if since > decided_at:
        raise Conflict("信息已修改后重报,不能再撤销此前的决定", code="resubmitted_since")
    # The status is what the decisions on the current version give, without the undone one.
    current = [d for d in standing if d is not target and clock.localize(d.created_at) >= since]
    row.status = replay_status(current, base="resubmitted" if row.current_version > 1 else "submitted")
    if target.action == "recategorise":
        corrections = [d.category for d in current if d.action == "recategorise" and d.category]
        review = session.scalars(select(ReviewRow).where(ReviewRow.brief_id == row.id)
                                 .order_by(ReviewRow.id.desc())).first()
        row.category = corrections[-1] if corrections else (review.review or {}).get("category", row.category)
    session.add(Decision(brief_id=row.id, editor_id=caller.id, action="undo", undoes_id=target.id, created_at=now,
                         idempotency_key=idempotency_key))
    session.add(AuditEntry(user_id=caller.id, action="undo_decision", target=row.id,
                           detail={"decision_id": target.id, "action": target.action, "level": target.level},
                           created_at=now))


# --- bulk 不采用 --------------------------------------------------------------------------------


def bulk_reject(service, caller, brief_ids: list[str], text: str) -> dict:
    """不采用 for each brief, each in its own transaction with its own decision and audit entry.

    A brief that is not open any more (decided by someone else meanwhile) or not found is
    reported in `refused` with a code and a Chinese message, never skipped silently."""
    _require_editor(caller, "批量处理")
    ids = list(dict.fromkeys(i.strip() for i in brief_ids if i.strip()))
    limit = int(service.config.section("desk")["bulk_max"])
    if not ids:
        raise Conflict("请至少勾选一条信息", code="nothing_selected", status=422)
    if len(ids) > limit:
        raise Conflict(f"一次最多批量处理 {limit} 条信息", code="too_many", status=422)
    decided, refused = [], []
    for brief_id in ids:
        try:
            with transaction(service.sessions) as session:
                row = lock_brief(session, brief_id)
                if row is None:
                    raise NotFound("信息不存在", code="not_found")
                if row.status not in OPEN_STATUSES:
                    raise Conflict(_decided_message(session, row), code="already_decided")
                service._record(session, caller, row, "reject", None, False, None, text, None)
                title = _title(session, row)
            decided.append({"id": brief_id, "title": title})
        except ServiceError as exc:
            refused.append({"id": brief_id, "code": exc.code, "message": exc.message})
    return {"decided": decided, "refused": refused}


def _title(session, row: BriefRow) -> str:
    return session.scalar(select(BriefVersion.title).where(BriefVersion.brief_id == row.id,
                                                           BriefVersion.version == row.current_version)) or ""


def _decided_message(session, row: BriefRow) -> str:
    """Who decided the brief already, in words."""
    names = {"adopted": "已采用", "rejected": "已不采用", "returned": "已退回修改"}
    decisions = effective_decisions(session.scalars(select(Decision).where(Decision.brief_id == row.id)
                                                    .order_by(Decision.id)).all())
    last = next((d for d in reversed(decisions) if d.action in ("adopt", "return", "reject")), None)
    who = session.get(User, last.editor_id).username if last is not None and last.editor_id else None
    title = _title(session, row)[:20]
    by = f",由 {who} 于 {clock.localize(last.created_at):%m-%d %H:%M} 处理" if who else ""
    return f"“{title}”{names.get(row.status, '已处理')}{by},未再处理"


# --- search ----------------------------------------------------------------------------------


def keywords(q: str | None) -> list[str]:
    """The search words of a query: split at spaces, at most five."""
    return [w for w in (q or "").split() if w][:MAX_TERMS]


def _like(word: str) -> str:
    """A LIKE pattern matching `word` literally anywhere (%, _ and the escape itself escaped)."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_conditions(*, q: str | None = None, unit: str | None = None, category: str | None = None,
                      flag: str | None = None, since: datetime | None = None, until: datetime | None = None) -> list:
    """Conditions on briefs for a search: every word in the current title or body, the unit,
    category, a flag, and submitted in [since, until)."""
    conditions = []
    for word in keywords(q):
        pattern = _like(word)
        # An alias, so the subquery correlates with the brief only, also when the outer query
        # joins the current version itself.
        version = aliased(BriefVersion)
        conditions.append(exists().where(version.brief_id == BriefRow.id, version.version == BriefRow.current_version,
                                         or_(version.title.ilike(pattern, escape="\\"),
                                             version.body.ilike(pattern, escape="\\"))))
    if unit:
        conditions.append(BriefRow.unit.has(Unit.name == unit))
    if category:
        conditions.append(BriefRow.category == category)
    if flag:
        conditions.append(BriefRow.flag_codes.contains(f",{flag},", autoescape=True))
    if since is not None:
        conditions.append(BriefRow.submitted_at >= since)
    if until is not None:
        conditions.append(BriefRow.submitted_at < until)
    return conditions


def snippet(body: str, words: list[str], *, width: int = 80) -> str:
    """The part of `body` around the first word found (or its start), about `width` characters."""
    lowered = body.lower()
    found = [i for i in (lowered.find(w.lower()) for w in words) if i >= 0]
    start = max(0, min(found) - width // 4) if found else 0
    text = body[start:start + width]
    return ("…" if start else "") + text + ("…" if start + width < len(body) else "")


def undoable_decision(brief: dict, caller, minutes: float) -> int | None:
    """The id of the decision on `brief` (a `get_brief` dict) the caller may still take back, if any:
    the latest standing one, their own, within `minutes`, made on the current version."""
    undone = {d["undoes_id"] for d in brief["decisions"] if d["action"] == "undo"}
    standing = [d for d in brief["decisions"] if d["action"] != "undo" and d["id"] not in undone]
    if not standing or caller.role not in ("editor", "admin"):
        return None
    last = standing[-1]
    decided_at = datetime.fromisoformat(last["created_at"])
    current = datetime.fromisoformat(brief["versions"][-1]["submitted_at"])
    if last["editor_id"] != caller.id or clock.now() - decided_at > timedelta(minutes=minutes) or current > decided_at:
        return None
    return last["id"]
