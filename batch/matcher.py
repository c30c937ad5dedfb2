"""Stage 2 of batch scoring, in input order: the duplicate index and the same-event window
of the last `same_event_days`, which make the result the same whatever the executor.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from batch.stages import MatchInput
from review.brief import Brief
from review.clusters import clusters_from_config
from review.config import ReviewConfig
from review.duplicates import DuplicateIndex
from review.same_event import merge_matches, same_event_matches


@dataclass
class _Block:
    """Briefs of the same-event window, one chunk at a time: times, ids, units and vectors."""

    times: np.ndarray
    ids: list
    units: list
    vectors: Any


class Matcher:
    """Stage 2, in input order: the duplicate index and the same-event window of the growing archive."""

    def __init__(self, index: DuplicateIndex, config: ReviewConfig) -> None:
        cfg = config.section("duplicates")
        self.index = index
        self.threshold = float(cfg["threshold"])
        self.window_days = float(cfg["same_event_days"])
        self.event_threshold = float(cfg["same_event_threshold"])
        self.window: deque[_Block] = deque()
        self.latest = float("-inf")  # the latest submission time seen: the window's right end
        self.clusters = clusters_from_config(config)

    def _prune(self) -> None:
        # Whole blocks go once all their briefs are out of the window; rows of a block still
        # held that are out of it are excluded at match time by the same rule (`floor`).
        edge = self.latest - self.window_days * 86400
        while self.window and self.window[0].times.max() < edge:
            self.window.popleft()

    def remember(self, briefs: Sequence[Brief], vectors) -> None:
        """Put briefs in the same-event window (no index lookup): archive records and resumed prefixes."""
        if briefs:
            times = np.array([b.submitted_at.timestamp() for b in briefs])
            if vectors is not None:
                blocks = list(self.window)
                stacked = sp.vstack([blk.vectors for blk in blocks] + [vectors.tocsr()], format="csr")
                ids = [i for blk in blocks for i in blk.ids] + [b.id for b in briefs]
                every = np.concatenate([blk.times for blk in blocks] + [times])
                self._cluster(stacked, every, ids, len(ids) - len(briefs))
            self._remember(times, [b.id for b in briefs], [b.unit for b in briefs], vectors)

    def _cluster(self, vectors, times: np.ndarray, ids: list, offset: int) -> None:
        """Add rows `offset:` of the stacked vectors to the same-event clusters, in order, each with
        its similarities to the rows before it (the window, then the chunk's earlier briefs)."""
        sims = (vectors[offset:] @ vectors.T).tocsr()
        for k in range(len(ids) - offset):
            row = sims[k]
            earlier = {ids[j]: float(v) for j, v in zip(row.indices.tolist(), row.data.tolist())
                       if j < offset + k and v > 0}
            self.clusters.add(ids[offset + k], float(times[offset + k]), earlier)

    def _remember(self, times: np.ndarray, ids: list, units: list, vectors) -> None:
        self.latest = max(self.latest, float(times.max()))
        if vectors is not None:
            self.window.append(_Block(times, ids, units, vectors))
        self._prune()

    def match(self, chunk: MatchInput) -> list[list]:
        """Duplicates of each brief of the chunk, adding the chunk to the index and the window."""
        n = len(chunk.ids)
        found: list[list] = [[] for _ in range(n)]
        # The chunk is added, then queried as if each brief had been looked up just before it
        # was added: it sees the briefs added before it and no later one.
        todo = np.nonzero(chunk.indexed)[0].tolist()
        fps = chunk.fingerprints()
        indexed_ids = [chunk.ids[i] for i in todo]
        stamps = chunk.times[todo]
        seqs = np.arange(len(self.index), len(self.index) + len(todo))
        self.index.add_many(indexed_ids, [chunk.units[i] for i in todo], stamps, fps)
        results = self.index.query_many(fps, stamps, threshold=self.threshold, seqs=seqs, visible=seqs,
                                        brief_ids=indexed_ids)
        for i, matches in zip(todo, results):
            found[i] = matches
        if chunk.vectors is None or not n:
            return found
        chunk_vectors = chunk.vectors.tocsr()
        own = chunk.times
        # The window as a stream keeps only briefs within `same_event_days` of the latest seen.
        floor = np.maximum.accumulate(np.concatenate([[self.latest], own]))[:-1] - self.window_days * 86400
        blocks = list(self.window)
        times = np.concatenate([blk.times for blk in blocks] + [own])
        vectors = sp.vstack([blk.vectors for blk in blocks] + [chunk_vectors], format="csr")
        ids = [i for blk in blocks for i in blk.ids] + list(chunk.ids)
        units = [u for blk in blocks for u in blk.units] + list(chunk.units)
        offset = len(times) - n
        events = same_event_matches(vectors, times, ids, units, range(offset, len(times)),
                                    window_days=self.window_days, threshold=self.event_threshold, floor=floor)
        self._cluster(vectors, times, ids, offset)
        self._remember(own, list(chunk.ids), list(chunk.units), chunk_vectors)
        return [merge_matches(copies, extra) for copies, extra in zip(found, events)]
