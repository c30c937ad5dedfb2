"""Priority: one number to rank the editors' queue, with its components shown.

priority = sum of weight * component, each component in 0..1:
- adoption: expected points / points_scale (capped at 1),
- category: the editor's value of each category, weighted by the category probabilities,
- urgency: the urgent probability,
- freshness: 1 for a fresh event, falling linearly to 0 at twice the freshness window,
- quality: 1 minus the configured penalty of each flag present.
`priority_reasons` holds each weighted component, so they add up to the priority.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from review.analysis import TextAnalysis
from review.brief import CATEGORIES, Brief
from review.checks import flag_penalties
from review.config import ReviewConfig
from review.result import Flag


def freshness(brief: Brief, analysis: TextAnalysis, category: str, config: ReviewConfig) -> float:
    """1.0 when the event is within its window, falling to 0 at twice the window."""
    latest = analysis.event.latest
    until = latest.until if latest is not None else brief.event_at
    if until is None:
        return float(config.section("priority")["unknown_freshness"])
    window = float(config.per_category("freshness", "window_days", category))
    age = (brief.submitted_at - until).total_seconds() / 86400
    if age <= window:
        return 1.0
    return max(0.0, 1.0 - (age - window) / max(window, 1e-9))


def priority_components(brief: Brief, analysis: TextAnalysis, probs: Sequence[float], category: str,
                        urgent_probability: float, expected: float, flags: Sequence[Flag],
                        config: ReviewConfig) -> dict[str, float]:
    """The weighted components of a brief's priority; their sum is the priority."""
    cfg = config.section("priority")
    weights = cfg["weights"]
    value = sum(p * cfg["category_value"][c] for p, c in zip(probs, CATEGORIES))
    penalties = flag_penalties(cfg["flag_penalty"])
    penalty = sum(penalties.get(code, 0.0) for code in {f.code for f in flags})
    raw = {
        "adoption": min(1.0, expected / float(cfg["points_scale"])),
        "category": value,
        "urgency": float(urgent_probability),
        "freshness": freshness(brief, analysis, category, config),
        "quality": max(0.0, 1.0 - penalty),
    }
    return {name: weights[name] * raw[name] for name in raw}


def rank_queue(reviews: Sequence, *, urgent_first: bool = True) -> list:
    """Reviews best first: urgent items first (if asked), then by priority, then by id."""
    return sorted(reviews, key=lambda r: (not r.urgent if urgent_first else False, -r.priority, r.id))


def explain(reasons: Mapping[str, float]) -> str:
    """A short Chinese reading of the priority components, largest first."""
    names = {"adoption": "预计采用", "category": "类别价值", "urgency": "紧急程度", "freshness": "时效",
             "quality": "质量"}
    parts = sorted(reasons.items(), key=lambda kv: -kv[1])
    return " ".join(f"{names.get(k, k)}{v:.2f}" for k, v in parts)
