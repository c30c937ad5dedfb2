"""Per-brief text analysis, computed once and shared by every check and the ranking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from review.brief import Brief
from review.config import ReviewConfig
from review.lexicon import (ANALYSIS_CUES, CLASSIFIED, FIGURE, ISSUE_CUES, MEETING_VERBS, PROPOSAL_CUES,
                            RESULT_CUES, SUPERLATIVES)
from review.timeparse import EventTime, event_time

_SPACE = re.compile(r"\s+")


def count_chars(text: str) -> int:
    """Characters without whitespace: how officers and editors count length."""
    return len("".join(text.split()))  # str.split and the regex \s agree on what is whitespace


class Match(NamedTuple):
    """A cue found in `Brief.text`: the matched words and their offsets (a tuple: briefs have many)."""

    text: str
    start: int
    end: int


def _matches(pattern: re.Pattern, text: str) -> tuple[Match, ...]:
    return tuple(Match(m.group(), *m.span()) for m in pattern.finditer(text))


@dataclass(frozen=True)
class TextAnalysis:
    """What the checks need to know about a brief's text. Offsets are into `Brief.text`."""

    title_chars: int
    body_chars: int
    body_offset: int
    figures: tuple[Match, ...]
    superlatives: tuple[Match, ...]
    classified: tuple[Match, ...]
    meeting_verbs_in_title: tuple[Match, ...]
    result_cues: int
    issue_cues: int
    proposal_cues: int
    analysis_cues: int
    event: EventTime


def analyse(brief: Brief, config: ReviewConfig) -> TextAnalysis:
    """Analyse one brief (pure: the same brief and configuration give the same result)."""
    text = brief.text
    body_offset = len(brief.title) + 1 if brief.title and brief.body else 0
    body = brief.body
    event = event_time(brief.title, body, brief.submitted_at,
                       lead_sentences=int(config.section("freshness")["lead_sentences"]))
    title_end = len(brief.title)
    return TextAnalysis(
        title_chars=count_chars(brief.title),
        body_chars=count_chars(body),
        body_offset=body_offset,
        figures=_matches(FIGURE, text),
        superlatives=_matches(SUPERLATIVES, text),
        classified=_matches(CLASSIFIED, text),
        meeting_verbs_in_title=tuple(m for m in _matches(MEETING_VERBS, text) if m.end <= title_end) if brief.title else (),
        result_cues=len(RESULT_CUES.findall(body)),
        issue_cues=len(ISSUE_CUES.findall(text)),
        proposal_cues=len(PROPOSAL_CUES.findall(text)),
        analysis_cues=len(ANALYSIS_CUES.findall(body)),
        event=event,
    )
