"""Editors' decisions (append-only, serialised per brief, idempotent) and their points."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.desk import bulk_reject, undo_decision
from api.errors import Conflict, Forbidden, NotFound
from api.followups import open_followups
from api.services.base import ACTIONS, ADOPT_LEVELS, INSTRUCT_LEVELS, Caller, ServiceBase
from review import clock
from review.brief import ADOPTION_LEVELS, CATEGORIES, INSTRUCTION_LEVELS
from storage.db import transaction, write_lock
from storage.queries import lock_brief
from storage.tables import AuditEntry, BriefRow, Decision


class Decisions(ServiceBase):
    """Editors' decisions (append-only, serialised per brief, idempotent) and their points."""

    def decide(self, caller: Caller, brief_id: str, action: str, *, level: str | None = None,
               compiled: bool = False, category: str | None = None, text: str = "",
               idempotency_key: str | None = None, handling_units: list[str] | None = None) -> dict:
        """Record an editor's decision (append-only) and update the brief's status. A 批示 opens
        a follow-up for each of `handling_units` (default: the brief's unit, api/followups.py).

        Decisions on one brief are serialised (row lock, or SQLite's write lock), so the status
        is always what the recorded history gives. A retry with the same `idempotency_key`
        returns the brief without recording the decision twice."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以作出采用决定", code="forbidden")
        if action not in ACTIONS:
            raise Conflict(f"决定类型应为 {'、'.join(ACTIONS)} 之一", code="invalid_action", status=422)
        if action == "adopt" and level not in ADOPT_LEVELS:
            raise Conflict(f"采用级别应为 {'、'.join(ADOPT_LEVELS)} 之一", code="invalid_level", status=422)
        if action == "instruction" and level not in INSTRUCT_LEVELS:
            raise Conflict(f"批示级别应为 {'、'.join(INSTRUCT_LEVELS)} 之一", code="invalid_level", status=422)
        if action == "recategorise" and category not in CATEGORIES:
            raise Conflict(f"类别应为 {'、'.join(CATEGORIES)} 之一", code="invalid_category", status=422)
        if action == "return" and not text.strip():
            raise Conflict("退回修改时请写明修改意见", code="comment_required", status=422)
        try:
            with transaction(self.sessions) as session:
                row = lock_brief(session, brief_id)
                if row is None:
                    raise NotFound("信息不存在", code="not_found")
                if not (idempotency_key and self._replayed(session, caller, brief_id, idempotency_key,
                                                           (action, level, compiled, category, text))):
                    decision = self._record(session, caller, row, action, level, compiled, category, text,
                                            idempotency_key)
                    if action == "instruction":
                        session.flush()
                        open_followups(session, brief=row, decision=decision, units=handling_units or [],
                                       config=self.config)
        except IntegrityError:
            # Two retries with one Idempotency-Key raced (PostgreSQL): the other one stored the decision.
            if not idempotency_key:
                raise
        return self.get_brief(caller, brief_id)

    @staticmethod
    def _record(session: Session, caller: Caller, row: BriefRow, action: str, level: str | None, compiled: bool,
                category: str | None, text: str, idempotency_key: str | None) -> Decision:
        """Append the decision and apply it to the (locked) brief row; the decision."""
        brief_id = row.id
        decision = Decision(brief_id=brief_id, editor_id=caller.id, action=action, level=level,
                            compiled=compiled, category=category, text=text, created_at=clock.now(),
                            idempotency_key=idempotency_key)
        session.add(decision)
        if action == "adopt":
            row.status = "adopted"
        elif action == "return":
            row.status = "returned"
        elif action == "reject" and row.status != "adopted":
            row.status = "rejected"
        elif action == "recategorise":
            row.category = category
        session.add(AuditEntry(user_id=caller.id, action=f"decide_{action}", target=brief_id,
                               detail={"level": level}, created_at=clock.now()))
        return decision

    @staticmethod
    def _replayed(session: Session, caller: Caller, brief_id: str, key: str, decision: tuple) -> bool:
        """True when this editor already recorded this decision under `key`; a different one is refused."""
        earlier = session.scalar(select(Decision).where(Decision.brief_id == brief_id, Decision.editor_id == caller.id,
                                                        Decision.idempotency_key == key))
        if earlier is None:
            return False
        if (earlier.action, earlier.level, earlier.compiled, earlier.category, earlier.text) != decision:
            raise Conflict("这个 Idempotency-Key 已用于另一项决定,请换一个", code="idempotency_mismatch")
        return True

    def undo(self, caller: Caller, brief_id: str, decision_id: int, *, idempotency_key: str | None = None) -> dict:
        """Take back a recent decision (撤销); see `api.desk.undo_decision`."""
        undo_decision(self, caller, brief_id, decision_id, idempotency_key=idempotency_key)
        return self.get_brief(caller, brief_id)

    def bulk_reject(self, caller: Caller, brief_ids: list[str], text: str = "") -> dict:
        """不采用 for several briefs at once, each reported decided or refused; see `api.desk.bulk_reject`."""
        return bulk_reject(self, caller, brief_ids, text)

    def adopt_cluster(self, caller: Caller, cluster_id: str, level: str, text: str = "") -> dict:
        """Adopt a cluster's merged piece (as edited: `text`) at `level`: every member is adopted as used
        only inside a compiled piece (仅在综合编辑稿中使用), so each unit gets the compiled-piece points.
        One transaction: all members or none."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以作出采用决定", code="forbidden")
        if level not in ADOPT_LEVELS:
            raise Conflict(f"采用级别应为 {'、'.join(ADOPT_LEVELS)} 之一", code="invalid_level", status=422)
        with transaction(self.sessions) as session:
            write_lock(session)
            rows = session.scalars(select(BriefRow).where(BriefRow.cluster_key == cluster_id)
                                   .order_by(BriefRow.submitted_at, BriefRow.id).with_for_update()).all()
            if len(rows) < 2:
                raise NotFound("没有这组同一事件的信息", code="cluster_not_found")
            for row in rows:
                self._record(session, caller, row, "adopt", level, True, None, text, None)
            ids = [row.id for row in rows]
            session.add(AuditEntry(user_id=caller.id, action="adopt_cluster", target=cluster_id,
                                   detail={"level": level, "members": ids}, created_at=clock.now()))
        return {"id": cluster_id, "level": level, "members": [self.get_brief(caller, i) for i in ids]}

    def outcomes(self, caller: Caller, brief_ids: list[str]) -> dict[str, dict]:
        """Per brief the caller may see: the highest adoption level (or None), the highest 批示
        level (or None) and the points earned, as the 通报 counts them."""
        order = {level: i for i, level in enumerate(ADOPTION_LEVELS)}
        found: dict[str, list[Decision]] = {brief_id: [] for brief_id in brief_ids}
        with self.sessions() as session:
            visible = select(BriefRow.id).where(BriefRow.id.in_(brief_ids))
            if caller.role == "officer":
                visible = visible.where(BriefRow.unit_id == caller.unit_id)
            ids = set(session.scalars(visible))
            for d in session.scalars(select(Decision).where(Decision.brief_id.in_(ids))):
                found[d.brief_id].append(d)
        out = {}
        for brief_id in brief_ids:
            if brief_id not in ids:
                continue
            ds = found[brief_id]
            adopted = [d.level for d in ds if d.action == "adopt"]
            instructed = [d.level for d in ds if d.action == "instruction"]
            out[brief_id] = {"level": max(adopted, key=order.get) if adopted else None,
                             "instruction": max(instructed, key=INSTRUCTION_LEVELS.index) if instructed else None,
                             "points": self.points(ds)["total"]}
        return out
