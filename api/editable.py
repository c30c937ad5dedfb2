"""Settings an administrator edits on the admin page: the points table, the freshness windows
and the leaders' roster of the proofreading (`proofreading.leaders`, uploaded as a file).

The configuration file (review/defaults.toml and $BRIEFS_CONFIG) gives the values; a value
changed on the admin page is stored in the `settings` table and overrides the file's. The
service reads its configuration through `EditableSettings.effective()`, so a change applies
to the next points computation and self-check without a restart; other processes on the
same database pick it up within `ttl` seconds.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import delete, select

from api.errors import ServiceError
from review import clock
from review.brief import CATEGORY_NAMES_ZH, LEVEL_NAMES_ZH
from review.config import ReviewConfig
from storage.db import transaction
from storage.tables import AuditEntry, Setting


@dataclass(frozen=True)
class Editable:
    """One editable value: its key in the configuration, its name, group and upper bound."""

    key: str
    label: str
    group: str
    maximum: float
    unit: str


def _editables() -> list[Editable]:
    levels = ("county", "city", "province", "central")
    out = [Editable("points.submitted", "每条报送", "积分表", 1000, "分")]
    out += [Editable(f"points.adoption.{lv}", f"{LEVEL_NAMES_ZH.get(lv, lv)}采用", "积分表", 1000, "分")
            for lv in levels]
    out += [Editable(f"points.adoption_compiled.{lv}", f"{LEVEL_NAMES_ZH.get(lv, lv)}采用(综合编辑)", "积分表", 1000, "分")
            for lv in levels]
    out += [Editable(f"points.instruction.{lv}", f"{LEVEL_NAMES_ZH.get(lv, lv)}领导批示", "积分表", 1000, "分")
            for lv in levels[:3]]
    out += [Editable("freshness.window_days.default", "时效窗口(类别不明)", "时效", 3650, "天")]
    out += [Editable(f"freshness.window_days.{c}", f"时效窗口({name})", "时效", 3650, "天")
            for c, name in CATEGORY_NAMES_ZH.items()]
    out += [Editable("freshness.urgent_deadline_hours", "紧急信息报送时限", "时效", 720, "小时")]
    return out


EDITABLES = _editables()
BY_KEY = {e.key: e for e in EDITABLES}
# A whole table rather than a number: replaced by an upload (api/roster_upload.py), not typed in.
ROSTER_KEY = "proofreading.leaders"


class InvalidSettings(ServiceError):
    """Values refused, with a Chinese message per field (`errors`: key -> message)."""

    code, status = "invalid_setting", 422

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(";".join(f"{BY_KEY[k].label}:{m}" for k, m in errors.items()))


def _lookup(config: ReviewConfig, key: str) -> Any:
    section, *path = key.split(".")
    value = config.section(section)
    for part in path:
        value = value[part]
    return value


def _nest(values: Mapping[str, Any]) -> dict:
    out: dict = {}
    for key, value in values.items():
        *path, last = key.split(".")
        table = out
        for part in path:
            table = table.setdefault(part, {})
        table[last] = value
    return out


def parse_values(values: Mapping[str, Any]) -> dict[str, float]:
    """Form or JSON values by key, as numbers; `InvalidSettings` with every field's problem."""
    parsed, errors = {}, {}
    for key, raw in values.items():
        item = BY_KEY.get(key)
        if item is None:
            raise ServiceError(f"设置项 {key[:60]} 不能在此修改", code="unknown_setting", status=422)
        text = str(raw).strip() if not isinstance(raw, (int, float)) or isinstance(raw, bool) else raw
        if text == "" or isinstance(raw, bool):
            errors[key] = "请填写一个数字"
            continue
        try:
            number = float(text)
        except (TypeError, ValueError):
            errors[key] = f"“{str(raw)[:20]}”不是数字"
            continue
        if not math.isfinite(number):
            errors[key] = "请填写一个数字"
        elif number < 0:
            errors[key] = "不能小于 0"
        elif number > item.maximum:
            errors[key] = f"不能大于 {item.maximum:g}{item.unit}"
        else:
            parsed[key] = int(number) if number == int(number) else number
    if errors:
        raise InvalidSettings(errors)
    return parsed


