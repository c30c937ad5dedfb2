"""The cue phrases of `review.lexicon` found in a text, every list in one pass.

Counting cues with one `re.findall` per list scans a brief twenty-odd times (the
classifier's features and the analysis both count them). Here one Aho-Corasick automaton
over the words of every list (a DFA, `ahocorasick_rs`) finds all occurrences in a single pass, and each list's
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

import ahocorasick_rs

from review.lexicon import FIGURE, WORDS

_PATTERNS: list[re.Pattern] = list(WORDS)


def _automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[tuple[int, ...]]]:
    """The automaton over every cue word, and for each of its words the numbers of the lists holding it."""
    lists: dict[str, list[int]] = {}
    for number, pattern in enumerate(_PATTERNS):
        for word in WORDS[pattern]:
            if "\n" in word:
                raise ValueError(f"cue word {word!r} holds a line break")
            lists.setdefault(word, []).append(number)
    # A DFA over a few hundred words is small, and several times faster than the NFA forms.
    automaton = ahocorasick_rs.AhoCorasick(list(lists), matchkind=ahocorasick_rs.MatchKind.Standard,
                                           implementation=ahocorasick_rs.Implementation.DFA)
    return automaton, [tuple(numbers) for numbers in lists.values()]


_AUTOMATON, _LISTS = _automaton()


@lru_cache(maxsize=8192)
def _scan(text: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    # Every occurrence of every word (offsets in characters), leftmost first, longest first at a position.
    occurrences = sorted((start, -end, word) for word, start, end in
                         _AUTOMATON.find_matches_as_indexes(text, overlapping=True))
    found: list[list[tuple[int, int]]] = [[] for _ in _PATTERNS]
    free = [0] * len(_PATTERNS)  # where each list's next match may start
    for start, minus_end, word in occurrences:
        for number in _LISTS[word]:
            if start >= free[number]:
                found[number].append((start, -minus_end))
                free[number] = -minus_end
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


def list_number(pattern: re.Pattern) -> int:
    """The position of a cue list's count in `counts`."""
    return _INDEX[pattern]


def counts(text: str) -> list[int]:
    """The number of matches of every cue list in `text`, by `list_number`."""
    return [len(spans) for spans in _scan(text)]


@lru_cache(maxsize=8192)
def figure_starts(text: str) -> tuple[int, ...]:
    """Where each `FIGURE` match in `text` starts (kept like `scan`: the features and the analysis share it)."""
    return tuple([m.start() for m in FIGURE.finditer(text)])


# A figure match holds a line break only in its `\s*`, after a digit, a numeral, a space or 同比增长 and
# the like: after a title ending otherwise, the figures of "title\nbody" are the title's, then the body's.
_FIGURE_MAY_CROSS = frozenset("一二两三四五六七八九十百千万长降升少")


def figures_in_text(title: str, body: str) -> tuple[int, ...]:
    """`figure_starts` of the brief's text (title, line break, body), from those of its parts where that is the same."""
    if not title or not body:
        return figure_starts(title or body)
    last = title[-1]
    if last.isdecimal() or last.isspace() or last in _FIGURE_MAY_CROSS:  # `\d` is Unicode Nd, `\s` isspace()
        return figure_starts(f"{title}\n{body}")
    offset = len(title) + 1
    return figure_starts(title) + tuple([start + offset for start in figure_starts(body)])
