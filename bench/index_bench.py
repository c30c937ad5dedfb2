"""The near-duplicate index against brute force: recall, precision, query latency, memory per brief.

Prints figures; asserts nothing about time.

    .venv/bin/python bench/index_bench.py --archive bench/out/archive-1m.jsonl --brute 20000

1. Recall and precision: the first `--brute` briefs of the archive, every pair compared
   by brute force (exact Jaccard of the sets of character 5-grams of the normalised texts,
   as strings), against what the index reports for each brief among the earlier ones
   (threshold 0.6, no limit on the number of matches).
2. Scale: every brief of the archive added to a persistent index on disk; then the
   latency of `query` for 2,000 briefs (drawn from the whole archive) with all of them
   indexed, and the index's memory per brief (its arrays, and the process's RSS growth).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THRESHOLD = 0.6


def rss_bytes() -> int:
    """The process's current resident set size."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def read_briefs(path: Path, limit: int | None = None):
    from review.records import parse_record

    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                return
            yield parse_record(json.loads(line))


def brute_force_pairs(briefs, shingle_size: int, min_chars: int) -> set[tuple[int, int]]:
    """(earlier, later) pairs whose exact 5-gram Jaccard is at least THRESHOLD, by comparing all pairs."""
    from review.shingles import normalise

    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, b in enumerate(briefs):
        norm = normalise(b.text)
        if len(norm) < min_chars:
            continue
        grams = {norm[k:k + shingle_size] for k in range(len(norm) - shingle_size + 1)}
        rows.extend([i] * len(grams))
        cols.extend(vocab.setdefault(g, len(vocab)) for g in grams)
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(briefs), len(vocab)))
    sizes = np.asarray(X.sum(axis=1)).ravel()
    pairs = set()
    for start in range(0, len(briefs), 2000):  # all pairs, a block of rows at a time
        inter = (X[start:start + 2000] @ X.T).tocoo()
        i, j = inter.row + start, inter.col
        union = sizes[i] + sizes[j] - inter.data
        keep = (j < i) & (inter.data / np.maximum(union, 1) >= THRESHOLD)
        pairs.update(zip(j[keep].tolist(), i[keep].tolist()))
    return pairs


def recall_precision(archive: Path, limit: int, config) -> None:
    """Pairs found by the index among the first `limit` briefs against brute force."""
    from review.duplicates import DuplicateIndex

    cfg = config.section("duplicates")
    briefs = list(read_briefs(archive, limit))
    started = time.perf_counter()
    truth = brute_force_pairs(briefs, int(cfg["shingle_size"]), int(cfg["min_chars"]))
    brute_seconds = time.perf_counter() - started
    index = DuplicateIndex.from_config(config)
    found: set[tuple[int, int]] = set()
    position = {b.id: i for i, b in enumerate(briefs)}
    started = time.perf_counter()
    for i, b in enumerate(briefs):
        fp = index.fingerprint(b.text)
        if fp is None:
            continue
        for m in index.query(b.text, submitted_at=b.submitted_at, threshold=THRESHOLD, seq=len(index), fingerprint=fp,
                             limit=10**6, brief_id=b.id):
            found.add((position[m.id], i))
        index.add(b.id, b.unit, b.submitted_at, b.text, fingerprint=fp)
    index_seconds = time.perf_counter() - started
    hits = len(found & truth)
    recall = hits / len(truth) if truth else 1.0
    precision = hits / len(found) if found else 1.0
    print(f"recall/precision on {len(briefs):,} briefs: {len(truth):,} pairs with Jaccard >= {THRESHOLD} by brute force "
          f"({brute_seconds:.0f} s), index reports {len(found):,} ({index_seconds:.0f} s): "
          f"recall {recall:.4f}, precision {precision:.4f}")



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, help="JSONL archive (bench/generate_archive.py)")
    parser.add_argument("--brute", type=int, default=20000, help="briefs compared by brute force")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--query-only", nargs=2, type=Path, metavar=("INDEX", "QUERIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.query_only:
        query_only(*args.query_only)
        return

    from review.config import default_config
    from review.duplicates import DuplicateIndex

    config = default_config()
    cfg = config.section("duplicates")
    print(f"index: {cfg['num_perm']} MinHash values, {cfg['bands']} bands x {cfg['num_perm'] // cfg['bands']} rows, "
          f"character {cfg['shingle_size']}-grams of the normalised text; threshold {THRESHOLD}")

    # 1. Recall and precision against brute force.
    if args.brute:
        recall_precision(args.archive, args.brute, config)

    # 2. Scale: everything indexed on disk, then memory and latency in a fresh process.
    with tempfile.TemporaryDirectory(prefix="dup-index-") as tmp:
        index = DuplicateIndex.open(Path(tmp) / "index", config)
        rng = random.Random(7)
        sample = []
        started = time.perf_counter()
        n = 0
        with multiprocessing.get_context("fork").Pool(len(os.sched_getaffinity(0))) as pool:
            briefs_iter = read_briefs(args.archive)
            for b, fp in zip(*_tee_map(pool, briefs_iter)):
                if fp is not None:
                    index.add(b.id, b.unit, b.submitted_at, b.text, fingerprint=fp)
                n += 1
                # A reservoir of query briefs from the whole archive.
                if len(sample) < args.queries:
                    sample.append(b)
                elif rng.random() < args.queries / n:
                    sample[rng.randrange(args.queries)] = b
                if n % 100000 == 0:
                    print(f"  {n:,} indexed, {n / (time.perf_counter() - started):.0f}/s, "
                          f"{index.memory_bytes() / len(index):.0f} B/brief", flush=True)
        index.commit()
        build_seconds = time.perf_counter() - started
        print(f"scale: {len(index):,} briefs indexed in {build_seconds:.0f} s ({len(index) / build_seconds:.0f}/s)")
        index.close()
        queries = Path(tmp) / "queries.jsonl"
        with queries.open("w", encoding="utf-8") as fh:
            for b in sample:
                fh.write(json.dumps({"id": b.id, "text": b.text}, ensure_ascii=False) + "\n")
        # A fresh process opens the index as the service would: its memory is the index's.
        subprocess.run([sys.executable, __file__, "--query-only", str(Path(tmp) / "index"), str(queries)], check=True)


