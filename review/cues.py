"""The cue phrases of `review.lexicon` found in a text, every list in one pass.

Counting cues with one `re.findall` per list scans a brief twenty-odd times (the
classifier's features and the analysis both count them). Here one Aho-Corasick automaton
over the words of every list finds all occurrences in a single pass, and each list's
matches are then exactly what its regex finds: from left to right, the longest of its
words at the leftmost position not inside its previous match (the lexicon's alternations
put longer words first, so that is the one the regex takes).

    found = scan(text)
    found[RESULT_CUES]   # ((start, end), ...) as RESULT_CUES.finditer(text) would give

Cue words hold no line break, so the matches in "title\\nbody" are the title's followed by
the body's: callers scan title and body apart and share the results (`scan` keeps the
last few thousand texts, so the features and the analysis of a brief scan it once).
"""

from __future__ import annotations

import re
from functools import lru_cache

import ahocorasick

from review.lexicon import WORDS

_PATTERNS: list[re.Pattern] = list(WORDS)


def _automaton() -> ahocorasick.Automaton:
    lists: dict[str, list[int]] = {}
    for number, pattern in enumerate(_PATTERNS):
        for word in WORDS[pattern]:
            if "\n" in word:
                raise ValueError(f"cue word {word!r} holds a line break")
            lists.setdefault(word, []).append(number)
    automaton = ahocorasick.Automaton()
    for word, numbers in lists.items():
        automaton.add_word(word, (len(word), tuple(numbers)))
    automaton.make_automaton()
    return automaton


_AUTOMATON = _automaton()


@lru_cache(maxsize=8192)
def _scan(text: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    occurrences = sorted((end - length + 1, -length, numbers) for end, (length, numbers) in _AUTOMATON.iter(text))
    found: list[list[tuple[int, int]]] = [[] for _ in _PATTERNS]
    free = [0] * len(_PATTERNS)  # where each list's next match may start
    for start, minus_length, numbers in occurrences:  # leftmost first, longest first at a position
        for number in numbers:
            if start >= free[number]:
                end = start - minus_length
                found[number].append((start, end))
                free[number] = end
    return tuple(tuple(spans) for spans in found)


class CueMatches:
    """The spans of every cue list's matches in one text, looked up by the list's pattern."""

    __slots__ = ("_spans",)

    def __init__(self, spans: tuple[tuple[tuple[int, int], ...], ...]) -> None:
        self._spans = spans

    def __getitem__(self, pattern: re.Pattern) -> tuple[tuple[int, int], ...]:
        return self._spans[_INDEX[pattern]]

    def count(self, pattern: re.Pattern) -> int:
        return len(self._spans[_INDEX[pattern]])


_INDEX = {pattern: number for number, pattern in enumerate(_PATTERNS)}


def scan(text: str) -> CueMatches:
    """Every cue list's matches in `text` (the same as each list's `finditer`)."""
    return CueMatches(_scan(text))
