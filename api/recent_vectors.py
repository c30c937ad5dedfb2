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
        self._lock = threading.Lock()
        self.computed = 0  # vectors computed, for tests and the bench

    def embedder(self, embed: Callable, model_version: str, keep: int) -> Callable:
        """`embed` for `add_same_event`: the first `keep` briefs of each pool (the stored ones)
        come from the cache or are computed and kept; the rest (the drafts) are computed each time."""

        def cached(pool: Sequence) -> sp.csr_matrix:
            keys = [(b.id, b.submitted_at.timestamp(), model_version) for b in pool[:keep]]
            with self._lock:
                rows = [self._rows.get(k) for k in keys]
                for k, row in zip(keys, rows):
                    if row is not None:
                        self._rows.move_to_end(k)
            missing = [i for i, row in enumerate(rows) if row is None]
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
            rows += [_row(fresh, len(missing) + j) for j in range(len(pool) - keep)]
            return _stack(rows, width)

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
