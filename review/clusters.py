"""Same-event clusters: several units' briefs on one event or issue, and their merged draft.

When a fire is reported by the town, the fire brigade and the emergency bureau, the
editor should see one cluster, not three rows. Clustering is ONLINE and deterministic:
briefs are taken earliest first (by submission time, then by the order given); each joins
the existing cluster it matches best, if that match is good enough, or starts a new one.

Linkage is AVERAGE: a brief's similarity to a cluster is the mean cosine similarity of
its vector (the model's L2-normalised TF-IDF `embed`) to the cluster's members. Single
linkage chains unrelated briefs through one loose neighbour; complete linkage splits an
event when one report is terse. A cluster takes new members while its latest member is
within `window_days` of the brief. Its id is the id of its first brief.

Clustering reads similarities, not vectors: batch scoring computes them for a chunk
against the window in one sparse product, the service for a new brief against the
window's briefs read from the database.

For each cluster, `fullest_member` picks the brief with the most figures, causes and
proposals (the earliest report on a tie) and `merge_draft` builds an extractive 综合信息:
that brief's sentences, then each sentence another member adds that the draft does not
already say, every sentence with the id of the brief it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from review.analysis import analyse
from review.brief import Brief
from review.config import ReviewConfig


@dataclass
class _Cluster:
    id: str
    members: list[str]
    latest: float  # the latest member's submission time (seconds)
    seq: int       # the order clusters were started in (ties go to the earlier)


@dataclass
class ClusterIndex:
    """Online clustering of briefs: `add` each brief, earliest first, with its similarities to earlier ones.

        index = ClusterIndex(window_days=7, threshold=0.15)
        index.add("b-1", t1, {})                  # -> "b-1" (a new cluster)
        index.add("b-2", t2, {"b-1": 0.4})        # -> "b-1": it joins it
        index.cluster_id("b-1")                   # None while alone, then "b-1"

    The caller gives the cosine similarities (one sparse product for a whole chunk, or for a
    draft against the window read from the database); a member missing from them counts 0.
    Only briefs of clusters of two or more are remembered once out of the window.
    """

    window_days: float = 7.0
    threshold: float = 0.15
    _alive: list[_Cluster] = field(default_factory=list)
    _by_id: dict[str, _Cluster] = field(default_factory=dict)
    _latest: float = float("-inf")
    _started: int = 0

    def add(self, brief_id: str, submitted_at: float, similarities: Mapping[str, float]) -> str:
        """Put one brief (its time in seconds) in the best cluster within the window, or a new one;
        returns the cluster's key (the first member's id)."""
        if brief_id in self._by_id:
            return self._by_id[brief_id].id
        edge = submitted_at - self.window_days * 86400
        sums: dict[int, float] = {}
        candidates: dict[int, _Cluster] = {}
        for other, sim in similarities.items():
            cluster = self._by_id.get(other)
            if cluster is None or sim <= 0 or cluster.latest < edge:
                continue
            sums[id(cluster)] = sums.get(id(cluster), 0.0) + float(sim)
            candidates[id(cluster)] = cluster
        best, best_score = None, self.threshold
        # Average linkage; on a tie the cluster started first (by its first member's join order).
        for key, cluster in sorted(candidates.items(), key=lambda kv: kv[1].seq):
            score = sums[key] / len(cluster.members)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = cluster, score
        if best is None:
            best = _Cluster(brief_id, [], submitted_at, self._started)
            self._started += 1
            self._alive.append(best)
        best.members.append(brief_id)
        best.latest = max(best.latest, submitted_at)
        self._by_id[brief_id] = best
        self._latest = max(self._latest, submitted_at)
        self._prune()
        return best.id

    def _prune(self) -> None:
        edge = self._latest - self.window_days * 86400
        if self._alive and self._alive[0].latest >= edge and len(self._alive) < 4096:
            return
        keep = []
        for cluster in self._alive:
            if cluster.latest >= edge:
                keep.append(cluster)
            elif len(cluster.members) == 1:  # alone for good: nothing to remember
                self._by_id.pop(cluster.id, None)
        self._alive = keep

    def cluster_id(self, brief_id: str) -> str | None:
        """The brief's cluster id, or None when it is alone (or unknown)."""
        cluster = self._by_id.get(brief_id)
        return cluster.id if cluster is not None and len(cluster.members) > 1 else None

    def members(self, brief_id: str) -> tuple[str, ...]:
        """The ids of the brief's cluster, in the order they joined (just the brief when alone)."""
        cluster = self._by_id.get(brief_id)
        return tuple(cluster.members) if cluster is not None else ()

    def assignments(self) -> dict[str, str]:
        """Brief id -> cluster id, for the briefs in clusters of two or more."""
        return {bid: c.id for bid, c in self._by_id.items() if len(c.members) > 1}


