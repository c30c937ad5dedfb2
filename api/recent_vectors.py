"""Vectors of the briefs in the same-event window, kept between self-checks.

Every self-check and submission compares the draft with the last few days' briefs by
their TF-IDF vectors. Computing those vectors again for each request cost 400 ms with
400 briefs in the window; here each stored brief version is embedded once per model
and kept (as its sparse row's indices and values) while it can still be in a window.
The window itself is still read from the database on every request, so briefs stored
by another process are found; only their vectors are computed, once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp


class RecentVectors:
    """A bounded cache: (brief id, version time, model version) → the brief's vector row."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self._rows: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        # Stored brief versions never change: version id → (brief id, unit, submitted_at), so
        # the window query reads integers and parses no dates for versions seen before.
        self._versions: OrderedDict[int, tuple] = OrderedDict()
        self._stacked: tuple[list, sp.csr_matrix] | None = None  # the last window's keys and matrix
        self._lock = threading.Lock()
        self.computed = 0  # vectors computed, for tests and the bench

    def versions(self, ids: Sequence[int]) -> dict[int, tuple]:
        """The kept (brief id, unit, submitted_at) of those of `ids` seen before."""
        with self._lock:
            return {v: self._versions[v] for v in ids if v in self._versions}

    def remember_versions(self, found: dict[int, tuple]) -> None:
        """Keep versions' (brief id, unit, submitted_at), the oldest dropped past `max_entries`."""
        with self._lock:
            self._versions.update(found)
            while len(self._versions) > self.max_entries:
                self._versions.popitem(last=False)

    @staticmethod
    def key(brief_id: str, submitted_at, model_version: str) -> tuple:
        """The cache key of one stored brief version's vector."""
        return brief_id, submitted_at.timestamp(), model_version

    def holds(self, keys: Sequence[tuple]) -> set[tuple]:
        """Which of `keys` have their vector kept: the window query reads text only for the others.
        Each is marked as just used, so the least recently used entries that a concurrent request's
        new vectors push out are never these (that would take `max_entries` new ones meanwhile)."""
        with self._lock:
            held = {k for k in keys if k in self._rows}
            for k in held:
                self._rows.move_to_end(k)
            return held

    def embedder(self, embed: Callable, model_version: str, keep: int) -> Callable:
        """`embed` for `add_same_event`: the first `keep` briefs of each pool (the stored ones)
        come from the cache or are computed and kept; the rest (the drafts) are computed each time."""

        def cached(pool: Sequence) -> sp.csr_matrix:
            keys = [self.key(b.id, b.submitted_at, model_version) for b in pool[:keep]]
            with self._lock:
                rows = [self._rows.get(k) for k in keys]
                for k, row in zip(keys, rows):
                    if row is not None:
                        self._rows.move_to_end(k)
            missing = [i for i, row in enumerate(rows) if row is None]
            last = self._stacked
            if not missing and last is not None and last[0] == keys:
                # The same window as the last request (no brief came or left): its matrix as it was.
                drafts = embed(list(pool[keep:]))
                return sp.vstack([last[1], drafts], format="csr") if drafts.shape[0] else last[1]
            fresh = embed([pool[i] for i in missing] + list(pool[keep:]))
            width = fresh.shape[1]
            for j, i in enumerate(missing):
                rows[i] = _row(fresh, j)
            with self._lock:
                for i in missing:
                    self._rows[keys[i]] = rows[i]
                self.computed += len(missing)
                while len(self._rows) > self.max_entries:
                    self._rows.popitem(last=False)
            stored = _stack(rows, width)
            self._stacked = (keys, stored)
            drafts = fresh[len(missing):]
            return sp.vstack([stored, drafts], format="csr") if drafts.shape[0] else stored

        return cached


def _row(matrix: sp.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end].copy(), matrix.data[start:end].copy()


def _stack(rows: list[tuple[np.ndarray, np.ndarray]], width: int) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(ix) for ix, _ in rows], out=indptr[1:])
    indices = np.concatenate([ix for ix, _ in rows]) if rows else np.zeros(0, dtype=np.int32)
    data = np.concatenate([d for _, d in rows]) if rows else np.zeros(0)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), width))
