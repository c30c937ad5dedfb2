"""Model briefs (范例) for the self-check: adopted briefs of the draft's category most like it.

An officer writing a problem report learns most from problem reports the editors adopted on
a similar subject. The pool is the `model_briefs.pool` most recently adopted briefs of the
draft's category in the archive; they are compared with the draft by the model's `embed`
vectors (cosine), each stored version embedded once per model and kept (api/recent_vectors.py,
a cache of its own), and those at least `model_briefs.min_similarity` alike are shown, best
first. Adopted briefs are published ones, so every officer may read them.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from api.recent_vectors import RecentVectors
from review import clock
from review.brief import ADOPTION_LEVELS, Brief
from review.config import ReviewConfig
from review.history import effective_decisions
from storage.tables import CURRENT_VERSION, BriefRow, BriefVersion, Decision, Unit


def model_briefs(session, draft: Brief, category: str, *, model, vectors: RecentVectors, config: ReviewConfig,
                 exclude: str | None = None) -> list[dict]:
    """The adopted briefs of `category` most like `draft`: id, unit, title, lead, level, similarity."""
    cfg = config.section("model_briefs")
    limit, pool_size = int(cfg["limit"]), int(cfg["pool"])
    if limit <= 0 or not category or getattr(model, "embed", None) is None:
        return []
    query = (select(BriefRow.id, Unit.name, BriefVersion.title, BriefVersion.body, BriefVersion.submitted_at)
             .join(Unit, Unit.id == BriefRow.unit_id)
             .join(BriefVersion, CURRENT_VERSION)
             .where(BriefRow.status == "adopted", BriefRow.category == category)
             .order_by(BriefRow.submitted_at.desc(), BriefRow.id).limit(pool_size))
    if exclude:
        query = query.where(BriefRow.id != exclude)
    rows = session.execute(query).all()
    if not rows:
        return []
    pool = [Brief(id=i, unit=unit, title=title, body=body, submitted_at=clock.localize(at))
            for i, unit, title, body, at in rows]
    matrix = vectors.embedder(model.embed, getattr(model, "version", ""), len(pool))(pool + [draft])
    sims = (matrix[:len(pool)] @ matrix[len(pool)].T).toarray().ravel()
    best = [i for i in np.argsort(-sims, kind="stable")[:limit] if sims[i] >= float(cfg["min_similarity"])]
    if not best:
        return []
    ids = [pool[i].id for i in best]
    levels = _levels(session, ids)
    return [{"id": pool[i].id, "unit": pool[i].unit, "title": pool[i].title, "lead": _lead(pool[i].body),
             "level": levels.get(pool[i].id), "similarity": round(float(sims[i]), 3)} for i in best]


def _levels(session, ids: list[str]) -> dict[str, str]:
    order = {level: n for n, level in enumerate(ADOPTION_LEVELS)}
    found: dict[str, list] = {}
    for d in session.scalars(select(Decision).where(Decision.brief_id.in_(ids)).order_by(Decision.id)):
        found.setdefault(d.brief_id, []).append(d)
    out = {}
    for brief_id, ds in found.items():
        adopted = [d.level for d in effective_decisions(ds) if d.action == "adopt"]
        if adopted:
            out[brief_id] = max(adopted, key=order.get)
    return out


def _lead(body: str, chars: int = 120) -> str:
    """The opening of a body, cut at a sentence end when one comes soon enough."""
    text = " ".join(body.split())
    if len(text) <= chars:
        return text
    cut = max(text.rfind(mark, 0, chars) for mark in "。;;")
    return text[:cut + 1] if cut >= chars // 2 else text[:chars] + "……"
