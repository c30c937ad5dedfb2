"""约稿 topics: publishing them, matching briefs to them, and the editors' attach / detach."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from api.errors import Conflict, Forbidden, NotFound
from api.services.base import Caller, ServiceBase
from api.topics import match, set_link, topic_dict
from review import clock
from storage.db import transaction, write_lock
from storage.tables import AuditEntry, BriefRow, Topic


class Topics(ServiceBase):
    """约稿 topics: publishing them, matching briefs to them, and the editors' attach / detach."""

    def create_topic(self, caller: Caller, title: str, description: str, deadline: datetime) -> dict:
        """Publish a 约稿 topic (editors)."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以发布约稿", code="forbidden")
        if not title.strip():
            raise Conflict("约稿标题不能为空", code="missing_field", status=422)
        with transaction(self.sessions) as session:
            topic = Topic(title=title.strip(), description=description.strip(), deadline=deadline,
                          created_by=caller.id, created_at=clock.now())
            session.add(topic)
            session.flush()
            session.add(AuditEntry(user_id=caller.id, action="topic_create", target=str(topic.id),
                                   detail={"title": topic.title}, created_at=clock.now()))
            return topic_dict(topic)

    def list_topics(self, *, open_at: datetime | None = None) -> list[dict]:
        """Topics, newest deadline first; only those open at `open_at` when given."""
        with self.sessions() as session:
            query = select(Topic).order_by(Topic.deadline.desc())
            if open_at is not None:
                query = query.where(Topic.deadline >= open_at)
            return [topic_dict(t) for t in session.scalars(query)]

    def match_topics(self, text: str, when: datetime) -> list[dict]:
        """Open topics (at `when`) that a brief's text answers, best first."""
        return self._topic_matches([text], [when])[0]

    def _topic_matches(self, texts: list[str], whens: list[datetime], *, links=None, linked=None) -> list[list[dict]]:
        """`match_topics` for many briefs (topics and texts vectorised once), with the editors' attach/detach."""
        topics = self.list_topics(open_at=min(whens)) if texts else []
        return match(topics, texts, whens, model=self.model, config=self.config, links=links, linked=linked)

    def link_topic(self, caller: Caller, brief_id: str, topic_id: int, *, attached: bool) -> dict:
        """Attach a 约稿 topic to a brief, or detach it (editors); the brief as `get_brief` gives it."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以调整信息对应的约稿", code="forbidden")
        with transaction(self.sessions) as session:
            write_lock(session)
            if session.get(BriefRow, brief_id) is None:
                raise NotFound("信息不存在", code="not_found")
            topic = session.get(Topic, topic_id)
            if topic is None:
                raise NotFound("约稿不存在", code="topic_not_found")
            if set_link(session, brief_id=brief_id, topic_id=topic_id, attached=attached, user_id=caller.id):
                session.add(AuditEntry(user_id=caller.id, action="topic_attach" if attached else "topic_detach",
                                       target=brief_id, detail={"topic": topic.id, "title": topic.title},
                                       created_at=clock.now()))
        return self.get_brief(caller, brief_id)
