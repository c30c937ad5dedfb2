"""Near-duplicate search: MinHash signatures of character shingles, banded into an LSH index.

Texts are normalised before shingling so that the edits copiers make do not hide a copy:
digits become one placeholder (changed figures), place and unit names ending in
省/市/县/区/镇/乡/村/街道/社区 are masked (swapped names), and punctuation and spaces
are dropped. Similarity is the Jaccard similarity of the normalised character
`shingle_size`-grams, estimated from the signatures.

A second tier finds the SAME EVENT reported by several units in their own words (a
fire reported by the town and by the fire brigade): those share topic words but few
5-grams. Given the model's `embed` (L2-normalised TF-IDF vectors), briefs submitted
within `same_event_days` of each other whose cosine similarity is at least
`same_event_threshold` are matched too, with kind "same_event".

A brief is only ever a duplicate of an EARLIER brief: by submission time, then by the
order in which briefs were added.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

import numpy as np

from review.result import DuplicateMatch

_PLACE = re.compile(r"[\u4e00-\u9fff]{1,4}?(?:街道|社区|省|市|县|区|镇|乡|村)")
_NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?|[〇零一二两三四五六七八九十百千万亿]{2,}")
_DROP = re.compile(r"[\s\W_]+")


def normalise(text: str) -> str:
    """The text as compared: names and figures masked, punctuation and spaces removed."""
    text = _PLACE.sub("〇", text)
    text = _NUMBER.sub("0", text)
    return _DROP.sub("", text)


def shingle_hashes(text: str, size: int) -> np.ndarray:
    """Stable 64-bit hashes of the distinct character `size`-grams of a normalised text."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < size:
        return np.empty(0, dtype=np.uint64)
    # Polynomial rolling hash over the window, in wrapping uint64 arithmetic.
    h = np.zeros(len(codes) - size + 1, dtype=np.uint64)
    base = np.uint64(1_000_003)
    with np.errstate(over="ignore"):
        for k in range(size):
            h = h * base + codes[k: len(codes) - size + 1 + k]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return np.unique(h)


@dataclass(frozen=True)
class IndexedBrief:
    """What the index keeps of each brief to report a match."""

    id: str
    unit: str
    submitted_at: float
    seq: int
    submitted_iso: str


class DuplicateIndex:
    """An in-memory MinHash-LSH index; `add` briefs, then `query` texts against earlier ones."""

    def __init__(self, *, shingle_size: int = 5, num_perm: int = 64, bands: int = 32, min_chars: int = 40,
                 seed: int = 20260301) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.shingle_size = shingle_size
        self.num_perm = num_perm
        self.bands = bands
        self.rows = num_perm // bands
        self.min_chars = min_chars
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, (1 << 61) - 1, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
        self._items: list[IndexedBrief] = []
        self._sigs: list[np.ndarray] = []
        self._buckets: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(bands)]

    @classmethod
    def from_config(cls, config) -> "DuplicateIndex":
        """An empty index with the `[duplicates]` settings of a `ReviewConfig`."""
        cfg = config.section("duplicates")
        return cls(shingle_size=int(cfg["shingle_size"]), num_perm=int(cfg["num_perm"]),
                   bands=int(cfg["bands"]), min_chars=int(cfg["min_chars"]))

    def __len__(self) -> int:
        return len(self._items)

    def signature(self, text: str) -> np.ndarray | None:
        """The MinHash signature of a text, or None when it is too short to compare."""
        norm = normalise(text)
        if len(norm) < self.min_chars:
            return None
        hashes = shingle_hashes(norm, self.shingle_size)
        with np.errstate(over="ignore"):
            permuted = (hashes[:, None] * self._a[None, :] + self._b[None, :]) >> np.uint64(32)
        return permuted.min(axis=0).astype(np.uint32)

    def _band_keys(self, sig: np.ndarray) -> list[bytes]:
        return [sig[i * self.rows:(i + 1) * self.rows].tobytes() for i in range(self.bands)]

    def add(self, brief_id: str, unit: str, submitted_at: datetime, text: str,
            signature: np.ndarray | None = None) -> int:
        """Index one brief; returns its sequence number (-1 if too short to index)."""
        sig = self.signature(text) if signature is None else signature
        if sig is None:
            return -1
        seq = len(self._items)
        self._items.append(IndexedBrief(brief_id, unit, submitted_at.timestamp(), seq, submitted_at.isoformat()))
        self._sigs.append(sig)
        for band, key in enumerate(self._band_keys(sig)):
            self._buckets[band][key].append(seq)
        return seq

    def query(self, text: str, *, submitted_at: datetime, threshold: float, seq: int | None = None,
              signature: np.ndarray | None = None, limit: int = 5, brief_id: str | None = None) -> list[DuplicateMatch]:
        """Earlier briefs whose estimated similarity to `text` is at least `threshold`, best first.

        Earlier means submitted before `submitted_at`, or at the same time but added before
        `seq` (the query's own sequence number when it is itself in the index). A brief with
        the same id as the query (the same record met again) is never its duplicate.
        """
        sig = self.signature(text) if signature is None else signature
        if sig is None:
            return []
        candidates: set[int] = set()
        for band, key in enumerate(self._band_keys(sig)):
            candidates.update(self._buckets[band].get(key, ()))
        when = submitted_at.timestamp()
        out = []
        for cand in candidates:
            item = self._items[cand]
            if cand == seq or item.submitted_at > when or item.id == brief_id:
                continue
            if item.submitted_at == when and (seq is None or cand > seq):
                continue
            similarity = float(np.mean(self._sigs[cand] == sig))
            if similarity >= threshold:
                out.append((similarity, item))
        out.sort(key=lambda pair: (-pair[0], pair[1].seq))
        seen: set[str] = set()  # one match per brief id, however often it was indexed
        out = [pair for pair in out if not (pair[1].id in seen or seen.add(pair[1].id))]
        return [DuplicateMatch(item.id, item.unit, sim, item.submitted_iso, "copy") for sim, item in out[:limit]]


