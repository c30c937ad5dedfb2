"""Database tables (SQLAlchemy 2). Schema changes go through Alembic (storage/migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage import guards


class Base(DeclarativeBase):
    """Declarative base of all tables."""


class Unit(Base):
    """A reporting unit (报送单位)."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class User(Base):
    """A person who logs in: officer (one unit), editor or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An officer who signs off the unit's briefs (审签) before they reach the editors.
    unit_head: Mapped[bool] = mapped_column(Boolean, default=False)
    # Tokens issued before this instant are refused: set when the user is disabled, so
    # re-enabling them does not bring old sessions back.
    sessions_valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    unit: Mapped[Unit | None] = relationship()


class BriefRow(Base):
    """A brief as submitted: its identity, unit and status. Text lives in its versions."""

    __tablename__ = "briefs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    priority: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The latest review's flag codes as ",code,code," so the queue can filter by flag.
    flag_codes: Mapped[str] = mapped_column(String(400), default=",", server_default=",")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Same-event cluster (review/clusters.py): the id of the cluster's first brief, set on
    # arrival; a brief that started its own cluster holds its own id. None: never clustered.
    cluster_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    # 续报 chain of an urgent incident: the chain's first brief id (初报) and this brief's stage in it.
    chain_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    chain_stage: Mapped[str | None] = mapped_column(String(10), nullable=True)
    unit: Mapped[Unit] = relationship()
    versions: Mapped[list["BriefVersion"]] = relationship(order_by="BriefVersion.version")
    __table_args__ = (UniqueConstraint("submitted_by", "idempotency_key", name="uq_brief_idempotency"),)


class BriefVersion(Base):
    """One version of a brief's text; a returned brief resubmitted gets a new version."""

    __tablename__ = "brief_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[str] = mapped_column(ForeignKey("briefs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Indexed: every self-check reads the last few days' versions for same-event matches.
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (UniqueConstraint("brief_id", "version", name="uq_brief_version"),)


# A brief joined to its current version (the text it now has), for every query that needs both.
CURRENT_VERSION = (BriefVersion.brief_id == BriefRow.id) & (BriefVersion.version == BriefRow.current_version)


class ReviewRow(Base):
    """The engine's review of one brief version, with the model version that made it."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[str] = mapped_column(ForeignKey("briefs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[str] = mapped_column(String(120))
    review: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """An editor's decision on a brief. Append-only: corrections are new rows."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[str] = mapped_column(ForeignKey("briefs.id"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(20))  # adopt | instruction | return | reject | recategorise | undo
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    compiled: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # A client's retry of one decision carries the same key; it is recorded once.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # An undo (action "undo") names the decision it takes back; a decision is undone at most once.
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True)
    __table_args__ = (UniqueConstraint("brief_id", "editor_id", "idempotency_key", name="uq_decision_idempotency"),
                      UniqueConstraint("undoes_id", name="uq_decision_undoes"))


class AuditEntry(Base):
    """Who did what, when (logins, submissions, decisions, user changes)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Topic(Base):
    """A commissioned topic (约稿 / 信息报送要点) editors want reported, open until its deadline."""

    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Followup(Base):
    """A leader's 批示 to be acted on (督办): the handling unit owes 落实反馈 by `due_at`."""

    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[str] = mapped_column(ForeignKey("briefs.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    instruction: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    calendar_covered: Mapped[bool] = mapped_column(Boolean, default=True)
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    feedback_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Signoff(Base):
    """A unit head's 审签 of one version of a brief: `approve` sends it on to the editors, `return` back."""

    __tablename__ = "signoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[str] = mapped_column(ForeignKey("briefs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TopicLink(Base):
    """An editor's hand on 约稿 matching: a topic attached to a brief (`attached`) or detached from it."""

    __tablename__ = "topic_links"
    __table_args__ = (UniqueConstraint("brief_id", "topic_id", name="uq_topic_links_brief_topic"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brief_id: Mapped[str] = mapped_column(ForeignKey("briefs.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    attached: Mapped[bool] = mapped_column(Boolean)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Setting(Base):
    """A configuration value an administrator changed on the admin page (overrides the file's)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # section.name, e.g. points.submitted
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RevokedToken(Base):
    """An access token ended by logging out, kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginFailure(Base):
    """One failed login, for the throttle (api/throttle.py): a hashed username or address key."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


guards.install(Base)
