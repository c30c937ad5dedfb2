"""The output domain objects: flags, duplicate matches and the `Review` of one brief."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Flag:
    """One finding of a check: a stable code, a severity, a Chinese fix-it message and evidence.

    `span` is the (start, end) character offset of the evidence in `Brief.text`, when the
    evidence is a piece of the text, so pages can highlight it. `spans` holds every
    occurrence the check found (the first is `span`): a flag about exaggeration marks each
    superlative, not only the first. A flag built with `span` alone has `spans == (span,)`.
    """

    code: str
    severity: str
    message: str
    evidence: str = ""
    span: tuple[int, int] | None = None
    # The certain corrections of this finding: the replacement of the evidence, and every
    # (start, end, replacement) edit of `Brief.text` it stands for (one flag may cover several
    # occurrences, e.g. every half-width comma). Empty when no replacement is certain.
    suggestion: str | None = None
    fixes: tuple[tuple[int, int, str], ...] = ()
    spans: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if self.span is not None and not self.spans:
            object.__setattr__(self, "spans", (tuple(self.span),))
        elif self.spans and self.span is None:
            object.__setattr__(self, "span", tuple(self.spans[0]))

    def to_dict(self) -> dict:
        """The flag as JSON: `span` (the first occurrence) stays for older readers, `spans` lists all."""
        out = {"code": self.code, "severity": self.severity, "message": self.message, "evidence": self.evidence}
        if self.span is not None:
            out["span"] = list(self.span)
            out["spans"] = [list(s) for s in self.spans]
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion
            out["fixes"] = [{"start": a, "end": b, "text": t} for a, b, t in self.fixes]
        return out


@dataclass(frozen=True)
class DuplicateMatch:
    """An earlier brief that the reviewed one nearly copies ("copy") or reports the same event as."""

    id: str
    unit: str
    similarity: float
    submitted_at: str | None = None
    kind: str = "copy"

    def to_dict(self) -> dict:
        out = {"id": self.id, "unit": self.unit, "similarity": round(self.similarity, 3), "kind": self.kind}
        if self.submitted_at:
            out["submitted_at"] = self.submitted_at
        return out


@dataclass(frozen=True)
class AdoptionEstimate:
    """Probability of adoption at any level, the level distribution and expected points."""

    probability: float
    expected_points: float
    level_probs: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"probability": round(self.probability, 4), "expected_points": round(self.expected_points, 3),
                "level_probs": {k: round(v, 4) for k, v in self.level_probs.items()}}


@dataclass(frozen=True)
class Review:
    """Everything the engine says about one brief (the review JSON contract)."""

    id: str
    category: str
    category_scores: Mapping[str, float]
    urgent: bool
    urgent_probability: float
    adoption: AdoptionEstimate
    priority: float
    priority_reasons: Mapping[str, float]
    flags: tuple[Flag, ...]
    duplicates: tuple[DuplicateMatch, ...]
    model_version: str
    # The time expression the staleness check read: {text, start, end, begin, until} (offsets
    # into Brief.text), or None when the text dates nothing.
    event_time: Mapping | None = None
    unit: str | None = None
    # Why this category: the phrases that pushed the classifier to it, [{text, start, end,
    # weight}] (offsets into Brief.text). Filled for self-checks and submissions; empty in
    # batch scoring, where nobody reads them.
    category_evidence: tuple[Mapping, ...] = ()

    @property
    def flag_codes(self) -> tuple[str, ...]:
        """The codes of all flags, in order."""
        return tuple(f.code for f in self.flags)

    def to_dict(self) -> dict:
        """The review as the JSON object other programs rely on."""
        return {
            "id": self.id,
            "unit": self.unit,
            "category": self.category,
            "category_scores": {k: round(v, 4) for k, v in self.category_scores.items()},
            "urgent": self.urgent,
            "urgent_probability": round(self.urgent_probability, 4),
            "adoption": self.adoption.to_dict(),
            "priority": round(self.priority, 4),
            "priority_reasons": {k: round(v, 4) for k, v in self.priority_reasons.items()},
            "flags": [f.to_dict() for f in self.flags],
            "duplicates": [d.to_dict() for d in self.duplicates],
            "event_time": dict(self.event_time) if self.event_time is not None else None,
            "category_evidence": [dict(e) for e in self.category_evidence],
            "model_version": self.model_version,
        }
