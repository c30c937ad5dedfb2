"""Briefs: submission, resubmission, reading and searching them, and importing an archive."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from api.chains import chain_view, suggestion
from api.clusters import cluster_sizes, join_cluster, public_cluster_id
from api.desk import keywords, search_conditions, snippet
from api.errors import Conflict, Forbidden
from api.followups import followups
from api.services.base import Caller, ServiceBase
from api.services.checking import refuse_marked
from api.services.rows import decision_dict, flag_codes, summary
from api.signoff import PENDING, needs_signoff, signoffs_of
from api.topics import detached, links_of, topics_by_id
from review import clock
from review.brief import Brief
from review.cues import figures_in_text
from review.duplicates import find_duplicates
from review.engine import review_briefs
from review.priority_words import describe_priority
from storage.db import transaction
from storage.queries import as_brief, latest_versions, lock_brief, page_of
from storage.tables import AuditEntry, BriefRow, BriefVersion, Decision, ReviewRow, Unit


class Briefs(ServiceBase):
    """Briefs: submission, resubmission, reading and searching them, and importing an archive."""

    def submit(self, caller: Caller, title: str, body: str, *, event_at: datetime | None = None,
               idempotency_key: str | None = None) -> dict:
        """Store, review and queue an officer's brief in one transaction; a retried key returns the first."""
        if caller.role != "officer" or caller.unit_id is None:
            raise Forbidden("只有信息员可以报送信息", code="forbidden")
        if idempotency_key:
            existing = self._by_idempotency(caller, idempotency_key)
            if existing is not None:
                return existing
        now = clock.now()
        brief_id = f"{now:%Y%m%d}-{uuid.uuid4().hex[:10]}"
        with self.sessions() as session:
            unit = session.get(Unit, caller.unit_id)
        brief = Brief(id=brief_id, unit=unit.name, title=title.strip(), body=body.strip(), submitted_at=now,
                      event_at=event_at)
        review = self._review(brief)  # before the transaction: no lock held during inference
        refuse_marked(review)
        model = self.model
        with self.sessions() as session:
            joined = join_cluster(session, brief, model=model, config=self.config,
                                  embedder=lambda keep: self.vectors.embedder(model.embed, model.version, keep))
        try:
            with transaction(self.sessions) as session:
                status = PENDING if needs_signoff(session, unit.id, caller.id) else "submitted"
                session.add(BriefRow(id=brief_id, unit_id=unit.id, submitted_by=caller.id, status=status,
                                     current_version=1, idempotency_key=idempotency_key, category=review.category,
                                     priority=review.priority, urgent=review.urgent, submitted_at=now,
                                     flag_codes=flag_codes(review), cluster_key=joined or brief_id,
                                     # an urgent brief starts a 续报 chain (api/chains.py)
                                     chain_key=brief_id if review.urgent else None,
                                     chain_stage="initial" if review.urgent else None))
                if joined is not None:  # a first brief stored before clustering gets its own key now
                    first = session.get(BriefRow, joined)
                    if first is not None and first.cluster_key is None:
                        first.cluster_key = joined
                session.flush()
                session.add(BriefVersion(brief_id=brief_id, version=1, title=brief.title, body=brief.body,
                                         submitted_at=now, event_at=event_at))
                session.add(ReviewRow(brief_id=brief_id, version=1, model_version=review.model_version,
                                      review=review.to_dict(), created_at=now))
                session.add(AuditEntry(user_id=caller.id, action="submit", target=brief_id, created_at=now))
        except IntegrityError:
            # Two retries with one Idempotency-Key raced: the other one stored the brief.
            existing = self._by_idempotency(caller, idempotency_key) if idempotency_key else None
            if existing is not None:
                return existing
            raise Conflict("提交冲突,请重试", code="conflict") from None
        with self._lock:
            self._catch_up()
        return self.get_brief(caller, brief_id)

    def resubmit(self, caller: Caller, brief_id: str, title: str, body: str) -> dict:
        """A new version of a returned brief from its own unit: reviewed again and back in the queue.

        The new text is reviewed before the transaction (no lock held during inference), stored
        only if the brief is still the returned version that was read, and added to the
        duplicate index like any submission."""
        if caller.role != "officer":
            raise Forbidden("只有信息员可以修改后重新报送", code="forbidden")
        now = clock.now()
        with self.sessions() as session:
            row = self._visible(caller, session.get(BriefRow, brief_id))
            if row.status != "returned":
                raise Conflict("只有被退回修改的信息才能重新报送", code="not_returned")
            unit, read_version = row.unit.name, row.current_version
        brief = Brief(id=brief_id, unit=unit, title=title.strip(), body=body.strip(), submitted_at=now)
        review = self._review(brief)
        refuse_marked(review)
        with transaction(self.sessions) as session:
            row = lock_brief(session, brief_id)
            if row.status != "returned" or row.current_version != read_version:
                raise Conflict("这条信息刚刚已被重新报送或处理,请刷新后查看", code="not_returned")
            version = row.current_version + 1
            session.add(BriefVersion(brief_id=brief_id, version=version, title=brief.title, body=brief.body,
                                     submitted_at=now))
            session.add(ReviewRow(brief_id=brief_id, version=version, model_version=review.model_version,
                                  review=review.to_dict(), created_at=now))
            row.current_version = version
            row.status = PENDING if needs_signoff(session, row.unit_id, caller.id) else "resubmitted"
            row.category, row.priority, row.urgent = review.category, review.priority, review.urgent
            row.flag_codes = flag_codes(review)
            session.add(AuditEntry(user_id=caller.id, action="resubmit", target=brief_id, created_at=now))
        with self._lock:
            self._catch_up()
        return self.get_brief(caller, brief_id)

    def _by_idempotency(self, caller: Caller, key: str) -> dict | None:
        with self.sessions() as session:
            row = session.scalar(select(BriefRow).where(BriefRow.submitted_by == caller.id,
                                                        BriefRow.idempotency_key == key))
        return self.get_brief(caller, row.id) if row is not None else None

    def get_brief(self, caller: Caller, brief_id: str) -> dict:
        """A brief with its versions, latest review, decisions and points, if the caller may see it."""
        with self.sessions() as session:
            row = self._visible(caller, session.get(BriefRow, brief_id))
            versions = session.scalars(select(BriefVersion).where(BriefVersion.brief_id == brief_id)
                                       .order_by(BriefVersion.version)).all()
            review = session.scalars(select(ReviewRow).where(ReviewRow.brief_id == brief_id)
                                     .order_by(ReviewRow.id.desc())).first()
            decisions = session.scalars(select(Decision).where(Decision.brief_id == brief_id)
                                        .order_by(Decision.id)).all()
            latest = versions[-1]
            hand = links_of(session, [row.id]).get(row.id, {})
            linked = topics_by_id(session, set(hand))
            topics = self._topic_matches([as_brief(row, latest).text], [clock.localize(latest.submitted_at)],
                                         links=[hand], linked=linked)[0]
            cluster_id = public_cluster_id(row, cluster_sizes(session, [row.cluster_key]))
            return {
                "id": row.id, "unit": row.unit.name, "status": row.status, "version": row.current_version,
                "category": row.category, "urgent": row.urgent, "priority": round(row.priority, 4),
                "title": latest.title, "body": latest.body, "submitted_at": clock.localize(row.submitted_at).isoformat(),
                "versions": [{"version": v.version, "title": v.title, "body": v.body,
                              "submitted_at": clock.localize(v.submitted_at).isoformat()} for v in versions],
                "review": review.review if review else None,
                "decisions": [decision_dict(d, {u.undoes_id for u in decisions if u.action == "undo"})
                              for d in decisions],
                "points": self.points(decisions),
                "topics": topics,
                "detached_topics": detached(hand, linked),
                "followups": followups(session, brief_id=row.id),
                "signoffs": signoffs_of(session, row.id),
                "chain": chain_view(session, row.chain_key, self.config) if row.chain_key else None,
                "chain_suggestion": suggestion(session, row, latest, model=self.model, config=self.config),
                "priority_words": describe_priority(review.review if review else {}, self.config,
                                                    figures=len(figures_in_text(latest.title, latest.body))),
                "cluster_id": cluster_id,
            }

    def list_briefs(self, caller: Caller, *, status: str | None = None, q: str | None = None, unit: str | None = None,
                    category: str | None = None, flag: str | None = None, since: datetime | None = None,
                    until: datetime | None = None, limit: int = 50, offset: int = 0) -> dict:
        """Briefs the caller may see, newest first; a search by words (title and body), unit,
        category, flag and submission time [since, until) when given (api.desk)."""
        conditions = search_conditions(q=q, unit=unit, category=category, flag=flag, since=since, until=until)
        if caller.role == "officer":
            conditions.append(BriefRow.unit_id == caller.unit_id)
        if status:
            conditions.append(BriefRow.status == status)
        words = keywords(q)
        with self.sessions() as session:
            total, page = page_of(session, conditions, (BriefRow.submitted_at.desc(), BriefRow.id.desc()), limit, offset)
            items = [summary(row, version) for row, version in page]
            if words:
                for item, (_row, version) in zip(items, page):
                    item["snippet"] = snippet(version.body, words)
            return {"total": total, "items": items}

    def returned_count(self, caller: Caller) -> int:
        """How many of the officer's unit's briefs are returned and wait for a new version (0 for others)."""
        if caller.role != "officer" or caller.unit_id is None:
            return 0
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(BriefRow).where(
                BriefRow.unit_id == caller.unit_id, BriefRow.status == "returned"))

    def import_briefs(self, briefs: list[Brief], *, progress=None) -> int:
        """Load an archive with reviews (and the decisions its labels record); existing ids are skipped.

        One transaction per chunk of 500: a failure leaves earlier chunks stored and no
        chunk half-written.
        """
        with self.sessions() as session:
            stored = [as_brief(row, v) for row, v in latest_versions(session)]
        existing = {b.id for b in stored}
        todo = sorted((b for b in briefs if b.id not in existing), key=lambda b: b.submitted_at)
        model = self.model
        # Duplicates over the whole import and the stored archive at once, then reviews by chunk.
        duplicates = find_duplicates(todo, config=self.config, archive=stored,
                                     embed=getattr(model, "embed", None))
        now = clock.now()
        for start in range(0, len(todo), 500):
            chunk = todo[start:start + 500]
            reviews = review_briefs(chunk, model, config=self.config, duplicates=duplicates[start:start + 500])
            with transaction(self.sessions) as session:
                for brief, review in zip(chunk, reviews):
                    unit = self._unit(session, brief.unit)
                    adoption = brief.labels.adoption if brief.labels else None
                    # An archive's labelled briefs were decided: adopted, or not (rejected).
                    status = "submitted" if adoption is None else ("adopted" if adoption.adopted else "rejected")
                    session.add(BriefRow(id=brief.id, unit_id=unit.id, submitted_by=None, status=status,
                                         current_version=1, category=review.category, priority=review.priority,
                                         urgent=review.urgent, submitted_at=brief.submitted_at,
                                         flag_codes=flag_codes(review)))
                    session.flush()
                    session.add(BriefVersion(brief_id=brief.id, version=1, title=brief.title, body=brief.body,
                                             submitted_at=brief.submitted_at, event_at=brief.event_at))
                    session.add(ReviewRow(brief_id=brief.id, version=1, model_version=review.model_version,
                                          review=review.to_dict(), created_at=now))
                    if adoption is not None and adoption.adopted:
                        session.add(Decision(brief_id=brief.id, action="adopt", level=adoption.level,
                                             created_at=brief.submitted_at))
                    if adoption is not None and adoption.instruction != "none":
                        session.add(Decision(brief_id=brief.id, action="instruction", level=adoption.instruction,
                                             created_at=brief.submitted_at))
            with self._lock:
                self._catch_up()
            if progress:
                progress(len(chunk))
        return len(todo)
