"""续报 chains of urgent incidents: 初报 → 续报 → 终报 from one unit, shown in time order.

An urgent brief starts a chain (its 初报). A later brief of the same unit about the same
incident is suggested to join it: a chain of that unit, not closed by a 终报, whose latest
report is within `chains.window_days`, and whose reports the new brief is alike (cosine of
the model's vectors at least `chains.threshold`). The officer confirms it as 续报 or 终报
(or an editor does); nothing joins a chain by itself. An open chain whose latest report is
older than `chains.update_hours` is overdue: the editors' list of chains flags it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from api.errors import Conflict, Forbidden, NotFound
from review import clock
from review.brief import Brief
from review.config import ReviewConfig
from storage.tables import CURRENT_VERSION, AuditEntry, BriefRow, BriefVersion, Unit

STAGE_NAMES_ZH = {"initial": "初报", "update": "续报", "final": "终报"}


def _members(session, *conditions):
    query = (select(BriefRow.id, BriefRow.chain_key, BriefRow.chain_stage, BriefRow.unit_id, Unit.name,
                    BriefVersion.title, BriefVersion.body, BriefRow.submitted_at, BriefRow.status)
             .join(Unit, Unit.id == BriefRow.unit_id)
             .join(BriefVersion, CURRENT_VERSION)
             .where(BriefRow.chain_key.is_not(None), *conditions)
             .order_by(BriefRow.submitted_at, BriefRow.id))
    return session.execute(query).all()


def chain_view(session, chain_id: str, config: ReviewConfig, now: datetime | None = None) -> dict | None:
    """A chain in time order: its reports (stage, title, time, status), open or closed, overdue or not."""
    rows = _members(session, BriefRow.chain_key == chain_id)
    if not rows:
        return None
    return _view(chain_id, rows, config, now or clock.now())


def _view(chain_id: str, rows, config: ReviewConfig, now: datetime) -> dict:
    hours = float(config.section("chains")["update_hours"])
    last = clock.localize(rows[-1].submitted_at)
    closed = any(r.chain_stage == "final" for r in rows)
    return {"id": chain_id, "unit": rows[0].name, "title": rows[0].title,
            "reports": [{"id": r.id, "stage": r.chain_stage, "stage_zh": STAGE_NAMES_ZH.get(r.chain_stage, ""),
                         "title": r.title, "status": r.status,
                         "submitted_at": clock.localize(r.submitted_at).isoformat()} for r in rows],
            "closed": closed, "last_at": last.isoformat(),
            "update_due": (last + timedelta(hours=hours)).isoformat(),
            "overdue": not closed and now > last + timedelta(hours=hours)}


def chains(session, config: ReviewConfig, *, unit_id: int | None = None, overdue: bool | None = None,
           now: datetime | None = None) -> list[dict]:
    """Chains with more than the 初报 or still open, newest activity first; `overdue` filters."""
    now = now or clock.now()
    conditions = [] if unit_id is None else [BriefRow.unit_id == unit_id]
    grouped: dict[str, list] = {}
    for row in _members(session, *conditions):
        grouped.setdefault(row.chain_key, []).append(row)
    out = [_view(key, rows, config, now) for key, rows in grouped.items()]
    if overdue is not None:
        out = [c for c in out if c["overdue"] == overdue]
    return sorted(out, key=lambda c: c["last_at"], reverse=True)


def _heads_a_chain(session, row: BriefRow) -> bool:
    """Whether `row` is the 初报 of a chain that already has later reports."""
    return row.chain_key == row.id and session.scalar(
        select(func.count()).select_from(BriefRow).where(BriefRow.chain_key == row.id)) > 1


def suggestion(session, row: BriefRow, version: BriefVersion, *, model, config: ReviewConfig) -> dict | None:
    """The open chain of the brief's unit this brief most likely continues, or None."""
    if getattr(model, "embed", None) is None:
        return None
    if row.chain_key is not None and row.chain_key != row.id:
        return None  # already in another chain
    if _heads_a_chain(session, row):
        return None  # it is the 初报 of a chain that has grown
    cfg = config.section("chains")
    since = row.submitted_at - timedelta(days=float(cfg["window_days"]))
    rows = [r for r in _members(session, BriefRow.unit_id == row.unit_id, BriefRow.submitted_at < row.submitted_at,
                                BriefRow.id != row.id)]
    grouped: dict[str, list] = {}
    for r in rows:
        grouped.setdefault(r.chain_key, []).append(r)
    open_chains = {k: rs for k, rs in grouped.items()
                   if not any(r.chain_stage == "final" for r in rs) and rs[-1].submitted_at >= since}
    if not open_chains:
        return None
    members = [r for rs in open_chains.values() for r in rs]
    briefs = [Brief(id=r.id, unit=r.name, title=r.title, body=r.body, submitted_at=clock.localize(r.submitted_at))
              for r in members]
    this = Brief(id=row.id, unit="", title=version.title, body=version.body, submitted_at=clock.localize(row.submitted_at))
    vectors = model.embed(briefs + [this])
    sims = (vectors[:len(briefs)] @ vectors[len(briefs)].T).toarray().ravel()
    best: dict[str, float] = {}
    for r, sim in zip(members, sims):
        best[r.chain_key] = max(best.get(r.chain_key, 0.0), float(sim))
    key = max(best, key=best.get)
    if best[key] < float(cfg["threshold"]):
        return None
    first = open_chains[key][0]
    return {"chain_id": key, "title": first.title, "reports": len(open_chains[key]),
            "similarity": round(best[key], 3)}


def join_chain(session, *, row: BriefRow, chain_id: str, stage: str, user_id: int, role: str,
               unit_id: int | None) -> None:
    """The officer's (or an editor's) confirmation: `row` is a 续报 or 终报 of chain `chain_id`."""
    if role == "officer" and row.unit_id != unit_id:
        raise NotFound("信息不存在", code="not_found")
    if role not in ("officer", "editor", "admin"):
        raise Forbidden("无权修改续报关系", code="forbidden")
    if stage not in ("update", "final"):
        raise Conflict("阶段应为 update(续报)或 final(终报)", code="invalid_stage", status=422)
    first = session.get(BriefRow, chain_id)
    if first is None or first.chain_key != chain_id or first.unit_id != row.unit_id or chain_id == row.id:
        raise NotFound("没有这条本单位的初报", code="chain_not_found")
    if first.submitted_at >= row.submitted_at:
        raise Conflict("续报应晚于初报", code="chain_order", status=422)
    if _heads_a_chain(session, row):
        raise Conflict("这条信息本身是一组续报的初报,不能再并入其他初报", code="chain_conflict")
    row.chain_key, row.chain_stage = chain_id, stage
    session.add(AuditEntry(user_id=user_id, action="chain_join", target=row.id,
                           detail={"chain": chain_id, "stage": stage}, created_at=clock.now()))
