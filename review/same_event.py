"""The second tier of duplicate search: the SAME EVENT reported by several units in their own
words. Briefs submitted within `same_event_days` of each other whose model vectors
(L2-normalised TF-IDF, the model's `embed`) have cosine similarity at least
`same_event_threshold` match, with kind "same_event"; a brief only ever matches an
earlier one.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from review import clock
from review.result import DuplicateMatch


def _event_blocks(times: np.ndarray, queries: list[int], window: float):
    """(offset, queries, pool columns) blocks for `same_event_matches`: each block's queries are
    compared with the pool entries of its time span only.

    Blocks of 256 queries, or of 32 when the queries spread over much more than the window
    (an archive's chunk covering weeks): then most pairs are out of each other's window and
    small blocks skip them, while the pool rows each block transposes hardly overlap.
    """
    def spans(size: int):
        for start in range(0, len(queries), size):
            block = queries[start:start + size]
            qt = times[block]
            yield start, block, np.nonzero((times >= qt.min() - window) & (times <= qt.max()))[0]

    large = list(spans(256))
    if len(queries) > 32:
        small = list(spans(32))
        if sum(len(cols) for _, _, cols in small) <= 3 * sum(len(cols) for _, _, cols in large):
            return small
    return large


_DENSE_QUERIES = 8


def same_event_matches(vectors, times: np.ndarray, ids: Sequence[str], units: Sequence[str], queries: Sequence[int],
                       *, window_days: float, threshold: float, floor: np.ndarray | None = None
                       ) -> list[list[DuplicateMatch]]:
    """For each pool position in `queries`, the earlier pool entries of the window with close vectors.

    The pool (`vectors` rows, `times`, `ids`, `units`) is in "added" order: an entry is
    earlier than the query when submitted before it, or at the same time and added before
    it. `floor` (per query) optionally drops entries submitted before it (a stream's window).
    """
    window = float(window_days) * 86400
    times = np.asarray(times, dtype=np.float64)
    queries = list(queries)
    out: list[list[DuplicateMatch]] = []
    for start, block, cols in _event_blocks(times, queries, window):
        found: list[list[DuplicateMatch]] = [[] for _ in block]
        out.extend(found)
        if not len(cols):
            continue
        if len(block) <= _DENSE_QUERIES:
            # A few queries (a self-check): a dense query row against the CSR pool costs the
            # pool's non-zeros only; the sparse product would first convert the whole pool
            # to CSC, a pass over every column of the vocabulary (26 ms a check at 500 recent).
            sims = np.asarray(vectors[cols] @ vectors[block].toarray().T).T
        else:
            sims = (vectors[block] @ vectors[cols].T).toarray()
        # The whole block at once: (query, column) pairs close enough, inside the query's
        # window and earlier than it, in row-major order (each query's columns ascending).
        me = np.asarray(block)[:, None]
        t = times[me]
        col_times = times[cols][None, :]
        ok = sims >= threshold
        ok &= col_times >= t - window
        ok &= (col_times < t) | ((col_times == t) & (cols[None, :] < me))
        if floor is not None:
            ok &= col_times >= np.asarray(floor)[start:start + len(block), None]
        for row, k in zip(*(index.tolist() for index in np.nonzero(ok))):
            i = int(cols[k])
            if ids[i] != ids[block[row]]:
                found[row].append(DuplicateMatch(ids[i], units[i], float(sims[row, k]),
                                                 clock.from_timestamp(float(times[i])).isoformat(),
                                                 "same_event"))
    return out


def merge_matches(copies: list[DuplicateMatch], events: list[DuplicateMatch], limit: int = 5) -> list[DuplicateMatch]:
    """Copies and same-event matches together, one per brief id (copies win), best first."""
    if not events:
        return copies
    known = {m.id for m in copies}
    extra = []
    for m in sorted(events, key=lambda m: -m.similarity):
        if m.id not in known:
            known.add(m.id)
            extra.append(m)
    return sorted(copies + extra, key=lambda m: -m.similarity)[:limit]


def add_same_event(briefs: Sequence, archive: Sequence, embed: Callable, found: list[list[DuplicateMatch]],
                   config) -> None:
    """Add to `found` (one list per brief) the earlier briefs in the window whose vectors are close.

    `archive` needs only the briefs of the last `same_event_days`; copies already in
    `found` are not repeated.
    """
    cfg = config.section("duplicates")
    pool = list(archive) + list(briefs)  # pool order is the "added before" order
    times = np.array([b.submitted_at.timestamp() for b in pool])
    events = same_event_matches(embed(pool), times, [b.id for b in pool], [b.unit for b in pool],
                                range(len(archive), len(pool)), window_days=float(cfg["same_event_days"]),
                                threshold=float(cfg["same_event_threshold"]))
    for n, extra in enumerate(events):
        found[n] = merge_matches(found[n], extra)
