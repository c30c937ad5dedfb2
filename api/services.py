"""The service layer: every operation the API offers, with roles enforced here, on the server.

Routes validate input and call one method; this module owns transactions, role checks
and the engine. An officer sees only their own unit's briefs; another unit's brief is
"not found" to them, never "forbidden", so its existence is not revealed.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from storage.db import session_factory, transaction, write_lock
from api.errors import Conflict, Forbidden, NotFound, Refused, Unauthorized
from api.chains import chain_view, chains, join_chain, suggestion
from api.followups import feedback_counts, followups, open_followups, record_feedback
from api.signoff import PENDING, needs_signoff, sign, signoffs_of
from api.clusters import (cluster_members, cluster_sizes, cluster_view, first_of_each_cluster, join_cluster,
                          public_cluster_id)
from api.desk import bulk_reject, keywords, search_conditions, snippet, undo_decision
from api.model_briefs import model_briefs
from api.recent_vectors import RecentVectors
from api.security import ROLES, hash_password, make_token, read_token, verify_absent, verify_password
from api.throttle import LoginThrottle
from api.topics import detached, links_of, match, set_link, topic_dict, topics_by_id
from storage.tables import (CURRENT_VERSION, AuditEntry, BriefRow, BriefVersion, Decision, ReviewRow, RevokedToken,
                            Topic, Unit, User)
from models.registry import StaticHolder
from review import clock
from review.brief import ADOPTION_LEVELS, CATEGORIES, INSTRUCTION_LEVELS, Brief
from review.config import ReviewConfig
from review.duplicates import DuplicateIndex, add_same_event, find_duplicates
from review.cues import figures_in_text
from review.engine import review_briefs
from review.periods import ended_months
from review.standings import competition_ranks
from review.history import effective_decisions
from review.priority_words import describe_priority
from review.proofread import CODES as PROOFREADING_CODES, fixed_draft

ADOPT_LEVELS = tuple(level for level in ADOPTION_LEVELS if level != "none")
INSTRUCT_LEVELS = tuple(level for level in INSTRUCTION_LEVELS if level != "none")
ACTIONS = ("adopt", "instruction", "return", "reject", "recategorise")
OPEN_STATUSES = ("submitted", "resubmitted")
# How far back (in brief-version ids) the duplicate index looks for versions committed out of order.
CATCH_UP_LOOKBACK = 200


@dataclass(frozen=True)
class Caller:
    """The authenticated user making a request."""

    id: int
    username: str
    role: str
    unit_id: int | None
    unit_head: bool = False  # an officer who signs off the unit's briefs (api/signoff.py)


class ReviewService:
    """Briefs, reviews, decisions and users over one database, with one loaded model."""

    def __init__(self, engine: Engine, model, config: ReviewConfig, *, secret: str, token_minutes: int = 720,
                 index_dir: Path | None = None):
        self.engine = engine
        self.sessions = session_factory(engine)
        # `model` is a fixed model or a holder following the registry's champion
        # (models.registry.ChampionHolder): a promotion switches models between requests.
        self.models = model if hasattr(model, "current") else StaticHolder(model)
        self.config = config
        self.secret = secret
        self.token_minutes = token_minutes
        self.throttle = LoginThrottle(self.sessions)
        self.vectors = RecentVectors()
        self.model_vectors = RecentVectors(max_entries=20_000)  # the adopted briefs shown as 范例
        self._lock = threading.Lock()
        # The duplicate index: in memory, built from the database; or the persistent one in
        # `index_dir`, shared with `briefs score --index` (one process at a time holds it),
        # brought up to date with the briefs it does not hold yet. After that, every brief
        # version stored (by this process, another worker, or `briefs import`) is added by
        # `_catch_up`, which reads the versions table past the last one seen.
        self.index = DuplicateIndex.open(index_dir, config) if index_dir else DuplicateIndex.from_config(config)
        known = set(self.index.ids()) if index_dir else set()
        with self.sessions() as session:
            self._seen_up_to = session.scalar(select(func.max(BriefVersion.id))) or 0
            self._seen = set(session.scalars(select(BriefVersion.id).where(
                BriefVersion.id > self._seen_up_to - CATCH_UP_LOOKBACK)))
            for row, version in _latest_versions(session, BriefVersion.id <= self._seen_up_to):
                brief = _as_brief(row, version)
                if brief.id not in known:
                    self.index.add(brief.id, brief.unit, brief.submitted_at, brief.text)
        self.index.commit()

    def _catch_up(self) -> None:
        """Add to the duplicate index the brief versions stored since the last look, by any
        process. Versions are read by id; those stored out of id order (concurrent
        transactions on PostgreSQL) are still found within the last `CATCH_UP_LOOKBACK` ids.
        Hold `_lock`."""
        with self.sessions() as session:
            floor = self._seen_up_to - CATCH_UP_LOOKBACK
            new = set(session.scalars(select(BriefVersion.id).where(BriefVersion.id > floor))) - self._seen
            if not new:
                return
            rows = session.execute(select(BriefVersion, BriefRow).join(BriefRow, BriefRow.id == BriefVersion.brief_id)
                                   .options(joinedload(BriefRow.unit))
                                   .where(BriefVersion.id.in_(new)).order_by(BriefVersion.id)).all()
        for version, row in rows:
            brief = _as_brief(row, version)
            self.index.add(brief.id, brief.unit, brief.submitted_at, brief.text)
        self.index.commit()
        self._seen |= new
        self._seen_up_to = max(self._seen_up_to, max(new))
        self._seen = {i for i in self._seen if i > self._seen_up_to - CATCH_UP_LOOKBACK}

    def close(self) -> None:
        """Release the duplicate index (and its directory's lock)."""
        self.index.close()

    @property
    def config(self) -> ReviewConfig:
        """The configuration in force: the file's, with the values an administrator changed on
        the admin page (api.editable); read it once per operation, like the model."""
        return self.editable.effective()

    @config.setter
    def config(self, value: ReviewConfig) -> None:
        from api.editable import EditableSettings

        self.editable = EditableSettings(value, self.sessions)

    def editable_settings(self, actor: Caller) -> list[dict]:
        """The points table and freshness windows as the admin page edits them (administrators)."""
        _require_admin(actor)
        return self.editable.describe()

    def update_settings(self, actor: Caller, values: dict) -> list[dict]:
        """Change editable settings (administrators); returns the changes, old → new, as audited."""
        _require_admin(actor)
        return self.editable.update(actor.id, values)

    def roster(self, actor: Caller) -> dict:
        """The leaders' roster of the proofreading in force, and where it comes from (administrators)."""
        _require_admin(actor)
        return self.editable.roster()

    def upload_roster(self, actor: Caller, filename: str, data: bytes) -> int:
        """Replace the roster with an uploaded CSV / XLSX (administrators); the entries now in force."""
        from api.roster_upload import read_roster_upload

        _require_admin(actor)
        return self.editable.set_roster(actor.id, read_roster_upload(filename, data), source=filename)

    def reset_roster(self, actor: Caller) -> int:
        """Go back to the configuration file's roster (administrators)."""
        _require_admin(actor)
        return self.editable.set_roster(actor.id, None)

    @property
    def model(self):
        """The model serving now. Read it once per operation, so one request uses one model."""
        return self.models.current()

    @model.setter
    def model(self, value) -> None:
        from models.registry import StaticHolder

        self.models = StaticHolder(value)

    # --- users and authentication -------------------------------------------------------

    def add_user(self, username: str, password: str, role: str, unit: str | None = None, *,
                 actor: Caller | None = None, unit_head: bool = False) -> int:
        """Create a user (officers need a unit, created if new); returns the user id.

        `actor` is the administrator doing it through the service; None is the local command line.
        """
        _require_admin(actor)
        if not username.strip() or len(username) > 80:
            raise Conflict("用户名不能为空,且不超过 80 个字符", code="invalid_username", status=422)
        if role not in ROLES:
            raise Conflict(f"角色应为 {'、'.join(ROLES)} 之一", code="invalid_role", status=422)
        if role == "officer" and not unit:
            raise Conflict("信息员必须填写所属的报送单位", code="unit_required", status=422)
        if unit_head and role != "officer":
            raise Conflict("单位负责人(审签)须是本单位的信息员账号", code="invalid_role", status=422)
        if len(password) < 8:
            raise Conflict("密码至少 8 位", code="weak_password", status=422)
        with transaction(self.sessions) as session:
            if session.scalar(select(User).where(User.username == username)):
                raise Conflict(f"用户名 {username} 已存在", code="user_exists")
            unit_row = self._unit(session, unit) if unit else None
            user = User(username=username, password_hash=hash_password(password), role=role,
                        unit_id=unit_row.id if unit_row else None, active=True, unit_head=unit_head)
            session.add(user)
            session.flush()
            session.add(AuditEntry(user_id=actor and actor.id, action="user_add", target=username,
                                   detail={"role": role, "unit": unit, "unit_head": unit_head},
                                   created_at=clock.now()))
            return user.id

    def list_users(self, *, actor: Caller | None = None) -> list[dict]:
        """All users with role, unit and whether they are active."""
        _require_admin(actor)
        with self.sessions() as session:
            return [{"username": u.username, "role": u.role, "unit": u.unit.name if u.unit else None,
                     "active": u.active, "unit_head": bool(u.unit_head)}
                    for u in session.scalars(select(User).order_by(User.username))]

    def disable_user(self, username: str, *, actor: Caller | None = None) -> None:
        """Stop a user from logging in (their tokens stop working at once)."""
        _require_admin(actor)
        if actor is not None and actor.username == username:
            raise Conflict("不能停用自己的账号", code="cannot_disable_self", status=422)
        with transaction(self.sessions) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"用户 {username} 不存在", code="not_found")
            now = clock.now()
            user.active = False
            # A token's iat is in whole seconds: refusing up to the end of this second keeps
            # every token issued so far dead if the user is enabled again.
            user.sessions_valid_from = now.replace(microsecond=0) + timedelta(seconds=1)
            session.add(AuditEntry(user_id=actor and actor.id, action="user_disable", target=username,
                                   created_at=now))

    def enable_user(self, username: str, *, actor: Caller | None = None) -> None:
        """Let a disabled user log in again (sessions from before the disabling stay refused)."""
        _require_admin(actor)
        with transaction(self.sessions) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"用户 {username} 不存在", code="not_found")
            if user.active:
                raise Conflict(f"用户 {username} 未被停用", code="user_active", status=409)
            user.active = True
            session.add(AuditEntry(user_id=actor and actor.id, action="user_enable", target=username,
                                   created_at=clock.now()))

    def audit_log(self, actor: Caller, *, limit: int = 100, offset: int = 0, user: str | None = None,
                  action: str | None = None, since: datetime | None = None, until: datetime | None = None) -> dict:
        """The audit log, newest first, filtered by user, action and time (administrators)."""
        from api.audit import audit_actions, read_audit

        _require_admin(actor)
        with self.sessions() as session:
            out = read_audit(session, user=user, action=action, since=since, until=until, limit=limit, offset=offset)
            out["actions"] = audit_actions(session)
            return out

    def import_briefs(self, briefs: list[Brief], *, progress=None) -> int:
        """Load an archive with reviews (and the decisions its labels record); existing ids are skipped.

        One transaction per chunk of 500: a failure leaves earlier chunks stored and no
        chunk half-written.
        """
        with self.sessions() as session:
            stored = [_as_brief(row, v) for row, v in _latest_versions(session)]
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
                                         flag_codes=_codes(review)))
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

    def login(self, username: str, password: str, *, address: str | None = None) -> str:
        """An access token for valid credentials of an active user.

        A failure takes the same time whether or not the username exists, and too many
        failures for one username or from one address close logins for a while (429)."""
        self.throttle.check(username, address)
        user = None
        if "\x00" not in username and 0 < len(username) <= 80:  # no such username can be stored
            with self.sessions() as session:
                user = session.scalar(select(User).where(User.username == username))
        valid = verify_password(user.password_hash, password) if user is not None else verify_absent(password)
        if not valid or not user.active:
            self.throttle.failed(username, address)
            raise Unauthorized("用户名或密码错误", code="invalid_credentials")
        self.throttle.succeeded(username)
        with transaction(self.sessions) as session:
            session.add(AuditEntry(user_id=user.id, action="login", target=username, created_at=clock.now()))
        return make_token(user.id, user.role, self.secret, self.token_minutes)

    def logout(self, token: str | None) -> None:
        """End a session: its token is refused from now on, until it would have expired anyway."""
        claims = read_token(token, self.secret) if token else None
        if claims is None:
            return
        now = clock.now()
        with transaction(self.sessions) as session:
            if session.get(RevokedToken, claims.jti) is None:
                session.add(RevokedToken(jti=claims.jti, expires_at=claims.expires))
                session.add(AuditEntry(user_id=claims.user_id, action="logout", target="", created_at=now))
            session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))

    def caller(self, token: str | None) -> Caller:
        """The user a bearer token belongs to; 401 for a missing, bad, expired, revoked or disabled one."""
        claims = read_token(token, self.secret) if token else None
        if claims is None:
            raise Unauthorized("未登录或登录已过期,请重新登录", code="unauthorized")
        with self.sessions() as session:
            if session.get(RevokedToken, claims.jti) is not None:
                raise Unauthorized("已退出登录,请重新登录", code="unauthorized")
            user = session.get(User, claims.user_id)
            if user is None or not user.active:
                raise Unauthorized("账号不存在或已停用", code="unauthorized")
            cutoff = user.sessions_valid_from
            if cutoff is not None and (claims.issued is None or claims.issued < clock.localize(cutoff)):
                raise Unauthorized("账号曾被停用,请重新登录", code="unauthorized")
            return Caller(user.id, user.username, user.role, user.unit_id, bool(user.unit_head))

    # --- the engine -----------------------------------------------------------------------

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
            for chunk in _chunks([v for v in ids if v not in known], 500):
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
            for chunk in _chunks([v for v in ids if v not in texts and keys[v] not in held], 500):
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
            for row, version in _latest_versions(session, BriefRow.id.in_(list(found))):
                visible = caller.role != "officer" or row.unit_id == caller.unit_id or row.status == "adopted"
                out.append({**found[row.id], "title": version.title if visible else None, "status": row.status,
                            "category": row.category, "unit": row.unit.name,
                            "openable": caller.role != "officer" or row.unit_id == caller.unit_id})
        out.sort(key=lambda item: (item["kind"] == "similar", -item["similarity"]))
        return out[:limit + len(review.get("duplicates", []))]

    def sign_off(self, caller: Caller, brief_id: str, action: str, text: str = "") -> dict:
        """A unit head's 审签 of a pending brief of the unit: approve (to the editors) or return."""
        with transaction(self.sessions) as session:
            write_lock(session)
            row = self._visible(caller, session.get(BriefRow, brief_id, with_for_update=True, populate_existing=True))
            sign(session, row=row, user=session.get(User, caller.id), action=action, text=text)
        return self.get_brief(caller, brief_id)

    def pending_signoff(self, caller: Caller) -> list[dict]:
        """The unit's briefs waiting for the unit head's 审签 (unit heads; others: none)."""
        if caller.role != "officer" or not caller.unit_head:
            return []
        with self.sessions() as session:
            pairs = _latest_versions(session, BriefRow.unit_id == caller.unit_id, BriefRow.status == PENDING)
            return [_summary(row, version) for row, version in sorted(pairs, key=lambda p: p[0].submitted_at)]

    def confirm_chain(self, caller: Caller, brief_id: str, chain_id: str, stage: str) -> dict:
        """Confirm a brief as a 续报 (`update`) or 终报 (`final`) of its unit's chain `chain_id`."""
        with transaction(self.sessions) as session:
            write_lock(session)
            row = self._visible(caller, session.get(BriefRow, brief_id, with_for_update=True))
            join_chain(session, row=row, chain_id=chain_id, stage=stage, user_id=caller.id, role=caller.role,
                       unit_id=caller.unit_id)
        return self.get_brief(caller, brief_id)

    def list_chains(self, caller: Caller, *, overdue: bool | None = None) -> list[dict]:
        """续报 chains: an officer's unit's, or all of them for editors; `overdue` filters."""
        with self.sessions() as session:
            return chains(session, self.config, unit_id=caller.unit_id if caller.role == "officer" else None,
                          overdue=overdue)

    def chain(self, caller: Caller, chain_id: str) -> dict:
        """One chain in time order (an officer: only their unit's)."""
        with self.sessions() as session:
            first = self._visible(caller, session.get(BriefRow, chain_id))
            view = chain_view(session, chain_id, self.config) if first.chain_key == chain_id else None
        if view is None:
            raise NotFound("没有这组续报", code="chain_not_found")
        return view

    def list_followups(self, caller: Caller, *, state: str | None = None) -> list[dict]:
        """批示 follow-ups: an officer's unit's (what it owes), or all of them for editors."""
        if caller.role == "officer" and caller.unit_id is None:
            return []
        with self.sessions() as session:
            return followups(session, unit_id=caller.unit_id if caller.role == "officer" else None, state=state)

    def give_feedback(self, caller: Caller, followup_id: int, text: str) -> dict:
        """The handling unit's 落实反馈 on a 批示 follow-up; the follow-up as listed."""
        with transaction(self.sessions) as session:
            write_lock(session)
            record_feedback(session, followup_id=followup_id, user_id=caller.id, role=caller.role,
                            unit_id=caller.unit_id, text=text)
        return next(f for f in self.list_followups(caller) if f["id"] == followup_id)

    def model_briefs(self, draft: Brief, category: str, *, brief_id: str | None = None) -> list[dict]:
        """Adopted briefs of `category` most like the draft, as examples to follow (范例); any user."""
        with self.sessions() as session:
            return model_briefs(session, draft, category, model=self.model, vectors=self.model_vectors,
                                config=self.config, exclude=brief_id)

    def unit_name(self, unit_id: int) -> str:
        with self.sessions() as session:
            return session.get(Unit, unit_id).name

    def unit_names(self) -> list[str]:
        """Names of all units, sorted."""
        with self.sessions() as session:
            return list(session.scalars(select(Unit.name).order_by(Unit.name)))

    def user_names(self, user_ids) -> dict[int, str]:
        """Usernames by id (for showing who decided)."""
        with self.sessions() as session:
            return dict(session.execute(select(User.id, User.username).where(User.id.in_(set(user_ids)))).all())

    # --- briefs -----------------------------------------------------------------------------

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
        _refuse_marked(review)
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
                                     flag_codes=_codes(review), cluster_key=joined or brief_id,
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
        _refuse_marked(review)
        with transaction(self.sessions) as session:
            write_lock(session)
            row = session.get(BriefRow, brief_id, with_for_update=True, populate_existing=True)
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
            row.flag_codes = _codes(review)
            session.add(AuditEntry(user_id=caller.id, action="resubmit", target=brief_id, created_at=now))
        with self._lock:
            self._catch_up()
        return self.get_brief(caller, brief_id)

    def _by_idempotency(self, caller: Caller, key: str) -> dict | None:
        with self.sessions() as session:
            row = session.scalar(select(BriefRow).where(BriefRow.submitted_by == caller.id,
                                                        BriefRow.idempotency_key == key))
        return self.get_brief(caller, row.id) if row is not None else None

    def _visible(self, caller: Caller, row: BriefRow | None) -> BriefRow:
        if row is None or (caller.role == "officer" and row.unit_id != caller.unit_id):
            raise NotFound("信息不存在", code="not_found")
        return row

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
            topics = self._topic_matches([_as_brief(row, latest).text], [clock.localize(latest.submitted_at)],
                                         links=[hand], linked=linked)[0]
            cluster_id = public_cluster_id(row, cluster_sizes(session, [row.cluster_key]))
            return {
                "id": row.id, "unit": row.unit.name, "status": row.status, "version": row.current_version,
                "category": row.category, "urgent": row.urgent, "priority": round(row.priority, 4),
                "title": latest.title, "body": latest.body, "submitted_at": clock.localize(row.submitted_at).isoformat(),
                "versions": [{"version": v.version, "title": v.title, "body": v.body,
                              "submitted_at": clock.localize(v.submitted_at).isoformat()} for v in versions],
                "review": review.review if review else None,
                "decisions": [_decision_dict(d, {u.undoes_id for u in decisions if u.action == "undo"})
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

    def cluster(self, caller: Caller, cluster_id: str) -> dict:
        """A same-event cluster (editors): members, the fullest member and the merged draft with source ids."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以查看同一事件的汇总", code="forbidden")
        with self.sessions() as session:
            pairs = _latest_versions(session, BriefRow.cluster_key == cluster_id)
            if len(pairs) < 2:
                raise NotFound("没有这组同一事件的信息", code="cluster_not_found")
            return cluster_view(pairs, cluster_id, self.config)

    def adopt_cluster(self, caller: Caller, cluster_id: str, level: str, text: str = "") -> dict:
        """Adopt a cluster's merged piece (as edited: `text`) at `level`: every member is adopted as used
        only inside a compiled piece (仅在综合编辑稿中使用), so each unit gets the compiled-piece points.
        One transaction: all members or none."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以作出采用决定", code="forbidden")
        if level not in ADOPT_LEVELS:
            raise Conflict(f"采用级别应为 {'、'.join(ADOPT_LEVELS)} 之一", code="invalid_level", status=422)
        with transaction(self.sessions) as session:
            write_lock(session)
            rows = session.scalars(select(BriefRow).where(BriefRow.cluster_key == cluster_id)
                                   .order_by(BriefRow.submitted_at, BriefRow.id).with_for_update()).all()
            if len(rows) < 2:
                raise NotFound("没有这组同一事件的信息", code="cluster_not_found")
            for row in rows:
                self._record(session, caller, row, "adopt", level, True, None, text, None)
            ids = [row.id for row in rows]
            session.add(AuditEntry(user_id=caller.id, action="adopt_cluster", target=cluster_id,
                                   detail={"level": level, "members": ids}, created_at=clock.now()))
        return {"id": cluster_id, "level": level, "members": [self.get_brief(caller, i) for i in ids]}

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
            total, page = _page(session, conditions, (BriefRow.submitted_at.desc(), BriefRow.id.desc()), limit, offset)
            items = [_summary(row, version) for row, version in page]
            if words:
                for item, (_row, version) in zip(items, page):
                    item["snippet"] = snippet(version.body, words)
            return {"total": total, "items": items}

    def undo(self, caller: Caller, brief_id: str, decision_id: int, *, idempotency_key: str | None = None) -> dict:
        """Take back a recent decision (撤销); see `api.desk.undo_decision`."""
        undo_decision(self, caller, brief_id, decision_id, idempotency_key=idempotency_key)
        return self.get_brief(caller, brief_id)

    def bulk_reject(self, caller: Caller, brief_ids: list[str], text: str = "") -> dict:
        """不采用 for several briefs at once, each reported decided or refused; see `api.desk.bulk_reject`."""
        return bulk_reject(self, caller, brief_ids, text)

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
            total, page = _page(session, conditions, order, limit, offset)
            items = [_summary(row, version) for row, version in page]
            briefs = [_as_brief(row, version) for row, version in page]
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

    def decide(self, caller: Caller, brief_id: str, action: str, *, level: str | None = None,
               compiled: bool = False, category: str | None = None, text: str = "",
               idempotency_key: str | None = None, handling_units: list[str] | None = None) -> dict:
        """Record an editor's decision (append-only) and update the brief's status. A 批示 opens
        a follow-up for each of `handling_units` (default: the brief's unit, api/followups.py).

        Decisions on one brief are serialised (row lock, or SQLite's write lock), so the status
        is always what the recorded history gives. A retry with the same `idempotency_key`
        returns the brief without recording the decision twice."""
        if caller.role not in ("editor", "admin"):
            raise Forbidden("只有编辑可以作出采用决定", code="forbidden")
        if action not in ACTIONS:
            raise Conflict(f"决定类型应为 {'、'.join(ACTIONS)} 之一", code="invalid_action", status=422)
        if action == "adopt" and level not in ADOPT_LEVELS:
            raise Conflict(f"采用级别应为 {'、'.join(ADOPT_LEVELS)} 之一", code="invalid_level", status=422)
        if action == "instruction" and level not in INSTRUCT_LEVELS:
            raise Conflict(f"批示级别应为 {'、'.join(INSTRUCT_LEVELS)} 之一", code="invalid_level", status=422)
        if action == "recategorise" and category not in CATEGORIES:
            raise Conflict(f"类别应为 {'、'.join(CATEGORIES)} 之一", code="invalid_category", status=422)
        if action == "return" and not text.strip():
            raise Conflict("退回修改时请写明修改意见", code="comment_required", status=422)
        try:
            with transaction(self.sessions) as session:
                write_lock(session)
                row = session.get(BriefRow, brief_id, with_for_update=True, populate_existing=True)
                if row is None:
                    raise NotFound("信息不存在", code="not_found")
                if not (idempotency_key and self._replayed(session, caller, brief_id, idempotency_key,
                                                           (action, level, compiled, category, text))):
                    decision = self._record(session, caller, row, action, level, compiled, category, text,
                                            idempotency_key)
                    if action == "instruction":
                        session.flush()
                        open_followups(session, brief=row, decision=decision, units=handling_units or [],
                                       config=self.config)
        except IntegrityError:
            # Two retries with one Idempotency-Key raced (PostgreSQL): the other one stored the decision.
            if not idempotency_key:
                raise
        return self.get_brief(caller, brief_id)

    @staticmethod
    def _record(session: Session, caller: Caller, row: BriefRow, action: str, level: str | None, compiled: bool,
                category: str | None, text: str, idempotency_key: str | None) -> Decision:
        """Append the decision and apply it to the (locked) brief row; the decision."""
        brief_id = row.id
        decision = Decision(brief_id=brief_id, editor_id=caller.id, action=action, level=level,
                            compiled=compiled, category=category, text=text, created_at=clock.now(),
                            idempotency_key=idempotency_key)
        session.add(decision)
        if action == "adopt":
            row.status = "adopted"
        elif action == "return":
            row.status = "returned"
        elif action == "reject" and row.status != "adopted":
            row.status = "rejected"
        elif action == "recategorise":
            row.category = category
        session.add(AuditEntry(user_id=caller.id, action=f"decide_{action}", target=brief_id,
                               detail={"level": level}, created_at=clock.now()))
        return decision

    @staticmethod
    def _replayed(session: Session, caller: Caller, brief_id: str, key: str, decision: tuple) -> bool:
        """True when this editor already recorded this decision under `key`; a different one is refused."""
        earlier = session.scalar(select(Decision).where(Decision.brief_id == brief_id, Decision.editor_id == caller.id,
                                                        Decision.idempotency_key == key))
        if earlier is None:
            return False
        if (earlier.action, earlier.level, earlier.compiled, earlier.category, earlier.text) != decision:
            raise Conflict("这个 Idempotency-Key 已用于另一项决定,请换一个", code="idempotency_mismatch")
        return True

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
        months = _months(start, end)
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

    def returned_count(self, caller: Caller) -> int:
        """How many of the officer's unit's briefs are returned and wait for a new version (0 for others)."""
        if caller.role != "officer" or caller.unit_id is None:
            return 0
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(BriefRow).where(
                BriefRow.unit_id == caller.unit_id, BriefRow.status == "returned"))

    def outcomes(self, caller: Caller, brief_ids: list[str]) -> dict[str, dict]:
        """Per brief the caller may see: the highest adoption level (or None), the highest 批示
        level (or None) and the points earned, as the 通报 counts them."""
        order = {level: i for i, level in enumerate(ADOPTION_LEVELS)}
        found: dict[str, list[Decision]] = {brief_id: [] for brief_id in brief_ids}
        with self.sessions() as session:
            visible = select(BriefRow.id).where(BriefRow.id.in_(brief_ids))
            if caller.role == "officer":
                visible = visible.where(BriefRow.unit_id == caller.unit_id)
            ids = set(session.scalars(visible))
            for d in session.scalars(select(Decision).where(Decision.brief_id.in_(ids))):
                found[d.brief_id].append(d)
        out = {}
        for brief_id in brief_ids:
            if brief_id not in ids:
                continue
            ds = found[brief_id]
            adopted = [d.level for d in ds if d.action == "adopt"]
            instructed = [d.level for d in ds if d.action == "instruction"]
            out[brief_id] = {"level": max(adopted, key=order.get) if adopted else None,
                             "instruction": max(instructed, key=INSTRUCTION_LEVELS.index) if instructed else None,
                             "points": self.points(ds)["total"]}
        return out

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

    def points(self, decisions) -> dict[str, Any]:
        """Points a brief earned under the configured table: submission, highest adoption, highest 批示."""
        from review.outcome import decision_points

        return decision_points(decisions, self.config)

    @staticmethod
    def _unit(session, name: str) -> Unit:
        unit = session.scalar(select(Unit).where(Unit.name == name))
        if unit is None:
            unit = Unit(name=name)
            session.add(unit)
            session.flush()
        return unit


