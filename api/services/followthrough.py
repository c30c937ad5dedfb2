"""What follows a submission: the unit head's 审签, 续报 chains and 批示 follow-ups."""

from __future__ import annotations

from api.chains import chain_view, chains, join_chain
from api.errors import NotFound
from api.followups import followups, record_feedback
from api.services.base import Caller, ServiceBase
from api.services.rows import summary
from api.signoff import PENDING, sign
from storage.db import transaction, write_lock
from storage.queries import latest_versions, lock_brief
from storage.tables import BriefRow, User


class FollowThrough(ServiceBase):
    """What follows a submission: the unit head's 审签, 续报 chains and 批示 follow-ups."""

    def sign_off(self, caller: Caller, brief_id: str, action: str, text: str = "") -> dict:
        """A unit head's 审签 of a pending brief of the unit: approve (to the editors) or return."""
        with transaction(self.sessions) as session:
            row = self._visible(caller, lock_brief(session, brief_id))
            sign(session, row=row, user=session.get(User, caller.id), action=action, text=text)
        return self.get_brief(caller, brief_id)

    def pending_signoff(self, caller: Caller) -> list[dict]:
        """The unit's briefs waiting for the unit head's 审签 (unit heads; others: none)."""
        if caller.role != "officer" or not caller.unit_head:
            return []
        with self.sessions() as session:
            pairs = latest_versions(session, BriefRow.unit_id == caller.unit_id, BriefRow.status == PENDING)
            return [summary(row, version) for row, version in sorted(pairs, key=lambda p: p[0].submitted_at)]

    def confirm_chain(self, caller: Caller, brief_id: str, chain_id: str, stage: str) -> dict:
        """Confirm a brief as a 续报 (`update`) or 终报 (`final`) of its unit's chain `chain_id`."""
        with transaction(self.sessions) as session:
            row = self._visible(caller, lock_brief(session, brief_id))
            join_chain(session, row=row, chain_id=chain_id, stage=stage, user_id=caller.id, role=caller.role,
                       unit_id=caller.unit_id)
        return self.get_brief(caller, brief_id)

    def list_chains(self, caller: Caller, *, overdue: bool | None = None) -> list[dict]:
        """续报 chains: an officer's unit's, or all of them for editors; `overdue` filters."""
        with self.sessions() as session:
            return chains(session, self.config, unit_id=caller.unit_id if caller.role == "officer" else None,
                          overdue=overdue)

    def chain(self, caller: Caller, chain_id: str) -> dict:
        """One chain in time order (an officer: only their unit's)."""
        with self.sessions() as session:
            first = self._visible(caller, session.get(BriefRow, chain_id))
            view = chain_view(session, chain_id, self.config) if first.chain_key == chain_id else None
        if view is None:
            raise NotFound("没有这组续报", code="chain_not_found")
        return view

    def list_followups(self, caller: Caller, *, state: str | None = None) -> list[dict]:
        """批示 follow-ups: an officer's unit's (what it owes), or all of them for editors."""
        if caller.role == "officer" and caller.unit_id is None:
            return []
        with self.sessions() as session:
            return followups(session, unit_id=caller.unit_id if caller.role == "officer" else None, state=state)

    def give_feedback(self, caller: Caller, followup_id: int, text: str) -> dict:
        """The handling unit's 落实反馈 on a 批示 follow-up; the follow-up as listed."""
        with transaction(self.sessions) as session:
            write_lock(session)
            record_feedback(session, followup_id=followup_id, user_id=caller.id, role=caller.role,
                            unit_id=caller.unit_id, text=text)
        return next(f for f in self.list_followups(caller) if f["id"] == followup_id)
