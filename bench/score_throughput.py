"""Throughput of `briefs score` next to `jieba.lcut` alone, on the same texts, in one run.

Both run pinned to one CPU core. Prints figures; asserts nothing about time.

    .venv/bin/python bench/score_throughput.py [--n 20000] [--model DIR]

1. Generates an archive of N synthetic briefs (bench/generate_archive.py).
2. jieba.lcut over every brief's title + body (dictionary loaded before timing).
3. The scoring engine in process: classifier, every check, adoption, priority and the
   duplicate search against the growing archive (`review.batch.score_records`).
4. `briefs score` as a real command (a subprocess, same core), end to end: start-up,
   model load, reading, scoring, writing JSONL.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})

    import jieba

    from generate_archive import generate
    from models import load_model
    from review.batch import score_records
    from review.config import default_config
    from review.records import parse_record

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    archive = workdir / "archive.jsonl"
    records = list(generate(args.n, seed=1))
    with archive.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    texts = [f"{r['title']}\n{r['body']}" for r in records]
    chars = sum(len(t) for t in texts)
    print(f"archive: {args.n} generated briefs, {chars / args.n:.0f} characters on average, pinned to core {args.core}")

    jieba.setLogLevel(60)
    jieba.lcut("预热词典")
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    jieba_seconds = time.perf_counter() - started
    jieba_rate = args.n / jieba_seconds

    model = load_model(args.model)
    config = default_config()
    briefs = [parse_record(r) for r in records]
    started = time.perf_counter()
    _, summary = score_records(briefs, model=model, config=config)
    engine_seconds = time.perf_counter() - started
    engine_rate = args.n / engine_seconds

    out = workdir / "reviews.jsonl"
    env = dict(os.environ)
    if args.model:
        env["BRIEFS_MODEL_DIR"] = str(args.model)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli.main", "score", str(archive), "-o", str(out)], check=True, env=env,
                   cwd=ROOT, stderr=subprocess.DEVNULL)
    cli_seconds = time.perf_counter() - started
    cli_rate = args.n / cli_seconds

    print(f"jieba.lcut alone          : {jieba_rate:8.0f} briefs/s ({jieba_seconds:6.1f} s)")
    print(f"scoring engine, in process: {engine_rate:8.0f} briefs/s ({engine_seconds:6.1f} s)"
          f"  = {engine_rate / jieba_rate:.2f} x jieba.lcut")
    print(f"`briefs score`, end to end: {cli_rate:8.0f} briefs/s ({cli_seconds:6.1f} s)"
          f"  = {cli_rate / jieba_rate:.2f} x jieba.lcut")
    print(f"duplicates found: {summary.duplicates} (planted: {sum('planted_duplicate_of' in r for r in records)});"
          f" flags: {dict(summary.flags.most_common(6))}")


if __name__ == "__main__":
    main()