def _tee_map(pool, briefs_iter):
    """Briefs and their fingerprints (computed in the pool, in order), without holding the archive."""
    import itertools

    a, b = itertools.tee(briefs_iter)
    texts = (x.text for x in b)
    batches = iter(lambda: list(itertools.islice(texts, 256)), [])
    # Fingerprints of 256 texts at a time, as batch scoring computes them.
    return a, itertools.chain.from_iterable(pool.imap(_fingerprints, batches))


_FINGERPRINTER = None


def _fingerprints(texts: list[str]):
    global _FINGERPRINTER
    if _FINGERPRINTER is None:
        from review.config import default_config
        from review.duplicates import DuplicateIndex

        _FINGERPRINTER = DuplicateIndex.from_config(default_config())
    return _FINGERPRINTER.fingerprints(texts)


def query_only(index_dir: Path, queries: Path) -> None:
    """Open the index in this fresh process; RSS growth per brief, then query latency."""
    from review import clock
    from review.config import default_config
    from review.duplicates import DuplicateIndex

    config = default_config()
    threshold = float(config.section("duplicates")["threshold"])
    sample = [json.loads(line) for line in queries.open(encoding="utf-8")]
    fingerprinter = DuplicateIndex.from_config(config)
    fps = [fingerprinter.fingerprint(q["text"]) for q in sample]
    before = rss_bytes()
    index = DuplicateIndex.open(index_dir, config)
    grown = rss_bytes() - before
    now = clock.now()
    lat, cpu, matches = [], [], 0
    for q, fp in zip(sample, fps):
        if fp is None:
            continue
        t0, c0 = time.perf_counter(), time.thread_time()
        matches += bool(index.query(q["text"], submitted_at=now, threshold=threshold, fingerprint=fp, brief_id=q["id"]))
        lat.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    lat_full = []
    for q in sample[:500]:  # with the fingerprint computed inside the query, as a self-check does
        t0 = time.perf_counter()
        index.query(q["text"], submitted_at=now, threshold=threshold, brief_id=q["id"])
        lat_full.append((time.perf_counter() - t0) * 1000)
    disk = sum(f.stat().st_size for f in index_dir.iterdir())
    n = len(index)
    print(f"query latency over {len(lat)} briefs, {n:,} indexed (look-up): p50 {np.percentile(lat, 50):.2f} ms, "
          f"p99 {np.percentile(lat, 99):.2f} ms, max {max(lat):.2f} ms wall clock; CPU time p50 "
          f"{np.percentile(cpu, 50):.2f} ms, p99 {np.percentile(cpu, 99):.2f} ms; {matches} had a match at "
          f"threshold {threshold}")
    print(f"query latency including the fingerprint of the text: p50 {np.percentile(lat_full, 50):.2f} ms, "
          f"p99 {np.percentile(lat_full, 99):.2f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"memory per indexed brief: {index.memory_bytes() / n:.0f} B of index arrays; opening the index grew a fresh "
          f"process's RSS by {grown / n:.0f} B/brief ({grown / 2**20:.0f} MiB); disk {disk / n:.0f} B/brief")


if __name__ == "__main__":
    main()
