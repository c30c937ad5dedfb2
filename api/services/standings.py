"""The monthly 通报: points, ranks and rates per unit, and a unit's own standing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from api.errors import Conflict, Forbidden
from api.followups import feedback_counts
from api.services.base import ADOPT_LEVELS, Caller, ServiceBase
from api.services.rows import calendar_months
from review import clock
from review.brief import ADOPTION_LEVELS
from review.history import effective_decisions
from review.periods import ended_months
from review.proofread import CODES as PROOFREADING_CODES
from review.standings import competition_ranks
from storage.tables import BriefRow, Decision, Unit


class Standings(ServiceBase):
    """The monthly 通报: points, ranks and rates per unit, and a unit's own standing."""

    def unit_stats(self, caller: Caller, start: datetime, end: datetime) -> list[dict]:
        """The monthly 通报: per unit, submissions, adoptions by level and by month, rate, points,
        rank (equal points share a rank, `tied`), share of problem/trend items, the months
        without an adoption (months that have ended only), and the proofreading errors (briefs
        with any, `error_rate`, and briefs per code), for briefs submitted in [start, end)."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以查看统计", code="forbidden")
        return self._unit_stats(start, end)

    def _unit_stats(self, start: datetime, end: datetime) -> list[dict]:
        """`unit_stats` without the role check: the one computation of points and ranks."""
        if end <= start:
            raise Conflict("统计区间的结束时间应晚于开始时间", code="invalid_period", status=422)
        months = calendar_months(start, end)
        counted = ended_months(months, clock.today())  # a month still running is not yet "without adoption"
        with self.sessions() as session:
            rows = session.scalars(select(BriefRow).where(BriefRow.submitted_at >= start,
                                                          BriefRow.submitted_at < end)).all()
            decisions: dict[str, list[Decision]] = {}
            ids = [r.id for r in rows]
            for chunk in range(0, len(ids), 1000):
                for d in session.scalars(select(Decision).where(Decision.brief_id.in_(ids[chunk:chunk + 1000]))):
                    decisions.setdefault(d.brief_id, []).append(d)
            units = {u.id: u.name for u in session.scalars(select(Unit))}
            feedback = {units[unit_id]: counts for unit_id, counts in feedback_counts(session, start, end).items()}
        late_points = float(self.config.section("followup")["late_points"])
        order = {level: i for i, level in enumerate(ADOPTION_LEVELS)}
        stats: dict[str, dict] = {}
        for row in rows:
            name = units[row.unit_id]
            st = stats.setdefault(name, {"unit": name, "submitted": 0, "adopted": 0, "points": 0.0, "problem_trend": 0,
                                         **{f"adopted_{lv}": 0 for lv in ADOPT_LEVELS},
                                         "adopted_by_month": dict.fromkeys(months, 0),
                                         "with_errors": 0, "errors_by_code": dict.fromkeys(PROOFREADING_CODES, 0)})
            st["submitted"] += 1
            st["problem_trend"] += row.category in ("problem", "trend")
            # Proofreading errors of the brief as it stands (its latest version's review).
            found = [code for code in PROOFREADING_CODES if f",{code}," in (row.flag_codes or "")]
            st["with_errors"] += bool(found)
            for code in found:
                st["errors_by_code"][code] += 1
            ds = effective_decisions(decisions.get(row.id, []))  # undone decisions count for nothing
            st["points"] += self.points(ds)["total"]
            levels = [d.level for d in ds if d.action == "adopt"]
            if levels:
                st["adopted"] += 1
                st[f"adopted_{max(levels, key=order.get)}"] += 1
                st["adopted_by_month"][f"{clock.localize(row.submitted_at):%Y-%m}"] += 1
        for st in stats.values():
            counts = feedback.get(st["unit"], {"on_time": 0, "late": 0, "missing": 0})
            st["feedback_on_time"], st["feedback_late"], st["feedback_missing"] = \
                counts["on_time"], counts["late"], counts["missing"]
            st["points"] -= late_points * (counts["late"] + counts["missing"])  # 批示 feedback late or not given
            st["points"] = round(st["points"], 2)  # ties are judged on the points as shown
        out = sorted(stats.values(), key=lambda st: (-st["points"], st["unit"]))
        for st, (rank, tied) in zip(out, competition_ranks([st["points"] for st in out])):
            st["rank"], st["tied"] = rank, tied
            st["adoption_rate"] = round(st["adopted"] / st["submitted"], 4)
            st["problem_trend_share"] = round(st.pop("problem_trend") / st["submitted"], 4)
            st["error_rate"] = round(st["with_errors"] / st["submitted"], 4)
            st["months_without_adoption"] = [m for m in counted if not st["adopted_by_month"][m]]
        return out

    def unit_standing(self, caller: Caller, start: datetime, end: datetime) -> dict | None:
        """The caller's own unit's row of the 通报 for [start, end) (points, rank, ...) plus
        `units`, how many units the 通报 ranks; None when the unit has no brief in the period.
        Computed by the same `_unit_stats` as the 通报 itself, so the two always agree."""
        if caller.unit_id is None:
            return None
        name = self.unit_name(caller.unit_id)
        stats = self._unit_stats(start, end)
        row = next((st for st in stats if st["unit"] == name), None)
        return {**row, "units": len(stats)} if row is not None else None