def _require_admin(actor: Caller | None) -> None:
    """Administrators only; None is the local command line, trusted like a database shell."""
    if actor is not None and actor.role != "admin":
        raise Forbidden("只有管理员可以管理用户和查看审计日志", code="forbidden")


def _months(start: datetime, end: datetime) -> list[str]:
    """The calendar months touched by [start, end), as YYYY-MM."""
    out, year, month = [], start.year, start.month
    while (year, month) <= ((end - timedelta(microseconds=1)).year, (end - timedelta(microseconds=1)).month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _chunks(items: list, size: int):
    """`items` in consecutive lists of at most `size` (for IN lists a database accepts)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _latest_versions(session, *conditions) -> list[tuple[BriefRow, BriefVersion]]:
    """Each brief with its current version, filtered by `conditions`."""
    query = select(BriefRow, BriefVersion).join(
        BriefVersion, CURRENT_VERSION)
    query = query.options(joinedload(BriefRow.unit))  # one query, not one per unit when a brief's unit is read
    return [(row, version) for row, version in session.execute(query.where(*conditions))]


def _page(session, conditions: list, order: tuple, limit: int, offset: int):
    """The total matching `conditions` and one page of (brief, current version), in `order`."""
    total = session.scalar(select(func.count()).select_from(BriefRow).where(*conditions))
    query = (select(BriefRow, BriefVersion)
             .join(BriefVersion, CURRENT_VERSION)
             .options(joinedload(BriefRow.unit)).where(*conditions).order_by(*order).limit(limit).offset(offset))
    return total, [(row, version) for row, version in session.execute(query)]


def _as_brief(row: BriefRow, version: BriefVersion) -> Brief:
    return Brief(id=row.id, unit=row.unit.name, title=version.title, body=version.body,
                 submitted_at=clock.localize(version.submitted_at))


def _refuse_marked(review) -> None:
    """A brief with a secrecy marking may not go through a non-classified channel: refuse it."""
    marked = [f for f in review.flags if f.code == "classified"]
    if marked:
        raise Refused(f"文中有密级或内部资料标志“{marked[0].evidence}”,涉密信息严禁通过本系统报送。"
                      "请删除标志及相关内容,或按规定改走涉密渠道。", code="classified_content")


def _codes(review) -> str:
    return "," + "".join(f"{code}," for code in dict.fromkeys(review.flag_codes))


def _decision_dict(d: Decision, undone: set[int] = frozenset()) -> dict:
    return {"id": d.id, "action": d.action, "level": d.level, "compiled": d.compiled, "category": d.category,
            "text": d.text, "editor_id": d.editor_id, "created_at": clock.localize(d.created_at).isoformat(),
            "undoes_id": d.undoes_id, "undone": d.id in undone}


def _summary(row: BriefRow, version: BriefVersion) -> dict:
    return {"id": row.id, "unit": row.unit.name, "status": row.status, "title": version.title,
            "category": row.category, "urgent": row.urgent, "priority": round(row.priority, 4),
            "submitted_at": clock.localize(row.submitted_at).isoformat()}
