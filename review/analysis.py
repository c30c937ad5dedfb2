"""Per-brief text analysis, computed once and shared by every check and the ranking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from review.brief import Brief
from review.config import ReviewConfig
from review.cues import CueMatches, figures_in_text
from review.cues import scan as scan_cues
from review.lexicon import ANALYSIS_CUES, ISSUE_CUES, MEETING_VERBS, PROPOSAL_CUES, RESULT_CUES, SUPERLATIVES
from review.markings import MarkingFinder
from review.timeparse import EventTime, event_time

def count_chars(text: str) -> int:
    """Characters without whitespace: how officers and editors count length."""
    return len("".join(text.split()))  # str.split and the regex \s agree on what is whitespace


class Match(NamedTuple):
    """A cue found in `Brief.text`: the matched words and their offsets."""

    text: str
    start: int
    end: int


def _matches(pattern: re.Pattern, title: CueMatches, body: CueMatches, text: str, body_offset: int
             ) -> tuple[Match, ...]:
    """A cue list's matches in `text` (title, line break, body) from those in the title and the body."""
    in_title, in_body = title[pattern], body[pattern]
    if not in_title and not in_body:
        return ()
    spans = in_title + tuple((a + body_offset, b + body_offset) for a, b in in_body)
    return tuple(Match(text[a:b], a, b) for a, b in spans)


@dataclass(frozen=True)
class TextAnalysis:
    """What the checks need to know about a brief's text. Offsets are into `Brief.text`."""

    title_chars: int
    body_chars: int
    body_offset: int
    figures: tuple[int, ...]  # where each figure (a number with its unit, a percentage) starts
    superlatives: tuple[Match, ...]
    classified: tuple[Match, ...]
    meeting_verbs_in_title: tuple[Match, ...]
    result_cues: int
    issue_cues: int
    proposal_cues: int
    analysis_cues: int
    event: EventTime


@lru_cache(maxsize=8)
def _marking_finder(words: tuple[tuple[str, tuple[str, ...]], ...]) -> MarkingFinder:
    return MarkingFinder(dict(words))


def _finder(config: ReviewConfig) -> MarkingFinder:
    """The marking patterns of a configuration, compiled once per set of marker words."""
    return _marking_finder(tuple((k, tuple(v)) for k, v in sorted(config.section("classified").items())))


def analyse(brief: Brief, config: ReviewConfig) -> TextAnalysis:
    """Analyse one brief (pure: the same brief and configuration give the same result)."""
    text = brief.text
    body_offset = len(brief.title) + 1 if brief.title and brief.body else 0
    body = brief.body
    event = event_time(brief.title, body, brief.submitted_at,
                       lead_sentences=int(config.section("freshness")["lead_sentences"]))
    # Cue words hold no line break: their matches in the text are the title's, then the body's.
    in_title, in_body = scan_cues(brief.title), scan_cues(body)
    return TextAnalysis(
        title_chars=count_chars(brief.title),
        body_chars=count_chars(body),
        body_offset=body_offset,
        figures=figures_in_text(brief.title, body),
        superlatives=_matches(SUPERLATIVES, in_title, in_body, text, body_offset),
        classified=tuple(Match(*m) for m in _finder(config).find(text)),
        meeting_verbs_in_title=tuple(Match(text[a:b], a, b) for a, b in in_title[MEETING_VERBS]),
        result_cues=in_body.count(RESULT_CUES),
        issue_cues=in_title.count(ISSUE_CUES) + in_body.count(ISSUE_CUES),
        proposal_cues=in_title.count(PROPOSAL_CUES) + in_body.count(PROPOSAL_CUES),
        analysis_cues=in_body.count(ANALYSIS_CUES),
        event=event,
    )
