"""The service's foundation: the database, the model, the configuration and the duplicate index,
kept up to date with what every worker process stores.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import joinedload

from api.editable import EditableSettings
from api.errors import Forbidden, NotFound
from api.recent_vectors import RecentVectors
from api.throttle import LoginThrottle
from models.registry import StaticHolder
from review.brief import ADOPTION_LEVELS, INSTRUCTION_LEVELS
from review.config import ReviewConfig
from review.duplicates import DuplicateIndex
from review.outcome import decision_points
from storage.db import session_factory
from storage.queries import as_brief, latest_versions
from storage.tables import BriefRow, BriefVersion, Unit, User

ADOPT_LEVELS = tuple(level for level in ADOPTION_LEVELS if level != "none")
INSTRUCT_LEVELS = tuple(level for level in INSTRUCTION_LEVELS if level != "none")
ACTIONS = ("adopt", "instruction", "return", "reject", "recategorise")
OPEN_STATUSES = ("submitted", "resubmitted")
# How far back (in brief-version ids) the duplicate index looks for versions committed out of order.
CATCH_UP_LOOKBACK = 200
# The persistent index's checkpoint key: the last brief-version id it holds and the recent ids it has.
INDEX_MARK = "db_versions"


@dataclass(frozen=True)
class Caller:
    """The authenticated user making a request."""

    id: int
    username: str
    role: str
    unit_id: int | None
    unit_head: bool = False  # an officer who signs off the unit's briefs (api/signoff.py)


class ServiceBase:
    """Briefs, reviews, decisions and users over one database, with one loaded model: the state
    every part of the service (api.services) works on."""

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
        # `index_dir`, shared with `briefs score --index` (one process at a time holds it).
        # Opened on first use (`build_service` opens it before the service answers; a CLI command
        # that adds a user never does). After that, every brief version stored (by this process,
        # another worker, or `briefs import`) is added by `_catch_up`, which reads the versions
        # table past the last one seen.
        self._index_dir = index_dir
        self._index_config = config
        self._index: DuplicateIndex | None = None
        self._index_lock = threading.Lock()
        self._seen_up_to = 0
        self._seen: set[int] = set()

    @property
    def index(self) -> DuplicateIndex:
        """The duplicate index, opened (and brought up to date with the database) on first use."""
        return self.open_index()

    def open_index(self) -> DuplicateIndex:
        """Open the duplicate index if it is not open yet; the same index on every later call."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    self._index = self._open_index()
        return self._index

    def _open_index(self) -> DuplicateIndex:
        """The in-memory index built from every brief's current version; or the persistent one,
        which remembers how far into the versions table it got (its checkpoint `INDEX_MARK`), so
        that opening it reads only the versions stored since, however large the archive."""
        if self._index_dir is None:
            index = DuplicateIndex.from_config(self._index_config)
        else:
            index = DuplicateIndex.open(self._index_dir, self._index_config)
            mark = index.checkpoint.get(INDEX_MARK)
            if mark is not None:
                self._seen_up_to, self._seen = int(mark["up_to"]), {int(i) for i in mark["seen"]}
                self._add_new_versions(index)
                return index
        # A new index, or one a batch run wrote last (its checkpoint is the run's): from the database.
        known = set(index.ids()) if self._index_dir else set()
        with self.sessions() as session:
            self._seen_up_to = session.scalar(select(func.max(BriefVersion.id))) or 0
            self._seen = set(session.scalars(select(BriefVersion.id).where(
                BriefVersion.id > self._seen_up_to - CATCH_UP_LOOKBACK)))
            for row, version in latest_versions(session, BriefVersion.id <= self._seen_up_to):
                brief = as_brief(row, version)
                if brief.id not in known:
                    index.add(brief.id, brief.unit, brief.submitted_at, brief.text)
        index.commit(self._mark(index))
        return index

    def _mark(self, index: DuplicateIndex) -> dict:
        """The index's checkpoint with how far into the versions table it got."""
        return {**index.checkpoint, INDEX_MARK: {"up_to": self._seen_up_to, "seen": sorted(self._seen)}}

    def _catch_up(self) -> None:
        """Add to the duplicate index the brief versions stored since the last look, by any
        process. Hold `_lock`."""
        self._add_new_versions(self.index)

    def _add_new_versions(self, index: DuplicateIndex) -> None:
        """Versions are read by id; those stored out of id order (concurrent transactions on
        PostgreSQL) are still found within the last `CATCH_UP_LOOKBACK` ids."""
        with self.sessions() as session:
            floor = self._seen_up_to - CATCH_UP_LOOKBACK
            new = set(session.scalars(select(BriefVersion.id).where(BriefVersion.id > floor))) - self._seen
            if not new:
                return
            rows = session.execute(select(BriefVersion, BriefRow).join(BriefRow, BriefRow.id == BriefVersion.brief_id)
                                   .options(joinedload(BriefRow.unit))
                                   .where(BriefVersion.id.in_(new)).order_by(BriefVersion.id)).all()
        for version, row in rows:
            brief = as_brief(row, version)
            index.add(brief.id, brief.unit, brief.submitted_at, brief.text)
        self._seen |= new
        self._seen_up_to = max(self._seen_up_to, max(new))
        self._seen = {i for i in self._seen if i > self._seen_up_to - CATCH_UP_LOOKBACK}
        index.commit(self._mark(index))

    def close(self) -> None:
        """Release the duplicate index (and its directory's lock), if it was opened."""
        if self._index is not None:
            self._index.close()

    @property
    def config(self) -> ReviewConfig:
        """The configuration in force: the file's, with the values an administrator changed on
        the admin page (api.editable); read it once per operation, like the model."""
        return self.editable.effective()

    @config.setter
    def config(self, value: ReviewConfig) -> None:
        self.editable = EditableSettings(value, self.sessions)

    @property
    def model(self):
        """The model serving now. Read it once per operation, so one request uses one model."""
        return self.models.current()

    @model.setter
    def model(self, value) -> None:
        self.models = StaticHolder(value)

    def _visible(self, caller: Caller, row: BriefRow | None) -> BriefRow:
        if row is None or (caller.role == "officer" and row.unit_id != caller.unit_id):
            raise NotFound("信息不存在", code="not_found")
        return row

    @staticmethod
    def _unit(session, name: str) -> Unit:
        unit = session.scalar(select(Unit).where(Unit.name == name))
        if unit is None:
            unit = Unit(name=name)
            session.add(unit)
            session.flush()
        return unit

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

    def points(self, decisions) -> dict[str, Any]:
        """Points a brief earned under the configured table: submission, highest adoption, highest 批示."""
        return decision_points(decisions, self.config)


def require_admin(actor: Caller | None) -> None:
    """Administrators only; None is the local command line, trusted like a database shell."""
    if actor is not None and actor.role != "admin":
        raise Forbidden("只有管理员可以管理用户和查看审计日志", code="forbidden")
