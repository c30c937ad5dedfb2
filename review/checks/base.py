"""The check interface and registry.

A check declares a stable `code`, its `severity`, its Chinese name (`name_zh`, what pages,
the terminal report and the queue's reasons call it), its queue `penalty` (subtracted from
the quality component of the priority; `[priority] flag_penalty` of the configuration
overrides it per code), a description, the configuration keys it reads, and
`check(brief, context) -> list[Flag]`. Every module of this package is imported by
`load_checks()`, and each registers its check with `@register`: adding a check means
adding one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Mapping, Sequence

from review.analysis import Match, TextAnalysis
from review.brief import Brief
from review.config import ReviewConfig
from review.result import DuplicateMatch, Flag

REGISTRY: dict[str, "Check"] = {}


@dataclass(frozen=True)
class CheckContext:
    """What a check may read besides the brief: configuration, analysis, model outputs."""

    config: ReviewConfig
    analysis: TextAnalysis
    category: str
    category_scores: Mapping[str, float]
    urgent: bool
    duplicates: tuple[DuplicateMatch, ...] = field(default=())


class Check:
    """Base class: subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    severity: ClassVar[str]
    name_zh: ClassVar[str]
    penalty: ClassVar[float] = 0.0
    # Further codes the check may emit (code: Chinese name); their penalty is 0.
    other_codes: ClassVar[Mapping[str, str]] = {}
    description: ClassVar[str]
    thresholds: ClassVar[tuple[str, ...]] = ()

    def check(self, brief: Brief, context: CheckContext) -> list[Flag]:  # pragma: no cover - interface
        raise NotImplementedError

    def flag(self, message: str, evidence: str = "", match: Match | None = None, *, code: str | None = None,
             severity: str | None = None, matches: Sequence[Match] = ()) -> Flag:
        """A flag of this check; `match` gives the evidence and its span in the text, `matches`
        every occurrence (the first is the evidence)."""
        found = tuple(matches) or ((match,) if match is not None else ())
        if found:
            return Flag(code or self.code, severity or self.severity, message, found[0].text,
                        (found[0].start, found[0].end), spans=tuple((m.start, m.end) for m in found))
        return Flag(code or self.code, severity or self.severity, message, evidence)


def register(cls: type[Check]) -> type[Check]:
    """Class decorator: add one instance of the check to `REGISTRY` under its code."""
    if cls.code in REGISTRY:
        raise ValueError(f"duplicate check code {cls.code}")
    if not getattr(cls, "name_zh", "") or not 0 <= cls.penalty <= 1:
        raise ValueError(f"check {cls.code} must declare name_zh and a penalty between 0 and 1")
    REGISTRY[cls.code] = cls()
    return cls
