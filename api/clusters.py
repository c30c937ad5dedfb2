"""Same-event clusters in the service: a submitted brief joins or starts one, editors read it.

The clustering itself is review/clusters.py; here the window is read from the database
(every stored brief submitted within `clusters.window_days` before the new one, with the
cluster it is in), the new brief's similarities to them come from the cached vectors
(api/recent_vectors.py), and a cluster is shown with its members, the fullest member and
the merged draft (综合信息) whose every sentence names the brief it comes from.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from review import clock
from review.brief import Brief
from review.clusters import choose_cluster, fullest_member, merge_draft, similarities_to
from review.config import ReviewConfig
from storage.tables import CURRENT_VERSION, BriefRow, BriefVersion, Unit


def join_cluster(session, brief: Brief, *, model, embedder, config: ReviewConfig) -> str | None:
    """The key of the cluster `brief` joins, or None when it starts its own (no model: always None).

    `embedder(keep)` gives a function returning the vectors of a pool's briefs, the first
    `keep` of them (the stored ones) cached (RecentVectors.embedder)."""
    if getattr(model, "embed", None) is None:
        return None
    cfg = config.section("clusters")
    since = brief.submitted_at - timedelta(days=float(cfg["window_days"]))
    query = (select(BriefRow.id, BriefRow.cluster_key, Unit.name, BriefVersion.title, BriefVersion.body,
                    BriefVersion.submitted_at)
             .join(Unit, Unit.id == BriefRow.unit_id)
             .join(BriefVersion, CURRENT_VERSION)
             .where(BriefRow.submitted_at >= since, BriefRow.submitted_at <= brief.submitted_at,
                    BriefRow.id != brief.id)
             .order_by(BriefRow.submitted_at, BriefRow.id))
    rows = session.execute(query).all()
    if not rows:
        return None
    pool = [Brief(id=i, unit=unit, title=title, body=body, submitted_at=clock.localize(at))
            for i, _key, unit, title, body, at in rows]
    vectors = embedder(len(pool))(pool + [brief]).tocsr()
    ids = [b.id for b in pool] + [brief.id]
    sims = similarities_to(vectors, len(pool), ids, range(len(pool)))
    # A brief stored before clustering existed (imported, or older) is a cluster of its own.
    clusters = {i: key or i for i, key, *_rest in rows}
    return choose_cluster(sims, clusters, float(cfg["threshold"]))


def cluster_sizes(session, keys) -> dict[str, int]:
    """How many briefs each cluster key has."""
    keys = [k for k in set(keys) if k]
    if not keys:
        return {}
    query = (select(BriefRow.cluster_key, func.count()).where(BriefRow.cluster_key.in_(keys))
             .group_by(BriefRow.cluster_key))
    return {key: n for key, n in session.execute(query)}


def first_of_each_cluster(conditions: list, order: tuple):
    """A condition keeping, of the briefs matching `conditions`, the first in `order` of each
    cluster (a brief in no cluster is its own): the queue with clusters collapsed."""
    group = func.coalesce(BriefRow.cluster_key, BriefRow.id)
    ranked = select(BriefRow.id, func.row_number().over(partition_by=group, order_by=order).label("place")) \
        .where(*conditions).subquery()
    return BriefRow.id.in_(select(ranked.c.id).where(ranked.c.place == 1))


def cluster_members(session, keys) -> dict[str, list[dict]]:
    """Every member of each cluster, earliest first: id, unit, title, status, submitted_at."""
    keys = [k for k in set(keys) if k]
    if not keys:
        return {}
    query = (select(BriefRow.cluster_key, BriefRow.id, Unit.name, BriefVersion.title, BriefRow.status,
                    BriefRow.submitted_at)
             .join(Unit, Unit.id == BriefRow.unit_id)
             .join(BriefVersion, CURRENT_VERSION)
             .where(BriefRow.cluster_key.in_(keys)).order_by(BriefRow.submitted_at, BriefRow.id))
    out: dict[str, list[dict]] = {}
    for key, brief_id, unit, title, status, at in session.execute(query):
        out.setdefault(key, []).append({"id": brief_id, "unit": unit, "title": title, "status": status,
                                        "submitted_at": clock.localize(at).isoformat()})
    return out


def public_cluster_id(row: BriefRow, sizes: dict[str, int]) -> str | None:
    """The brief's cluster id as the API shows it: None for a brief alone."""
    return row.cluster_key if row.cluster_key and sizes.get(row.cluster_key, 0) > 1 else None


def cluster_view(pairs: list[tuple[BriefRow, BriefVersion]], cluster_id: str, config: ReviewConfig) -> dict:
    """A cluster for editors: members (unit, time, title), the fullest one and the merged draft."""
    pairs = sorted(pairs, key=lambda p: (p[0].submitted_at, p[0].id))
    briefs = [Brief(id=row.id, unit=row.unit.name, title=version.title, body=version.body,
                    submitted_at=clock.localize(row.submitted_at)) for row, version in pairs]
    units = {b.id: b.unit for b in briefs}
    best, fullness = fullest_member(briefs, config)
    title, sentences = merge_draft(briefs, config)
    return {
        "id": cluster_id,
        "members": [{"id": row.id, "unit": row.unit.name, "title": version.title, "status": row.status,
                     "submitted_at": clock.localize(row.submitted_at).isoformat()} for row, version in pairs],
        "fullest": {**fullness.to_dict(), "unit": best.unit, "title": best.title},
        "draft": {"title": title,
                  "sentences": [{**s.to_dict(), "unit": units[s.source_id]} for s in sentences],
                  "text": "".join(s.text for s in sentences)},
    }
