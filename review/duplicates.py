"""Near-duplicate search: MinHash-LSH over character shingles, in memory or persisted on disk.

Texts are normalised before shingling so that the edits copiers make do not hide a copy:
digits become one placeholder (changed figures), place and unit names ending in
省/市/县/区/镇/乡/村/街道/社区 are masked (swapped names), and punctuation and spaces
are dropped. Similarity is the Jaccard similarity of the normalised character
`shingle_size`-grams: LSH finds candidates, a b-bit MinHash estimate prunes them, and the
similarity reported is computed exactly from the stored shingle sets.

A second tier finds the SAME EVENT reported by several units in their own words (a
fire reported by the town and by the fire brigade): those share topic words but few
5-grams. Given the model's `embed` (L2-normalised TF-IDF vectors), briefs submitted
within `same_event_days` of each other whose cosine similarity is at least
`same_event_threshold` are matched too, with kind "same_event".

A brief is only ever a duplicate of an EARLIER brief: by submission time, then by the
order in which briefs were added.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from review import clock
from review.errors import ConfigError
from review.index_files import Blobs, Column, damaged, write_atomic
from review.result import DuplicateMatch
from review.same_event import add_same_event
from review.shingles import MIX, Fingerprint, distinct, jaccard, normalised_codes


class DuplicateIndex:
    """MinHash-LSH index of briefs, in memory or persisted in a directory and added to incrementally.

    Memory per indexed brief: 8 bytes per LSH band (key and ordinal), one byte per MinHash
    value (b-bit signature), the time, the unit number and two file offsets; with the
    default 20 bands x 2 rows that is about 230 bytes. The shingle sets (for the exact
    similarity) and the ids stay on disk when the index has a directory. A query looks up
    its band keys (binary search in a few sorted runs, and a scan of the short tail of
    briefs not yet sorted into one), keeps the candidates whose b-bit estimate comes near
    the threshold, and reports the EXACT Jaccard similarity of the normalised shingle sets.

        index = DuplicateIndex.open("var/dup-index", config)   # created if missing
        index.add(brief.id, brief.unit, brief.submitted_at, brief.text)
        index.query(text, submitted_at=..., threshold=0.4)
        index.commit()                                          # durable from here on

    Writes are appended; `commit` fsyncs them and then replaces `index.json` (the count
    and an optional checkpoint) atomically, so a crash loses at most what was added since
    the last commit, and reopening drops any half-written tail.
    """

    FORMAT = 1
    TAIL_MAX = 1024  # recent briefs whose band keys are scanned, not yet sorted into a run
    VERIFY_MAX = 64  # candidates whose exact similarity is computed, best estimates first
    MARGIN = 0.2     # how far below the threshold a b-bit estimate may fall and still be verified

    def __init__(self, *, shingle_size: int = 5, num_perm: int = 40, bands: int = 20, min_chars: int = 40,
                 seed: int = 20260301, path: str | os.PathLike | None = None) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.shingle_size = shingle_size
        self.num_perm = num_perm
        self.bands = bands
        self.rows = num_perm // bands
        self.min_chars = min_chars
        self.seed = seed
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, (1 << 61) - 1, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
        self.path = Path(path) if path is not None else None
        self.checkpoint: dict = {}
        self._lock_fd: int | None = None
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock()
        try:
            self._open(num_perm, bands)
        except BaseException:
            self.close()  # a refused or damaged index does not keep its files, nor the lock
            raise

    def _open(self, num_perm: int, bands: int) -> None:
        count = 0
        if self.path is not None:
            meta = self._read_meta()
            if meta is not None:
                if meta.get("params") != self.params:
                    raise ConfigError(f"查重索引 {self.path} 的参数 {meta.get('params')} 与当前配置 {self.params} 不同,"
                                      "请换一个索引目录或删除后重建", code="index_mismatch")
                count = int(meta["count"])
                self.checkpoint = dict(meta.get("checkpoint") or {})
        p = self.path
        self._times = Column(np.float64, file=p / "times.f64" if p else None, count=count)
        self._units = Column(np.uint32, file=p / "units.u32" if p else None, count=count)
        self._bits = Column(np.uint8, width=num_perm, file=p / "bits.u8" if p else None, count=count)
        # Band keys: the recent rows are the tail; merged rows live only in the sorted arrays.
        self._keys = Column(np.uint32, width=bands, file=p / "bands.u32" if p else None, count=count)
        self._ids = Blobs(p / "ids.bin" if p else None, count)
        self._shingles = Blobs(p / "shingles.bin" if p else None, count)
        self._unit_names: list[str] = []
        self._unit_ids: dict[str, int] = {}
        # Band keys of all bands in sorted runs, the band number in the top bits of each key,
        # so one binary search per run finds every band of a query (8 bytes per band and brief).
        # New briefs go to a short unsorted tail; a full tail becomes a run, and runs of like
        # size are merged, so there are about log2(n / TAIL_MAX) runs and adding stays cheap.
        self._band_bits = max(1, int(np.ceil(np.log2(bands))))
        self._band_prefix = (np.arange(bands, dtype=np.uint32) << np.uint32(32 - self._band_bits))
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, ordinals), oldest first
        self._tail_start = 0
        if count:
            self._load(count)

    @property
    def params(self) -> dict:
        """The parameters an index was built with; reopening it with others is refused."""
        return {"shingle_size": self.shingle_size, "num_perm": self.num_perm, "bands": self.bands,
                "min_chars": self.min_chars, "seed": self.seed}

    @classmethod
    def from_config(cls, config, path: str | os.PathLike | None = None) -> "DuplicateIndex":
        """An index with the `[duplicates]` settings of a `ReviewConfig` (persisted under `path` if given)."""
        cfg = config.section("duplicates")
        return cls(shingle_size=int(cfg["shingle_size"]), num_perm=int(cfg["num_perm"]),
                   bands=int(cfg["bands"]), min_chars=int(cfg["min_chars"]), path=path)

    @classmethod
    def open(cls, path: str | os.PathLike, config) -> "DuplicateIndex":
        """The persistent index in directory `path`, created empty if missing."""
        return cls.from_config(config, path)

    def _read_meta(self) -> dict | None:
        file = self.path / "index.json"
        if not file.exists():
            return None
        try:
            meta = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise damaged(self.path) from None
        if meta.get("format") != self.FORMAT:
            raise ConfigError(f"查重索引 {self.path} 的格式版本 {meta.get('format')} 不受支持", code="index_format")
        return meta

    def _load(self, count: int) -> None:
        self._times.extend(self._times.read_all(count), write=False)
        self._units.extend(self._units.read_all(count), write=False)
        self._bits.extend(self._bits.read_all(count), write=False)
        self._keys.extend(self._keys.read_all(count), write=False)
        try:
            names = (self.path / "units.txt").read_text(encoding="utf-8").split("\n")
        except FileNotFoundError:
            raise damaged(self.path) from None
        self._unit_names = names[:int(self._units.view.max()) + 1]
        self._unit_ids = {name: i for i, name in enumerate(self._unit_names)}
        self._merge()

    def commit(self, checkpoint: dict | None = None, *, count: int | None = None) -> None:
        """Make everything added so far durable, with `checkpoint` (e.g. how far a batch run got).

        With `count`, only the first `count` briefs are declared: a batch run commits the
        briefs whose reviews are written, while later chunks are already in the index.
        """
        if checkpoint is not None:
            self.checkpoint = dict(checkpoint)
        if self.path is None:
            return
        for col in (self._times, self._units, self._bits, self._keys, self._ids, self._shingles):
            col.sync()
        write_atomic(self.path / "units.txt", "\n".join(self._unit_names))
        write_atomic(self.path / "index.json", json.dumps(
            {"format": self.FORMAT, "params": self.params, "count": len(self) if count is None else count,
             "checkpoint": self.checkpoint}, ensure_ascii=False))

    def close(self) -> None:
        """Release the index's files and its lock (what was not committed is dropped on the next open)."""
        for name in ("_times", "_units", "_bits", "_keys", "_ids", "_shingles"):
            if hasattr(self, name):
                getattr(self, name).close()
        self._unlock()

    def _unlock(self) -> None:
        if getattr(self, "_lock_fd", None) is not None:
            os.close(self._lock_fd)  # closing the file releases the lock
            self._lock_fd = None

    def __del__(self) -> None:
        try:
            self._unlock()  # an index dropped without close() does not keep its directory locked
        except Exception:  # noqa: BLE001 - at interpreter exit the os module may be gone already
            pass

    def _lock(self) -> None:
        """Hold the directory's lock while open: one process at a time writes an index on disk."""
        import fcntl

        fd = os.open(self.path / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(f"查重索引 {self.path} 正由另一个进程使用(评审服务或批量评分),同一时间只能有一个进程打开;"
                              "请等其结束或换一个索引目录", code="index_locked") from None
        self._lock_fd = fd

    def ids(self) -> list[str]:
        """The id of every indexed brief, in the order added."""
        return [b.decode("utf-8") for b in self._ids.all()]

    def __len__(self) -> int:
        return self._times.n

    def memory_bytes(self) -> int:
        """Bytes of memory the index holds for its briefs (arrays, not counting spare capacity)."""
        n = len(self)
        per_brief = (self._times.dtype.itemsize + self._units.dtype.itemsize + self.num_perm + 16)
        merged = sum(keys.nbytes + ords.nbytes for keys, ords in self._runs)
        tail = (n - self._tail_start) * self.bands * 4
        memory_blobs = 0 if self.path else sum(len(b) for b in (self._ids._chunks or [])) + sum(
            len(b) for b in (self._shingles._chunks or []))
        return n * per_brief + merged + tail + memory_blobs

    # --- fingerprints -----------------------------------------------------------------------------

    def fingerprint(self, text: str) -> Fingerprint | None:
        """The fingerprint of a text, or None when it is too short to compare."""
        return self.fingerprints([text])[0]


    def fingerprints(self, texts: Sequence[str], block: int = 16) -> list[Fingerprint | None]:
        """The fingerprint of each text (None when too short), computed a block of texts at a time.

        Per text, NumPy's per-call overhead costs more than the arithmetic; here the rolling
        hashes, MinHash minima, band keys and shingle sets of `block` texts come from a
        handful of array operations over all of them.
        """
        out: list[Fingerprint | None] = [None] * len(texts)
        codes, lengths = normalised_codes(texts)
        starts = (np.cumsum(lengths) - lengths).tolist()
        todo = np.flatnonzero(lengths >= self.min_chars).tolist()
        for lo in range(0, len(todo), block):
            part = todo[lo:lo + block]
            joined = np.concatenate([codes[starts[i]:starts[i] + lengths[i]] for i in part])
            for i, fp in zip(part, self._fingerprint_block(joined.astype(np.uint64), lengths[part])):
                out[i] = fp
        return out

    def _fingerprint_block(self, codes: np.ndarray, lengths: np.ndarray) -> list[Fingerprint]:
        """Fingerprints of normalised texts given as their code points (uint64) one after another."""
        size = self.shingle_size
        m = len(codes) - size + 1
        h = np.zeros(m, dtype=np.uint64)
        base = np.uint64(1_000_003)
        with np.errstate(over="ignore"):
            # Stable 64-bit hashes of the character `size`-grams: a polynomial rolling hash in
            # wrapping uint64 arithmetic, then a mix, over the joined texts.
            for k in range(size):
                h = h * base + codes[k:m + k]
            h ^= h >> np.uint64(29)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(32)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        counts = lengths - size + 1  # windows inside each text (every text has at least min_chars)
        keep = np.concatenate([np.arange(s, s + c) for s, c in zip(starts, counts)])
        h = h[keep]
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        with np.errstate(over="ignore"):
            # min over shingles of (h * a + b) >> 32 is (min of h * a + b) >> 32: the shift is monotone.
            # One row per permutation (long rows: NumPy's inner loops run over the shingles).
            permuted = np.multiply.outer(self._a, h)
            permuted += self._b[:, None]
            sig = np.ascontiguousarray((np.minimum.reduceat(permuted, first, axis=1) >> np.uint64(32)).T)
            rows = sig.reshape(len(lengths), self.bands, self.rows)
            key = np.zeros((len(lengths), self.bands), dtype=np.uint64)
            for r in range(self.rows):
                key = (key ^ rows[:, :, r]) * MIX
                key ^= key >> np.uint64(31)
        bands = (key >> np.uint64(32)).astype(np.uint32)
        bits = (sig & np.uint64(0xFF)).astype(np.uint8)
        # Distinct 32-bit shingles per text: one sort of (text number, shingle) pairs.
        doc = np.repeat(np.arange(len(lengths), dtype=np.uint64), counts)
        pairs = distinct((doc << np.uint64(32)) | (h & np.uint64(0xFFFFFFFF)))
        bounds = np.searchsorted(pairs, np.arange(len(lengths) + 1, dtype=np.uint64) << np.uint64(32))
        shingles = (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        return [Fingerprint(shingles=shingles[bounds[i]:bounds[i + 1]].copy(), bands=bands[i], bits=bits[i])
                for i in range(len(lengths))]

    # --- adding ------------------------------------------------------------------------------------

    def add(self, brief_id: str, unit: str, submitted_at: datetime, text: str,
            fingerprint: Fingerprint | None = None) -> int:
        """Index one brief; returns its sequence number (-1 if too short to index)."""
        fp = self.fingerprint(text) if fingerprint is None else fingerprint
        if fp is None:
            return -1
        seq = len(self)
        self.add_many([brief_id], [unit], [submitted_at.timestamp()], [fp])
        return seq

    def add_many(self, brief_ids: Sequence[str], units: Sequence[str], times: Sequence[float],
                 fingerprints: Sequence[Fingerprint]) -> None:
        """`add` for several briefs whose fingerprints are known (none None), in one step per column."""
        if not len(fingerprints):
            return
        unit_ids = np.empty(len(units), dtype=np.uint32)
        for i, unit in enumerate(units):
            unit_id = self._unit_ids.get(unit)
            if unit_id is None:
                unit_id = self._unit_ids[unit] = len(self._unit_names)
                self._unit_names.append(unit)
            unit_ids[i] = unit_id
        for brief_id, fp in zip(brief_ids, fingerprints):
            self._ids.append(brief_id.encode("utf-8"))
            self._shingles.append(fp.shingles.tobytes())
        self._bits.extend(np.stack([fp.bits for fp in fingerprints]))
        self._keys.extend(np.stack([fp.bands for fp in fingerprints]))
        self._units.extend(unit_ids)
        self._times.extend(np.asarray(times, dtype=np.float64))
        if len(self) - self._tail_start >= self.TAIL_MAX:
            self._merge()

    def _combined(self, keys: np.ndarray) -> np.ndarray:
        """Band keys with the band number in their top bits (rows of `bands` keys)."""
        return (keys >> np.uint32(self._band_bits)) | self._band_prefix

    def _merge(self) -> None:
        """Sort the tail's band keys into a run (freeing the tail's rows), then merge runs of like size."""
        n = len(self)
        if n > self._tail_start:
            keys = self._combined(self._keys.view).ravel()
            ords = np.repeat(np.arange(self._tail_start, n, dtype=np.uint32), self.bands)
            order = np.argsort(keys, kind="stable")
            self._runs.append((keys[order], ords[order]))
        self._tail_start = n
        self._keys.data = np.empty((1024, self.bands), dtype=np.uint32)
        self._keys.n = 0
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (k1, o1), (k2, o2) = self._runs[-2:]
            keys = np.concatenate([k1, k2])
            order = np.argsort(keys, kind="stable")  # two sorted runs: a linear merge for timsort
            self._runs[-2:] = [(keys[order], np.concatenate([o1, o2])[order])]

    # --- querying ----------------------------------------------------------------------------------

    def _band_hits(self, bands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query row, ordinal) for every indexed brief sharing a band key with a row of `bands` (q x bands)."""
        rows, ords = [], []
        query = self._combined(bands).ravel()
        qrow = np.repeat(np.arange(len(bands)), self.bands)
        if len(query) > 1:  # binary searches for keys in order touch the run's memory in order
            order = np.argsort(query)
            query, qrow = query[order], qrow[order]

        def look_up(keys: np.ndarray, key_ords: np.ndarray) -> None:  # keys sorted, key_ords alongside
            lo = keys.searchsorted(query, "left")
            lengths = keys.searchsorted(query, "right") - lo
            total = int(lengths.sum())
            if total:
                starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
                ords.append(key_ords[starts + np.arange(total)])
                rows.append(np.repeat(qrow, lengths))

        for keys, run_ords in self._runs:
            look_up(keys, run_ords)
        if self._keys.n:
            tail = self._keys.view
            if len(bands) == 1:  # one query (the service): a scan beats sorting the tail
                hits = np.nonzero((tail == bands[0][None, :]).any(axis=1))[0]
                rows.append(np.zeros(len(hits), dtype=np.int64))
                ords.append(hits.astype(np.uint32) + np.uint32(self._tail_start))
            else:  # a chunk of queries: sort the tail's keys once for all of them
                keys = self._combined(tail).ravel()
                order = np.argsort(keys, kind="stable")
                look_up(keys[order], (order // self.bands).astype(np.uint32) + np.uint32(self._tail_start))
        if not ords:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint32)
        return np.concatenate(rows), np.concatenate(ords)

    def query(self, text: str, *, submitted_at: datetime, threshold: float, seq: int | None = None,
              fingerprint: Fingerprint | None = None, limit: int = 5, brief_id: str | None = None) -> list[DuplicateMatch]:
        """Earlier briefs whose similarity to `text` is at least `threshold`, best first.

        Earlier means submitted before `submitted_at`, or at the same time but added before
        `seq` (the query's own sequence number when it is itself in the index). A brief with
        the same id as the query (the same record met again) is never its duplicate.
        """
        fp = self.fingerprint(text) if fingerprint is None else fingerprint
        if fp is None:
            return []
        return self.query_many([fp], [submitted_at.timestamp()], threshold=threshold,
                               seqs=None if seq is None else [seq], brief_ids=[brief_id], limit=limit)[0]

    def query_many(self, fingerprints: Sequence[Fingerprint], times: Sequence[float], *, threshold: float,
                   seqs: Sequence[int] | None = None, visible: Sequence[int] | None = None,
                   brief_ids: Sequence[str | None] | None = None, limit: int = 5) -> list[list[DuplicateMatch]]:
        """`query` for several fingerprints at once (submission times as timestamps), the same results.

        `visible[j]`, if given, hides the briefs added at or after it from query j: a batch
        added before it is queried then sees what a query made just before each `add` saw.
        """
        out: list[list[DuplicateMatch]] = [[] for _ in fingerprints]
        if not len(fingerprints):
            return out
        rows, cand = self._band_hits(np.stack([fp.bands for fp in fingerprints]))
        if not len(cand):
            return out
        pairs = distinct((rows.astype(np.uint64) << np.uint64(32)) | cand.astype(np.uint64))
        rows = (pairs >> np.uint64(32)).astype(np.int64)
        cand = (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
        when = np.asarray(times, dtype=np.float64)[rows]
        cand_times = self._times.data[cand]
        before = cand_times < when
        if seqs is not None:
            seq = np.asarray(seqs, dtype=np.int64)[rows]
            before |= (cand_times == when) & (cand < seq)
            before &= cand != seq
        if visible is not None:
            before &= cand < np.asarray(visible, dtype=np.int64)[rows]
        rows, cand = rows[before], cand[before]
        # b-bit estimate: P(low 8 bits equal) = J + (1 - J) / 256.
        query_bits = np.stack([fp.bits for fp in fingerprints])
        equal = (self._bits.data[cand] == query_bits[rows]).mean(axis=1)
        estimate = (equal - 1 / 256) / (1 - 1 / 256)
        keep = estimate >= threshold - self.MARGIN
        rows, cand, estimate = rows[keep], cand[keep], estimate[keep]
        # Per query, the VERIFY_MAX best estimates (ties: the earlier brief) get the exact similarity.
        order = np.lexsort((cand, -estimate, rows))
        rows, cand = rows[order], cand[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows, "left")
        found: dict[int, list[tuple[float, int]]] = {}
        for r, c in zip(rows[rank < self.VERIFY_MAX].tolist(), cand[rank < self.VERIFY_MAX].tolist()):
            similarity = jaccard(fingerprints[r].shingles, np.frombuffer(self._shingles.get(c), dtype=np.uint32))
            if similarity >= threshold:
                found.setdefault(r, []).append((similarity, c))
        for r, hits in found.items():
            hits.sort(key=lambda pair: (-pair[0], pair[1]))
            seen = {brief_ids[r] if brief_ids is not None else None}  # one match per brief id
            for similarity, c in hits:
                match_id = self._ids.get(c).decode("utf-8")
                if match_id in seen:
                    continue
                seen.add(match_id)
                when_iso = clock.from_timestamp(float(self._times.data[c])).isoformat()
                out[r].append(DuplicateMatch(match_id, self._unit_names[int(self._units.data[c])], similarity,
                                             when_iso, "copy"))
                if len(out[r]) == limit:
                    break
        return out


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
        sig = index.fingerprint(brief.text)
        sigs.append(sig)
        seqs.append(index.add(brief.id, brief.unit, brief.submitted_at, brief.text, fingerprint=sig)
                    if sig is not None else -1)
    found = [index.query(b.text, submitted_at=b.submitted_at, threshold=threshold, seq=seq, fingerprint=sig,
                         brief_id=b.id)
             if sig is not None else [] for b, sig, seq in zip(briefs, sigs, seqs)]
    if embed is not None and briefs:
        add_same_event(briefs, archive, embed, found, config)
    return found
