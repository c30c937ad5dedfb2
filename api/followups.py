"""批示 follow-up (督办): a leader's 批示 on a brief opens a follow-up for each handling unit.

Recording a 批示 (a decision `instruction`) opens one follow-up per handling unit (the brief's
unit unless the editor names others) with the leader's words and a deadline for the unit's
落实反馈: the end of the `followup.working_days`-th working day after the 批示 (Chinese
holidays and make-up workdays respected, review/workdays.py). The handling unit's officer
enters the feedback; until then it is 待反馈, then 逾期 once the deadline has passed; a
feedback is 已反馈 or, after the deadline, 逾期反馈. A 批示 taken back (撤销) takes its
follow-ups with it. The 通报 counts each unit's feedback on time and late, and deducts
`followup.late_points` for each late or missing one whose deadline fell in the period.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from api.errors import Conflict, Forbidden, NotFound
from review import clock
from review.config import ReviewConfig
from review.workdays import add_workdays
from storage.tables import CURRENT_VERSION, AuditEntry, BriefRow, BriefVersion, Decision, Followup, Unit

STATUS_NAMES_ZH = {"waiting": "待反馈", "overdue": "逾期", "answered": "已反馈", "answered_late": "逾期反馈"}


def _days(values) -> list[date]:
    return [v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values]


def deadline(config: ReviewConfig, when: datetime) -> tuple[datetime, bool]:
    """The feedback deadline of a 批示 recorded at `when` (the last instant of the office's day),
    and whether the holiday calendar covered every day counted."""
    cfg = config.section("followup")
    day, covered = add_workdays(clock.localize(when).date(), int(cfg["working_days"]),
                                holidays=_days(cfg["extra_holidays"]), workdays=_days(cfg["extra_workdays"]))
    return clock.day_after(day) - timedelta(microseconds=1), covered


def open_followups(session, *, brief: BriefRow, decision: Decision, units: list[str], config: ReviewConfig) -> list[int]:
    """One follow-up per handling unit (names; none: the brief's unit) for a 批示 just recorded."""
    ids = []
    if units:
        found = {u.name: u.id for u in session.scalars(select(Unit).where(Unit.name.in_(units)))}
        missing = [u for u in units if u not in found]
        if missing:
            raise Conflict(f"承办单位“{missing[0][:40]}”不在单位名单中", code="unknown_unit", status=422)
        ids = list(dict.fromkeys(found[u] for u in units))
    due, covered = deadline(config, decision.created_at)
    out = []
    for unit_id in ids or [brief.unit_id]:
        followup = Followup(brief_id=brief.id, decision_id=decision.id, unit_id=unit_id, instruction=decision.text or "",
                            due_at=due, calendar_covered=covered, created_at=decision.created_at)
        session.add(followup)
        session.flush()
        out.append(followup.id)
    return out


def status(f: Followup, now: datetime) -> str:
    if f.feedback_at is not None:
        return "answered" if clock.localize(f.feedback_at) <= clock.localize(f.due_at) else "answered_late"
    return "overdue" if now > clock.localize(f.due_at) else "waiting"


def _undone(session, decision_ids) -> set[int]:
    """The decisions among `decision_ids` taken back by an undo."""
    ids = list(set(decision_ids))
    if not ids:
        return set()
    return set(session.scalars(select(Decision.undoes_id).where(Decision.undoes_id.in_(ids))))


def followups(session, *, unit_id: int | None = None, brief_id: str | None = None, state: str | None = None,
              now: datetime | None = None) -> list[dict]:
    """The standing follow-ups (their 批示 not taken back), soonest deadline first, as dicts."""
    now = now or clock.now()
    query = (select(Followup, Unit.name, BriefVersion.title, Decision.level)
             .join(Unit, Unit.id == Followup.unit_id)
             .join(BriefRow, BriefRow.id == Followup.brief_id)
             .join(BriefVersion, CURRENT_VERSION)
             .join(Decision, Decision.id == Followup.decision_id)
             .order_by(Followup.due_at, Followup.id))
    if unit_id is not None:
        query = query.where(Followup.unit_id == unit_id)
    if brief_id is not None:
        query = query.where(Followup.brief_id == brief_id)
    rows = session.execute(query).all()
    undone = _undone(session, [f.decision_id for f, *_ in rows])
    out = []
    for f, unit, title, level in rows:
        if f.decision_id in undone:
            continue
        st = status(f, now)
        if state is not None and st != state:
            continue
        out.append({"id": f.id, "brief_id": f.brief_id, "brief_title": title, "unit": unit, "level": level,
                    "instruction": f.instruction, "due_at": clock.localize(f.due_at).isoformat(),
                    "calendar_covered": f.calendar_covered, "status": st, "status_zh": STATUS_NAMES_ZH[st],
                    "feedback": f.feedback,
                    "feedback_at": clock.localize(f.feedback_at).isoformat() if f.feedback_at else None,
                    "created_at": clock.localize(f.created_at).isoformat()})
    return out


def record_feedback(session, *, followup_id: int, user_id: int, role: str, unit_id: int | None, text: str) -> None:
    """The handling unit's officer enters its 落实反馈 (once; an editor cannot answer for a unit)."""
    f = session.get(Followup, followup_id, with_for_update=True)
    if f is None or (role == "officer" and f.unit_id != unit_id) or f.decision_id in _undone(session, [f.decision_id]):
        raise NotFound("没有这项批示督办", code="followup_not_found")
    if role != "officer":
        raise Forbidden("落实反馈由承办单位的信息员填报", code="forbidden")
    if not text.strip():
        raise Conflict("请填写落实反馈的内容", code="missing_field", status=422)
    if f.feedback_at is not None:
        raise Conflict("这项批示已经反馈过了", code="already_answered")
    f.feedback, f.feedback_at, f.feedback_by = text.strip(), clock.now(), user_id
    session.add(AuditEntry(user_id=user_id, action="followup_feedback", target=f.brief_id,
                           detail={"followup": f.id}, created_at=clock.now()))


def feedback_counts(session, start: datetime, end: datetime, now: datetime | None = None) -> dict[int, dict]:
    """Per unit id, the follow-ups whose deadline fell in [start, end): answered on time, late,
    and still missing (deadline passed, no feedback)."""
    now = now or clock.now()
    rows = session.scalars(select(Followup).where(Followup.due_at >= start, Followup.due_at < end)).all()
    undone = _undone(session, [f.decision_id for f in rows])
    out: dict[int, dict] = {}
    for f in rows:
        if f.decision_id in undone:
            continue
        counts = out.setdefault(f.unit_id, {"on_time": 0, "late": 0, "missing": 0})
        st = status(f, now)
        if st == "answered":
            counts["on_time"] += 1
        elif st == "answered_late":
            counts["late"] += 1
        elif st == "overdue":
            counts["missing"] += 1
    return out
