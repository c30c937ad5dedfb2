"""Urgent incidents by severity tier: the casualty figures a text states, and the tier they put it in.

Offices set different written-report deadlines by the severity of an incident (特别重大 /
重大 / 较大 / 一般: 30 minutes by phone and 1 hour in writing for the major ones, longer for
ordinary ones). The tiers are configuration (`[urgent_tiers]` in defaults.toml); this
module reads the figures of deaths, injuries and people affected (evacuated, relocated)
from the text, in Arabic or Chinese numerals, and picks the first tier, most severe
first, whose criteria the figures or the event-type keywords meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from review.errors import ConfigError

_DIGIT = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

# A count: Arabic digits (decimals for 万: "3.2万") or Chinese numerals, then 余/多 and 万.
_NUM = r"(?P<n>\d+(?:\.\d+)?|[零〇○一二两三四五六七八九十百千]+)(?P<wan>余万|多万|万余|万多|万)?(?:余|多)?"
_PEOPLE = r"(?:人|名|位)"
_DEATH = r"(?:死亡|遇难|罹难|身亡|丧生|殒命)"
_HURT = r"(?:受伤|重伤|轻伤|受轻伤|受重伤|受轻微伤|不同程度受伤|烧伤|烫伤|中毒)"
_MOVE = r"(?:转移|疏散|撤离|安置|转移安置|紧急转移|受灾)"

_DEATH_PATTERNS = (
    re.compile(_NUM + _PEOPLE + r"(?:经抢救无效|当场|不幸|先后)?" + _DEATH),
    re.compile(_DEATH + r"(?:人数|人员)?(?:已|已经)?(?:升至|上升至|上升到|增至|增加到|增加至|达到|达|为)?" + _NUM + _PEOPLE),
)
_HURT_PATTERNS = (
    re.compile(_NUM + _PEOPLE + r"(?:人员)?(?:不同程度)?" + _HURT),
    re.compile(_HURT + r"(?:人数|人员)?(?:已|已经)?(?:升至|上升至|增至|达到|达|为)?" + _NUM + _PEOPLE),
)
_AFFECTED_PATTERNS = (
    re.compile(_MOVE + r"(?:转移|安置)?(?:周边|附近|沿线|下游|受灾|受困|受威胁)?(?:群众|人员|人口|居民|村民|师生|游客)?"
               r"(?:共计|共|约|近|超过)?"
               + _NUM + _PEOPLE),
    re.compile(_NUM + _PEOPLE + r"(?:群众|人员|居民|村民|师生|游客)?(?:被|已|已被)?(?:紧急)?" + _MOVE),
)
# Statements that nobody died or was hurt: figures of zero, not "no figure".
_NONE_HURT = re.compile(r"(?:无|未造成|没有造成|未发生|暂无|未有|没有)(?:人员)?伤亡")
_NONE_DEAD = re.compile(r"(?:无|未造成|没有造成|暂无|未有|没有)(?:人员)?(?:死亡|遇难)")


def cn_count(text: str) -> int | None:
    """'27', '十五', '二十三', '一百二十', '三千零五', '两' as an int; None if it is not a count."""
    text = text.translate(_FULLWIDTH)
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGIT and ch not in _UNIT for ch in text):
        return None
    if not any(ch in _UNIT for ch in text):  # digit by digit: "二〇" is rare in counts but read as written
        value = 0
        for ch in text:
            value = value * 10 + _DIGIT[ch]
        return value
    total, digit = 0, None
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        else:
            total += (1 if digit is None else digit) * _UNIT[ch]
            digit = None
    return total + (digit or 0)


def _value(match: re.Match) -> int | None:
    raw = match.group("n").translate(_FULLWIDTH)
    if "." in raw:
        try:
            number = float(raw)
        except ValueError:
            return None
    else:
        number = cn_count(raw)
        if number is None:
            return None
    if match.group("wan"):
        number *= 10000
    return int(number)


def _most(patterns: Sequence[re.Pattern], text: str) -> int | None:
    """The largest figure the patterns find (a later "死亡人数升至5人" supersedes "造成2人死亡")."""
    values = [v for p in patterns for m in p.finditer(text) if (v := _value(m)) is not None]
    return max(values) if values else None


@dataclass(frozen=True)
class Casualties:
    """The figures a text states; None when it states none (unknown, not zero)."""

    deaths: int | None = None
    injuries: int | None = None
    affected: int | None = None

    def describe(self) -> str:
        """The figures read, in Chinese, for messages ("死亡2人、受伤3人"; "未读到伤亡数字")."""
        parts = [f"{label}{value}人" for label, value in
                 (("死亡", self.deaths), ("受伤", self.injuries), ("转移疏散或受灾", self.affected))
                 if value is not None]
        if self.deaths == 0 and self.injuries == 0:
            parts = ["无人员伤亡"] + [p for p in parts if not p.startswith(("死亡", "受伤"))]
        return "、".join(parts) if parts else "未读到伤亡数字"


def read_casualties(text: str) -> Casualties:
    """Deaths, injuries and people affected as the text states them (the largest figure of each)."""
    deaths = _most(_DEATH_PATTERNS, text)
    injuries = _most(_HURT_PATTERNS, text)
    if _NONE_HURT.search(text):
        deaths = 0 if deaths is None else deaths
        injuries = 0 if injuries is None else injuries
    elif deaths is None and _NONE_DEAD.search(text):
        deaths = 0
    return Casualties(deaths, injuries, _most(_AFFECTED_PATTERNS, text))


@dataclass(frozen=True)
class Tier:
    """One row of the tier table: its name, criteria and deadlines (minutes after the event)."""

    name: str
    deadline_minutes: float
    phone_minutes: float | None = None
    min_deaths: int = 0
    min_injuries: int = 0
    min_affected: int = 0
    keywords: tuple[str, ...] = ()

    def reasons(self, figures: Casualties, text: str) -> list[str]:
        """Why a brief is in this tier (empty when it is not): the criteria it meets."""
        out = []
        for label, needed, value in (("死亡", self.min_deaths, figures.deaths),
                                     ("受伤", self.min_injuries, figures.injuries),
                                     ("转移疏散或受灾", self.min_affected, figures.affected)):
            if needed and value is not None and value >= needed:
                out.append(f"{label}{value}人(≥{needed}人)")
        out += [f"事件类型“{word}”" for word in self.keywords if word in text]
        return out

    @property
    def has_criteria(self) -> bool:
        return bool(self.min_deaths or self.min_injuries or self.min_affected or self.keywords)


@dataclass(frozen=True)
class TierEstimate:
    """The tier a text is put in, the figures read and the criteria met (empty for the default tier)."""

    tier: Tier
    figures: Casualties
    reasons: tuple[str, ...]


_KEYS = {"name", "deadline_minutes", "phone_minutes", "min_deaths", "min_injuries", "min_affected", "keywords"}


def load_tiers(config) -> tuple[Tier, ...]:
    """The tier table of the configuration, most severe first; a tier without `deadline_minutes`
    uses `freshness.urgent_deadline_hours` (the office's single deadline of before)."""
    rows = config.section("urgent_tiers")["tiers"]
    default_minutes = float(config.section("freshness")["urgent_deadline_hours"]) * 60
    if not rows:
        raise ConfigError("urgent_tiers.tiers 至少应有一个级别")
    tiers = []
    for i, row in enumerate(rows):
        where = f"urgent_tiers.tiers[{i}]"
        if not isinstance(row, Mapping) or "name" not in row:
            raise ConfigError(f"配置项 {where} 应为带 name 的表")
        unknown = set(row) - _KEYS
        if unknown:
            raise ConfigError(f"配置项 {where} 中 {', '.join(sorted(unknown))} 不存在,可用项见 review/defaults.toml")
        try:
            tiers.append(Tier(name=str(row["name"]),
                              deadline_minutes=float(row.get("deadline_minutes", default_minutes)),
                              phone_minutes=float(row["phone_minutes"]) if "phone_minutes" in row else None,
                              min_deaths=int(row.get("min_deaths", 0)), min_injuries=int(row.get("min_injuries", 0)),
                              min_affected=int(row.get("min_affected", 0)),
                              keywords=tuple(str(k) for k in row.get("keywords", ()))))
        except (TypeError, ValueError):
            raise ConfigError(f"配置项 {where} 的数值应为非负数") from None
    return tuple(tiers)


def estimate_tier(text: str, tiers: Sequence[Tier]) -> TierEstimate:
    """The first tier (most severe first) whose criteria the text meets, else the last tier."""
    figures = read_casualties(text)
    for tier in tiers:
        reasons = tier.reasons(figures, text)
        if reasons:
            return TierEstimate(tier, figures, tuple(reasons))
    fallback = next((t for t in tiers if not t.has_criteria), tiers[-1])
    return TierEstimate(fallback, figures, ())
