"""The editors' queue and same-event clusters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from api.clusters import cluster_members, cluster_sizes, cluster_view, first_of_each_cluster, public_cluster_id
from api.errors import Forbidden, NotFound
from api.services.base import OPEN_STATUSES, Caller, ServiceBase
from api.services.rows import summary
from api.topics import links_of, topics_by_id
from review.cues import figures_in_text
from review.priority_words import describe_priority
from storage.queries import as_brief, latest_versions, page_of
from storage.tables import BriefRow, ReviewRow, Unit


class Queue(ServiceBase):
    """The editors' queue and same-event clusters."""

    def queue(self, caller: Caller, *, category: str | None = None, unit: str | None = None,
              urgent: bool | None = None, status: str | None = None, flag: str | None = None,
              since: datetime | None = None, until: datetime | None = None, limit: int = 50,
              offset: int = 0, collapse: bool = False) -> dict:
        """The editors' queue: open briefs, urgent first, then by priority; `until` is exclusive.

        With `collapse`, a same-event cluster is one item, its first-ranked member, carrying the
        cluster's other members (`cluster_others`); `total` then counts items, not briefs."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以查看预审队列", code="forbidden")
        conditions = [BriefRow.status.in_([status] if status else OPEN_STATUSES)]
        if category:
            conditions.append(BriefRow.category == category)
        if urgent is not None:
            conditions.append(BriefRow.urgent == urgent)
        if unit:
            conditions.append(BriefRow.unit.has(Unit.name == unit))
        if flag:
            conditions.append(BriefRow.flag_codes.contains(f",{flag},"))
        if since is not None:
            conditions.append(BriefRow.submitted_at >= since)
        if until is not None:
            conditions.append(BriefRow.submitted_at < until)
        order = (BriefRow.urgent.desc(), BriefRow.priority.desc(), BriefRow.id)
        if collapse:
            conditions.append(first_of_each_cluster(conditions, order))
        with self.sessions() as session:
            total, page = page_of(session, conditions, order, limit, offset)
            items = [summary(row, version) for row, version in page]
            briefs = [as_brief(row, version) for row, version in page]
            reviews = {r.brief_id: r.review for r in session.scalars(
                select(ReviewRow).where(ReviewRow.brief_id.in_([item["id"] for item in items]))
                .order_by(ReviewRow.id))}  # the latest review of each brief wins
            sizes = cluster_sizes(session, [row.cluster_key for row, _version in page])
            others = cluster_members(session, [row.cluster_key for row, _version in page if sizes.get(row.cluster_key, 0) > 1]) \
                if collapse else {}
            hands = links_of(session, [item["id"] for item in items])
            linked = topics_by_id(session, {t for hand in hands.values() for t in hand})
        matches = self._topic_matches([b.text for b in briefs], [b.submitted_at for b in briefs],
                                      links=[hands.get(item["id"], {}) for item in items], linked=linked)
        for item, topics, (row, version) in zip(items, matches, page):
            item["topics"] = topics
            item["flags"] = [code for code in row.flag_codes.split(",") if code]
            item["priority_reasons"] = reviews.get(item["id"], {}).get("priority_reasons", {})
            item["priority_words"] = describe_priority(reviews.get(item["id"], {}), self.config,
                                                       figures=len(figures_in_text(version.title, version.body)))
            item["cluster_id"] = public_cluster_id(row, sizes)
            item["cluster_size"] = sizes.get(row.cluster_key, 1) if item["cluster_id"] else 1
            if collapse:
                item["cluster_others"] = [m for m in others.get(row.cluster_key, []) if m["id"] != row.id] \
                    if item["cluster_id"] else []
        return {"total": total, "items": items}

    def cluster(self, caller: Caller, cluster_id: str) -> dict:
        """A same-event cluster (editors): members, the fullest member and the merged draft with source ids."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以查看同一事件的汇总", code="forbidden")
        with self.sessions() as session:
            pairs = latest_versions(session, BriefRow.cluster_key == cluster_id)
            if len(pairs) < 2:
                raise NotFound("没有这组同一事件的信息", code="cluster_not_found")
            return cluster_view(pairs, cluster_id, self.config)
