"""The input domain object: one brief as an officer submits it, with optional labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

# The zone the sample data and the tests are written in; the service uses review.clock.office_zone().
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

CATEGORIES: tuple[str, ...] = ("routine", "experience", "problem", "proposal", "trend")
CATEGORY_NAMES_ZH = {
    "routine": "动态",
    "experience": "经验",
    "problem": "问题",
    "proposal": "建议",
    "trend": "苗头",
}
ADOPTION_LEVELS: tuple[str, ...] = ("none", "county", "city", "province", "central")
INSTRUCTION_LEVELS: tuple[str, ...] = ("none", "county", "city", "province")
LEVEL_NAMES_ZH = {"none": "未采用", "county": "县级", "city": "市级", "province": "省级", "central": "中央"}


@dataclass(frozen=True)
class Adoption:
    """What editors did with a brief: highest adoption level and highest 批示 level."""

    level: str = "none"
    instruction: str = "none"

    @property
    def adopted(self) -> bool:
        """True when any publication adopted the brief."""
        return self.level != "none"


@dataclass(frozen=True)
class Labels:
    """Editor labels of a brief, used for training and evaluation only."""

    categories: tuple[str, ...]
    urgent: bool = False
    adoption: Adoption | None = None
    duplicate_of: str | None = None

    @property
    def category(self) -> str:
        """The primary category."""
        return self.categories[0]


@dataclass(frozen=True)
class Brief:
    """One brief: who sent it, when, and its text. Times are timezone-aware."""

    id: str
    unit: str
    title: str
    body: str
    submitted_at: datetime
    event_at: datetime | None = None
    labels: Labels | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """Title and body as one text, title first."""
        if self.title and self.body:
            return f"{self.title}\n{self.body}"
        return self.title or self.body
