"""Adoption: the features the adoption model reads, and expected points from the table.

The features are built from what the engine already knows about a brief (category
probabilities, urgency, text analysis, flags), so training and scoring compute them
the same way. Points come from configuration, never from the model, so an office can
change its table without retraining.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from review.analysis import TextAnalysis
from review.brief import CATEGORIES
from review.config import ReviewConfig
from review.history import effective_decisions
from review.result import Flag

FLAG_FEATURES = ("stale", "duplicate", "routine_news", "no_analysis", "vague_figures", "too_long", "too_short",
                 "body_missing", "late_urgent", "exaggeration", "title_missing")
FEATURE_NAMES = ([f"p_{c}" for c in CATEGORIES]
                 + ["p_urgent", "body_len", "has_title", "figures", "analysis", "proposal", "results", "superlatives"]
                 + [f"flag_{c}" for c in FLAG_FEATURES])


def adoption_features(probs: np.ndarray, urgent_probs: np.ndarray, analyses: Sequence[TextAnalysis],
                      flags: Sequence[Sequence[Flag]]) -> np.ndarray:
    """One row of adoption features per brief (column names in `FEATURE_NAMES`)."""
    out = np.zeros((len(analyses), len(FEATURE_NAMES)))
    for i, (a, fl) in enumerate(zip(analyses, flags)):
        codes = {f.code for f in fl}
        row = [*probs[i], urgent_probs[i], math.log1p(a.body_chars), 1.0 if a.title_chars else 0.0,
               math.log1p(len(a.figures)), math.log1p(a.analysis_cues), math.log1p(a.proposal_cues),
               math.log1p(a.result_cues), float(len(a.superlatives) > 0)]
        row += [1.0 if code in codes else 0.0 for code in FLAG_FEATURES]
        out[i] = row
    return out


def expected_points(level_probs: Mapping[str, float], instruction_probs: Mapping[str, float],
                    config: ReviewConfig) -> float:
    """Expected adoption plus 批示 points under the configured table.

    Only the highest adoption and the highest 批示 count for one brief (DOMAIN.md), which
    the level distributions already express: each brief has exactly one highest level.
    The flat points for submitting are left out: every brief earns them.
    """
    table = config.section("points")
    points = sum(p * table["adoption"].get(level, 0.0) for level, p in level_probs.items())
    points += sum(p * table["instruction"].get(level, 0.0) for level, p in instruction_probs.items())
    return float(points)


def realised_points(level: str, instruction: str, config: ReviewConfig, *, compiled: bool = False) -> float:
    """Points a brief actually earned (submission excluded), from its outcome."""
    table = config.section("points")
    key = "adoption_compiled" if compiled else "adoption"
    return float(table[key].get(level, 0.0) + table["instruction"].get(instruction, 0.0))


def decision_points(decisions, config: ReviewConfig) -> dict[str, float]:
    """Points a brief earned from editors' decisions (objects with action, level, compiled):
    submission, the highest adoption (compiled-piece rate when compiled), the highest 批示.
    Undone decisions earn nothing (review.history)."""
    table = config.section("points")
    decisions = effective_decisions(decisions)
    adoption = max([table["adoption_compiled" if d.compiled else "adoption"].get(d.level, 0.0)
                    for d in decisions if d.action == "adopt"], default=0.0)
    instruction = max([table["instruction"].get(d.level, 0.0) for d in decisions if d.action == "instruction"],
                      default=0.0)
    return {"submitted": table["submitted"], "adoption": adoption, "instruction": instruction,
            "total": table["submitted"] + adoption + instruction}
