"""约稿 matching by meaning: the concepts of a word list that a topic and a brief share.

A 约稿 topic is short and general and a brief on it rarely repeats its words: the topic
"农村饮水安全与冬季供水保障" and a brief on pipes frozen by a cold wave leaving 7,600 people
without water share few characters (their TF-IDF cosine is 0.108) but the same three
concepts, 供水饮水, 冬季防寒防冻 and 农村农民. The concepts and their words are a data file
(`review/resources/topics/concepts.tsv`, format in its header) an office can replace with
`topics.concepts_file`.

A brief answers a topic by meaning when the concepts it shares with the topic hold at least
`min_concept_share` of the topic's concept words, and the brief uses at least
`min_concept_words` distinct words of those concepts (one stray 冬季 in a long text is not
enough).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs

from review.config import ReviewConfig
from review.errors import ConfigError

DEFAULT_CONCEPTS = Path(__file__).with_name("resources") / "topics" / "concepts.tsv"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class MeaningMatch:
    """The concepts a brief shares with a topic, the share of the topic's concepts they are, the words seen."""

    share: float
    concepts: tuple[str, ...]  # Chinese names, in the file's order
    words: tuple[str, ...]


class ConceptLexicon:
    """Concept codes, their Chinese names and words, with one automaton over all the words."""

    def __init__(self, concepts: dict[str, tuple[str, tuple[str, ...]]]) -> None:
        self.concepts = concepts
        self._order = {code: i for i, code in enumerate(concepts)}
        owners: dict[str, list[str]] = {}
        for code, (_, words) in concepts.items():
            for word in words:
                owners.setdefault(word, []).append(code)
        self._words = list(owners)
        self._owners = [owners[w] for w in self._words]
        self._automaton = ahocorasick_rs.AhoCorasick(self._words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest) \
            if self._words else None

    def concepts_in(self, text: str) -> dict[str, set[str]]:
        """The concepts `text` touches, each with the distinct words of it found."""
        found: dict[str, set[str]] = {}
        if self._automaton is None:
            return found
        for index, _, _ in self._automaton.find_matches_as_indexes(text, overlapping=False):
            for code in self._owners[index]:
                found.setdefault(code, set()).add(self._words[index])
        return found

    def match(self, topic: dict[str, set[str]], brief: dict[str, set[str]], *, min_share: float,
              min_words: int) -> MeaningMatch | None:
        """How the concepts of a brief (`concepts_in`) cover a topic's; None below the bars."""
        if not topic:
            return None
        shared = sorted(set(topic) & set(brief), key=self._order.__getitem__)
        # A concept weighs as many words of it as the topic uses: in "农村饮水安全与冬季供水保障"
        # water (饮水, 供水) outweighs 冬季 and 农村, and a brief on winter in villages without
        # water is not on the topic.
        share = sum(len(topic[c]) for c in shared) / sum(len(words) for words in topic.values())
        words = sorted({w for code in shared for w in brief[code]})
        if not shared or share < min_share or len(words) < min_words:
            return None
        return MeaningMatch(round(share, 3), tuple(self.concepts[c][0] for c in shared), tuple(words))


def read_concepts(path: Path) -> ConceptLexicon:
    """A concept file: code<Tab>name<Tab>words separated by spaces; '#' starts a comment line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"找不到约稿主题词表:{path}") from None
    concepts: dict[str, tuple[str, tuple[str, ...]]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].strip() or not parts[2].split():
            raise ConfigError(f"约稿主题词表 {path} 第{number}行应为“代码<Tab>名称<Tab>词语(空格分隔)”")
        words = tuple(dict.fromkeys(parts[2].split()))
        short = [w for w in words if len(w) < 2]
        if short:
            raise ConfigError(f"约稿主题词表 {path} 第{number}行:词语至少两个字(“{short[0]}”太短)")
        concepts[parts[0].strip()] = (parts[1].strip() or parts[0].strip(), words)
    return ConceptLexicon(concepts)


@lru_cache(maxsize=8)
def _cached(path: str, stamp: float) -> ConceptLexicon:
    return read_concepts(Path(path))


def lexicon(config: ReviewConfig) -> ConceptLexicon:
    """The concept list named by `topics.concepts_file` ("" for the shipped one), read once per file version."""
    name = str(config.section("topics").get("concepts_file", "") or "")
    path = DEFAULT_CONCEPTS if not name else Path(name) if Path(name).is_absolute() else REPO_ROOT / name
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        raise ConfigError(f"找不到约稿主题词表:{path}") from None
    return _cached(str(path), stamp)