def add_same_event(briefs: Sequence, archive: Sequence, embed: Callable, found: list[list[DuplicateMatch]],
                   config) -> None:
    """Add to `found` (one list per brief) the earlier briefs in the window whose vectors are close.

    `archive` needs only the briefs of the last `same_event_days`; copies already in
    `found` are not repeated.
    """
    cfg = config.section("duplicates")
    window = float(cfg["same_event_days"]) * 86400
    threshold = float(cfg["same_event_threshold"])
    pool = list(archive) + list(briefs)  # pool order is the "added before" order
    times = np.array([b.submitted_at.timestamp() for b in pool])
    order = np.argsort(times, kind="stable")
    sorted_times = times[order]
    vectors = embed(pool)
    offset = len(archive)
    for n, brief in enumerate(briefs):
        me = offset + n
        lo = bisect.bisect_left(sorted_times, times[me] - window)
        hi = bisect.bisect_right(sorted_times, times[me])
        cands = [int(i) for i in order[lo:hi] if i != me and (times[i] < times[me] or i < me)
                 and pool[i].id != brief.id]
        if not cands:
            continue
        sims = np.asarray((vectors[cands] @ vectors[me].T).todense()).ravel()
        known = {m.id for m in found[n]}
        extra = [DuplicateMatch(pool[i].id, pool[i].unit, float(sim), pool[i].submitted_at.isoformat(), "same_event")
                 for i, sim in zip(cands, sims) if sim >= threshold and pool[i].id not in known]
        if extra:
            found[n] = sorted(found[n] + extra, key=lambda m: -m.similarity)[:5]


def find_duplicates(briefs: Sequence, *, config, archive: Sequence = (),
                    embed: Callable | None = None) -> list[list[DuplicateMatch]]:
    """For each brief, the earlier briefs (in `archive` or earlier in `briefs`) it nearly copies.

    With `embed` (texts -> L2-normalised sparse rows), also the earlier briefs of the last
    few days that report the same event in other words.
    """
    index = DuplicateIndex.from_config(config)
    threshold = float(config.section("duplicates")["threshold"])
    for old in archive:
        index.add(old.id, old.unit, old.submitted_at, old.text)
    sigs, seqs = [], []
    for brief in briefs:
        sig = index.signature(brief.text)
        sigs.append(sig)
        seqs.append(index.add(brief.id, brief.unit, brief.submitted_at, brief.text, signature=sig)
                    if sig is not None else -1)
    found = [index.query(b.text, submitted_at=b.submitted_at, threshold=threshold, seq=seq, signature=sig,
                         brief_id=b.id)
             if sig is not None else [] for b, sig, seq in zip(briefs, sigs, seqs)]
    if embed is not None and briefs:
        add_same_event(briefs, archive, embed, found, config)
    return found
