"""Throughput of `briefs score` next to `jieba.lcut` alone, on the same texts, in one run.

Prints figures; asserts nothing about time.

    .venv/bin/python bench/score_throughput.py [--n 20000] [--model DIR] [--workers 2]

1. Generates an archive of N synthetic briefs (bench/generate_archive.py).
2. jieba.lcut over every brief's title + body (dictionary loaded before timing), pinned
   to one core.
3. The scoring engine in process on the same core: classifier, every check, adoption,
   priority and the duplicate search against the growing archive (`batch.pipeline`).
4. `briefs score --workers W` as a real command (a subprocess, all cores), end to end:
   start-up, model load, reading, scoring, writing JSONL; and the scoring time the command
   reports itself (without the two seconds or so of start-up and model load).

Steps 2 and 4 run `--repeat` times, alternating (jieba, command, jieba, command, ...), and
the best time of each is compared: a shared or virtual machine's speed drifts by 10-20 %
over a minute, and a single run of each can land one on a slow spell. Every run is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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
    parser.add_argument("--core", type=int, default=0, help="CPU core for jieba and the in-process engine")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=2, help="runs of jieba and of the command (best of each)")
    args = parser.parse_args()
    all_cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {args.core})

    import jieba

    from generate_archive import generate
    from models import load_model
    from review.config import default_config
    from batch.pipeline import score_stream

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    archive = workdir / "archive.jsonl"
    records = list(generate(args.n, seed=1))
    with archive.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    texts = [f"{r['title']}\n{r['body']}" for r in records]
    chars = sum(len(t) for t in texts)
    print(f"archive: {args.n} generated briefs, {chars / args.n:.0f} characters on average; "
          f"{len(all_cores)} cores, load average {os.getloadavg()[0]:.1f}")

    jieba.setLogLevel(60)
    jieba.lcut("预热词典")

    def time_jieba() -> float:
        os.sched_setaffinity(0, {args.core})
        started = time.perf_counter()
        for text in texts:
            jieba.lcut(text)
        return time.perf_counter() - started

    model = load_model(args.model)
    config = default_config()
    os.sched_setaffinity(0, {args.core})
    started = time.perf_counter()
    summary = score_stream(archive, workdir / "engine.jsonl", model=model, config=config, workers=1)
    engine_seconds = time.perf_counter() - started
    engine_rate = args.n / engine_seconds

    out = workdir / "reviews.jsonl"
    env = dict(os.environ)
    if args.model:
        env["BRIEFS_MODEL_DIR"] = str(args.model)

    def time_command() -> tuple[float, float, bool]:
        os.sched_setaffinity(0, all_cores)
        out.unlink(missing_ok=True)
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "cli.main", "score", str(archive), "-o", str(out),
                              "--workers", str(args.workers)], check=False, env=env, cwd=ROOT,
                             stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        # The command's own summary: scoring time from the first record read to the output in
        # place, without interpreter start-up and model load.
        scoring = re.search(r"耗时 ([0-9.]+) 秒", run.stderr)
        same = out.read_bytes() == (workdir / "engine.jsonl").read_bytes()
        return seconds, float(scoring.group(1)) if scoring else float("nan"), same

    jieba_runs, command_runs = [], []
    for _ in range(max(1, args.repeat)):
        jieba_runs.append(time_jieba())
        command_runs.append(time_command())
    jieba_seconds = min(jieba_runs)
    jieba_rate = args.n / jieba_seconds
    cli_seconds = min(run[0] for run in command_runs)
    cli_rate = args.n / cli_seconds
    scoring_seconds = min(run[1] for run in command_runs)
    same = all(run[2] for run in command_runs)
    print("runs (s): jieba.lcut " + ", ".join(f"{t:.1f}" for t in jieba_runs) + "; briefs score "
          + ", ".join(f"{t:.1f} (scoring {s:.1f})" for t, s, _ in command_runs) + "; best of each below")

    print(f"jieba.lcut alone, one core            : {jieba_rate:8.0f} briefs/s ({jieba_seconds:6.1f} s)")
    print(f"scoring engine, in process, one core  : {engine_rate:8.0f} briefs/s ({engine_seconds:6.1f} s)"
          f"  = {engine_rate / jieba_rate:.2f} x jieba.lcut")
    print(f"`briefs score --workers {args.workers}`, end to end : {cli_rate:8.0f} briefs/s ({cli_seconds:6.1f} s)"
          f"  = {cli_rate / jieba_rate:.2f} x jieba.lcut; output identical to the in-process run: {same}")
    print(f"  of which scoring (its summary, after start-up and model load): {args.n / scoring_seconds:8.0f} briefs/s"
          f" ({scoring_seconds:6.1f} s)  = {args.n / scoring_seconds / jieba_rate:.2f} x jieba.lcut")
    print(f"duplicates found: {summary.duplicates} (planted: {sum('planted_duplicate_of' in r for r in records)});"
          f" flags: {dict(summary.flags.most_common(6))}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