def choose_cluster(similarities: Mapping[str, float], clusters: Mapping[str, str], threshold: float) -> str | None:
    """The cluster a new brief joins, or None to start its own (the service's online step).

    `clusters` gives the cluster of each brief in the window (brief id -> cluster key, in
    the order the briefs came); `similarities` the new brief's cosine similarity to them.
    Average linkage over each cluster's members in the window; ties go to the earlier cluster.
    """
    sums: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for brief_id, key in clusters.items():
        sums[key] = sums.get(key, 0.0) + float(similarities.get(brief_id, 0.0))
        sizes[key] = sizes.get(key, 0) + 1
    best, best_score = None, threshold
    for key in sums:  # first-seen order: the earlier cluster first
        score = sums[key] / sizes[key]
        if score >= best_score and (best is None or score > best_score):
            best, best_score = key, score
    return best


def similarities_to(vectors, i: int, ids: Sequence[str], candidates) -> dict[str, float]:
    """Cosine similarities of row `i` of L2-normalised sparse `vectors` to the rows `candidates`, by id."""
    rows = list(candidates)
    if not rows:
        return {}
    sims = (vectors[rows] @ vectors[i].T).toarray().ravel()
    return {ids[j]: float(v) for j, v in zip(rows, sims) if v > 0}


def cluster_briefs(ids: Sequence[str], times: Sequence[float], vectors, *, window_days: float = 7.0,
                   threshold: float = 0.15) -> list[str | None]:
    """The cluster id of each brief (None when alone), clustering earliest first (then in the order
    given); `vectors` are the briefs' L2-normalised rows (a sparse matrix)."""
    index = ClusterIndex(window_days=window_days, threshold=threshold)
    vectors = vectors.tocsr()
    order = sorted(range(len(ids)), key=lambda i: (times[i], i))
    for n, i in enumerate(order):
        index.add(ids[i], float(times[i]), similarities_to(vectors, i, ids, order[:n]))
    return [index.cluster_id(bid) for bid in ids]


def clusters_from_config(config: ReviewConfig) -> ClusterIndex:
    """A `ClusterIndex` with the configured window and threshold ([clusters])."""
    cfg = config.section("clusters")
    return ClusterIndex(window_days=float(cfg["window_days"]), threshold=float(cfg["threshold"]))


# --- the fullest member and the merged draft --------------------------------------------------------------


@dataclass(frozen=True)
class Fullness:
    """What makes a member full: its figures, cause and proposal cues; higher `score` is fuller."""

    brief_id: str
    figures: int
    causes: int
    proposals: int

    @property
    def score(self) -> int:
        return self.figures + self.causes + self.proposals

    def to_dict(self) -> dict:
        return {"brief_id": self.brief_id, "figures": self.figures, "causes": self.causes,
                "proposals": self.proposals, "score": self.score}


def fullness(brief: Brief, config: ReviewConfig) -> Fullness:
    """The figures, causes and proposals one brief states."""
    analysis = analyse(brief, config)
    return Fullness(brief.id, len(analysis.figures), analysis.analysis_cues, analysis.proposal_cues)


def fullest_member(briefs: Sequence[Brief], config: ReviewConfig) -> tuple[Brief, Fullness]:
    """The fullest brief: the highest fullness score, then the earliest report, then the first given."""
    scored = [(fullness(b, config), i, b) for i, b in enumerate(briefs)]
    best = min(scored, key=lambda s: (-s[0].score, s[2].submitted_at, s[1]))
    return best[2], best[0]


@dataclass(frozen=True)
class DraftSentence:
    """One sentence of the merged draft and the brief it was taken from."""

    text: str
    source_id: str

    def to_dict(self) -> dict:
        return {"text": self.text, "source_id": self.source_id}


_SENTENCE = re.compile(r"[^。！？!?;；\n]+[。！？!?;；]?")
_STRIP = re.compile(r"[\W_]+")


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, each with its closing punctuation."""
    return [s.strip() for s in _SENTENCE.findall(text) if _STRIP.sub("", s)]


def _bigrams(text: str) -> set[str]:
    plain = _STRIP.sub("", text)
    return {plain[i:i + 2] for i in range(len(plain) - 1)} or ({plain} if plain else set())


def merge_draft(briefs: Sequence[Brief], config: ReviewConfig) -> tuple[str, list[DraftSentence]]:
    """The merged draft of a cluster: (title, sentences with their source ids).

    The fullest member's sentences come first (its lead opens the piece), then, member by
    member in the order given, each sentence whose character bigrams the draft does not
    already hold for the most part (at most `clusters.novelty_max_overlap` of them): the
    distinct facts the other units add.
    """
    best, _ = fullest_member(briefs, config)
    limit = float(config.section("clusters")["novelty_max_overlap"])
    sentences = [DraftSentence(s, best.id) for s in split_sentences(best.body)]
    seen = set().union(*(_bigrams(s.text) for s in sentences)) if sentences else set()
    for brief in briefs:
        if brief.id == best.id:
            continue
        for text in split_sentences(brief.body):
            grams = _bigrams(text)
            if not grams or len(grams & seen) / len(grams) > limit:
                continue
            sentences.append(DraftSentence(text, brief.id))
            seen |= grams
    return best.title, sentences
