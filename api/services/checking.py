"""The engine over the stored archive: a draft's review with duplicates and same-event matches,
similar stored briefs and adopted examples (范例).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from api.errors import Refused
from api.model_briefs import model_briefs
from api.recent_vectors import RecentVectors
from api.services.base import Caller, ServiceBase
from review import clock
from review.brief import Brief
from review.engine import review_briefs
from review.proofread import fixed_draft
from review.same_event import add_same_event
from storage.queries import chunks, latest_versions
from storage.tables import CURRENT_VERSION, BriefRow, BriefVersion, Unit


class Checking(ServiceBase):
    """The engine over the stored archive: a draft's review with duplicates and same-event matches,"""

    def check(self, draft: Brief, *, fix: bool = False, only: list[int] | None = None) -> dict:
        """Self-check of a draft: the review, with duplicates against stored briefs. Stores nothing.

        With `fix`, the result also holds the draft with every certain suggestion applied, or
        only those of the flags at the positions `only` (in the review's `flags`).
        """
        review = self._review(draft)
        out = review.to_dict()
        if fix:
            chosen = review.flags if only is None else [review.flags[i] for i in only if 0 <= i < len(review.flags)]
            out["fixed"] = fixed_draft(draft, chosen)
        return out

    def _review(self, brief: Brief):
        threshold = float(self.config.section("duplicates")["threshold"])
        with self._lock:
            self._catch_up()
            found = [self.index.query(brief.text, submitted_at=brief.submitted_at, threshold=threshold,
                                      brief_id=brief.id)]
        model = self.model
        embed = getattr(model, "embed", None)
        if embed is not None:
            # Same-event matches need the recent briefs' vectors: only the last few days are read,
            # and each stored brief's vector is computed once (RecentVectors), not per request.
            recent = self._recent_briefs(brief.submitted_at, model.version)
            add_same_event([brief], recent, self.vectors.embedder(embed, model.version, len(recent)), found,
                           self.config)
        return review_briefs([brief], model, config=self.config, duplicates=found, explain=True)[0]

    def _recent_briefs(self, until: datetime, model_version: str) -> list[Brief]:
        """The briefs of the same-event window before `until`. The query reads the current versions'
        ids only; a version's brief id, unit and time are read once (`self.vectors` keeps them:
        versions never change), and its text only while its vector is not cached. Briefs whose
        vector is cached come back with an empty title and body, which nothing reads."""
        days = float(self.config.section("duplicates")["same_event_days"])
        since = until - timedelta(days=days)
        window = (select(BriefVersion.id)
                  .join(BriefRow, CURRENT_VERSION)
                  .where(BriefVersion.submitted_at >= since, BriefVersion.submitted_at <= until)
                  .order_by(BriefVersion.submitted_at, BriefVersion.id))
        with self.sessions() as session:
            ids = list(session.scalars(window))
            known = self.vectors.versions(ids)
            texts: dict[int, tuple[str, str]] = {}
            fresh: dict[int, tuple] = {}
            for chunk in chunks([v for v in ids if v not in known], 500):
                for v, brief_id, unit, at, title, body in session.execute(
                        select(BriefVersion.id, BriefVersion.brief_id, Unit.name, BriefVersion.submitted_at,
                               BriefVersion.title, BriefVersion.body)
                        .join(BriefRow, BriefRow.id == BriefVersion.brief_id).join(Unit, Unit.id == BriefRow.unit_id)
                        .where(BriefVersion.id.in_(chunk))):
                    fresh[v] = (brief_id, unit, clock.localize(at))
                    texts[v] = (title, body)
            self.vectors.remember_versions(fresh)
            meta = {**known, **fresh}
            keys = {v: RecentVectors.key(meta[v][0], meta[v][2], model_version) for v in ids}
            held = self.vectors.holds(list(keys.values()))
            for chunk in chunks([v for v in ids if v not in texts and keys[v] not in held], 500):
                texts.update((v, (title, body)) for v, title, body in session.execute(
                    select(BriefVersion.id, BriefVersion.title, BriefVersion.body).where(BriefVersion.id.in_(chunk))))
        return [Brief(id=meta[v][0], unit=meta[v][1], title=texts.get(v, ("", ""))[0],
                      body=texts.get(v, ("", ""))[1], submitted_at=meta[v][2]) for v in ids]

    def similar(self, title: str, body: str, review: dict, *, caller: Caller, brief_id: str | None = None,
                limit: int = 5) -> list[dict]:
        """Earlier stored briefs like this text: the review's duplicates first, then looser matches.

        An officer sees the titles of their own unit's briefs and of adopted (published) ones;
        another unit's unpublished brief is shown only as existing, never by title.
        """
        threshold = float(self.config.section("duplicates")["similar_threshold"])
        text = f"{title}\n{body}" if title and body else (title or body)
        found = {d["id"]: dict(d) for d in review.get("duplicates", [])}
        with self._lock:
            looser = self.index.query(text, submitted_at=clock.now(), threshold=threshold, brief_id=brief_id,
                                      limit=limit)
        for match in looser:
            found.setdefault(match.id, {**match.to_dict(), "kind": "similar"})
        found.pop(brief_id, None)
        if not found:
            return []
        out = []
        with self.sessions() as session:
            for row, version in latest_versions(session, BriefRow.id.in_(list(found))):
                visible = caller.role != "officer" or row.unit_id == caller.unit_id or row.status == "adopted"
                out.append({**found[row.id], "title": version.title if visible else None, "status": row.status,
                            "category": row.category, "unit": row.unit.name,
                            "openable": caller.role != "officer" or row.unit_id == caller.unit_id})
        out.sort(key=lambda item: (item["kind"] == "similar", -item["similarity"]))
        return out[:limit + len(review.get("duplicates", []))]

    def model_briefs(self, draft: Brief, category: str, *, brief_id: str | None = None) -> list[dict]:
        """Adopted briefs of `category` most like the draft, as examples to follow (范例); any user."""
        with self.sessions() as session:
            return model_briefs(session, draft, category, model=self.model, vectors=self.model_vectors,
                                config=self.config, exclude=brief_id)


def refuse_marked(review) -> None:
    """A brief with a secrecy marking may not go through a non-classified channel: refuse it."""
    marked = [f for f in review.flags if f.code == "classified"]
    if marked:
        raise Refused(f"文中有密级或内部资料标志“{marked[0].evidence}”,涉密信息严禁通过本系统报送。"
                      "请删除标志及相关内容,或按规定改走涉密渠道。", code="classified_content")
