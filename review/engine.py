"""The review engine: briefs in, reviews out. One code path for a draft and an archive.

    probs, urgent = model.predict_proba(columns(briefs))      # pure prediction
    duplicates    = find_duplicates(briefs, archive=...)       # against earlier briefs
    inspections   = inspect_briefs(briefs, probs, urgent, duplicates, config)  # analysis + checks
    reviews       = build_reviews(...)                         # adoption, priority, Review objects

`model` is anything with `predict_proba(X) -> (probs, urgent_probs)`,
`predict_outcomes(F) -> (adoption level probs, 批示 level probs)`, `version`, and
optionally `embed(briefs)` for "same event" duplicates (`models.BriefModel`); this
package does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Protocol, Sequence

import numpy as np

from review.analysis import TextAnalysis, analyse
from review.brief import CATEGORIES, Brief
from review.checks import CheckContext, load_checks, run_checks
from review.config import ReviewConfig, default_config
from review.duplicates import find_duplicates
from review.outcome import adoption_features, expected_points
from review.ranking import priority_components
from review.result import AdoptionEstimate, DuplicateMatch, Flag, Review


class ReviewModel(Protocol):
    """What the engine needs of a model."""

    version: str

    def predict_proba(self, X) -> tuple[np.ndarray, np.ndarray]: ...

    def predict_outcomes(self, F: np.ndarray) -> tuple[dict, dict]: ...


@dataclass(frozen=True)
class Inspection:
    """A brief's analysis and flags, before adoption and priority."""

    analysis: TextAnalysis
    flags: tuple[Flag, ...]
    category: str
    urgent: bool


def columns(briefs: Sequence[Brief]) -> np.ndarray:
    """The (n, 2) [title, body] array the models take."""
    arr = np.empty((len(briefs), 2), dtype=object)
    for i, b in enumerate(briefs):
        arr[i, 0], arr[i, 1] = b.title, b.body
    return arr


def inspect_briefs(briefs: Sequence[Brief], probs: np.ndarray, urgent_probs: np.ndarray,
                   duplicates: Sequence[Sequence[DuplicateMatch]], config: ReviewConfig) -> list[Inspection]:
    """Analyse and check each brief given the model's outputs and its duplicates."""
    checks = load_checks()
    threshold = float(config.section("classifier")["urgent_threshold"])
    out = []
    for brief, p, u, dups in zip(briefs, probs, urgent_probs, duplicates):
        analysis = analyse(brief, config)
        category = CATEGORIES[int(np.argmax(p))]
        urgent = bool(u >= threshold)
        context = CheckContext(config=config, analysis=analysis, category=category,
                               category_scores=dict(zip(CATEGORIES, map(float, p))), urgent=urgent,
                               duplicates=tuple(dups))
        out.append(Inspection(analysis, tuple(run_checks(brief, context, checks)), category, urgent))
    return out


def build_reviews(briefs: Sequence[Brief], probs: np.ndarray, urgent_probs: np.ndarray,
                  duplicates: Sequence[Sequence[DuplicateMatch]], inspections: Sequence[Inspection],
                  model: ReviewModel, config: ReviewConfig) -> list[Review]:
    """Turn prediction arrays and inspections into `Review` objects (adoption and priority)."""
    if not briefs:
        return []
    F = adoption_features(probs, urgent_probs, [i.analysis for i in inspections], [i.flags for i in inspections])
    level_probs, instruction_probs = model.predict_outcomes(F)
    reviews = []
    for n, (brief, ins) in enumerate(zip(briefs, inspections)):
        levels = {k: float(v[n]) for k, v in level_probs.items()}
        instructions = {k: float(v[n]) for k, v in instruction_probs.items()}
        points = expected_points(levels, instructions, config)
        estimate = AdoptionEstimate(probability=1.0 - levels.get("none", 0.0), expected_points=points,
                                    level_probs=levels)
        reasons = priority_components(brief, ins.analysis, probs[n], ins.category, float(urgent_probs[n]), points,
                                      ins.flags, config)
        latest = ins.analysis.event.latest
        reviews.append(Review(
            id=brief.id, unit=brief.unit, category=ins.category,
            category_scores=dict(zip(CATEGORIES, map(float, probs[n]))),
            urgent=ins.urgent, urgent_probability=float(urgent_probs[n]), adoption=estimate,
            priority=sum(reasons.values()), priority_reasons=reasons, flags=ins.flags,
            duplicates=tuple(duplicates[n]), model_version=model.version,
            event_time=None if latest is None else {
                "text": latest.text, "start": latest.start, "end": latest.end,
                "begin": latest.begin.isoformat(), "until": latest.until.isoformat()}))
    return reviews


def review_briefs(briefs: Sequence[Brief], model: ReviewModel, *, config: ReviewConfig | None = None,
                  archive: Iterable[Brief] = (), duplicates: Sequence[Sequence[DuplicateMatch]] | None = None,
                  explain: bool = False) -> list[Review]:
    """Review a batch of briefs, checking duplicates against `archive` and earlier briefs of the batch.

    Pass `duplicates` to use matches found elsewhere (a persistent index) instead. With
    `explain`, each review carries the phrases behind its category (when the model can say).
    """
    config = config or default_config()
    briefs = list(briefs)
    probs, urgent_probs = model.predict_proba(columns(briefs))
    if duplicates is None:
        duplicates = find_duplicates(briefs, config=config, archive=list(archive),
                                     embed=getattr(model, "embed", None))
    inspections = inspect_briefs(briefs, probs, urgent_probs, duplicates, config)
    reviews = build_reviews(briefs, probs, urgent_probs, duplicates, inspections, model, config)
    evidence = getattr(model, "category_evidence", None) if explain else None
    if evidence is not None:
        reviews = [replace(r, category_evidence=tuple(evidence(b.title, b.body, r.category)))
                   for b, r in zip(briefs, reviews)]
    return reviews


def review_in_chunks(briefs: Sequence[Brief], model: ReviewModel, *, config: ReviewConfig | None = None,
                     archive: Iterable[Brief] = (), chunk_size: int = 512,
                     progress: Callable[[int], None] | None = None) -> list[Review]:
    """`review_briefs` in chunks, reporting progress; duplicates are found over the whole batch first."""
    config = config or default_config()
    briefs = list(briefs)
    duplicates = find_duplicates(briefs, config=config, archive=list(archive), embed=getattr(model, "embed", None))
    out: list[Review] = []
    for start in range(0, len(briefs), chunk_size):
        chunk = briefs[start:start + chunk_size]
        out.extend(review_briefs(chunk, model, config=config, duplicates=duplicates[start:start + chunk_size]))
        if progress is not None:
            progress(len(chunk))
    return out