class EditableSettings:
    """The file's configuration with the administrator's stored overrides merged over it."""

    def __init__(self, base: ReviewConfig, sessions, *, ttl: float = 2.0) -> None:
        self.base = base
        self.sessions = sessions
        self.ttl = ttl
        self._lock = threading.Lock()
        self._effective = base
        self._checked_at = -math.inf

    def _load(self) -> dict[str, Any]:
        with self.sessions() as session:
            return {row.key: row.value for row in session.scalars(select(Setting))
                    if row.key in BY_KEY or row.key == ROSTER_KEY}

    def effective(self) -> ReviewConfig:
        """The configuration in force: re-read from the database at most every `ttl` seconds."""
        if time.monotonic() - self._checked_at < self.ttl:
            return self._effective
        with self._lock:
            if time.monotonic() - self._checked_at >= self.ttl:
                self._effective = self.base.merged(_nest(self._load()))
                self._checked_at = time.monotonic()
            return self._effective

    def describe(self) -> list[dict]:
        """Every editable value: key, name, group, unit, value in force and the file's value."""
        config, stored = self.effective(), self._load()
        return [{"key": e.key, "label": e.label, "group": e.group, "unit": e.unit, "value": _lookup(config, e.key),
                 "file_value": _lookup(self.base, e.key), "overridden": e.key in stored} for e in EDITABLES]

    def update(self, user_id: int | None, values: Mapping[str, Any]) -> list[dict]:
        """Store changed values (a value equal to the file's removes its override) and record
        one audit entry listing each change old → new; returns the changes."""
        parsed = parse_values(values)
        current = self.effective()
        changes = [{"key": k, "label": BY_KEY[k].label, "old": _lookup(current, k), "new": v}
                   for k, v in parsed.items() if _lookup(current, k) != v]
        if not changes:
            return []
        self.base.merged(_nest({**self._load(), **parsed}))  # the merged whole must hold
        now = clock.now()
        with transaction(self.sessions) as session:
            for change in changes:
                key, value = change["key"], change["new"]
                session.execute(delete(Setting).where(Setting.key == key))
                if value != _lookup(self.base, key):
                    session.add(Setting(key=key, value=value, updated_by=user_id, updated_at=now))
            session.add(AuditEntry(user_id=user_id, action="setting_change", target="积分与时效设置",
                                   detail={"changes": changes}, created_at=now))
        with self._lock:
            self._checked_at = -math.inf  # this process applies it at once
        return changes

    def roster(self) -> dict:
        """The roster in force: its entries, and who uploaded it when (None: the configuration file's)."""
        with self.sessions() as session:
            row = session.get(Setting, ROSTER_KEY)
            uploaded = {"by": row.updated_by, "at": clock.localize(row.updated_at).isoformat()} if row else None
        return {"entries": [dict(e) for e in self.effective().section("proofreading")["leaders"]],
                "uploaded": uploaded}

    def set_roster(self, user_id: int | None, entries: list[dict] | None, *, source: str = "") -> int:
        """Replace the roster with `entries` (checked ones, api/roster_upload.py), or go back to the
        file's with None; audited. Returns the number of entries now in force."""
        if entries is not None:
            self.base.merged(_nest({ROSTER_KEY: entries}))  # the whole configuration must still hold
        now = clock.now()
        with transaction(self.sessions) as session:
            session.execute(delete(Setting).where(Setting.key == ROSTER_KEY))
            if entries is not None:
                session.add(Setting(key=ROSTER_KEY, value=entries, updated_by=user_id, updated_at=now))
            count = len(entries) if entries is not None else len(self.base.section("proofreading")["leaders"])
            session.add(AuditEntry(user_id=user_id, action="roster_upload" if entries is not None else "roster_reset",
                                   target="领导名单", detail={"count": count, "file": source[:200]}, created_at=now))
        with self._lock:
            self._checked_at = -math.inf
        return count
