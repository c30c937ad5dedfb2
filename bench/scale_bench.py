"""How `briefs score` grows from 10k to 100k to 1M briefs: time, rate and memory over the run.

Prints figures; asserts nothing about time.

    .venv/bin/python bench/generate_archive.py 1000000 -o bench/out/archive-1m.jsonl
    .venv/bin/python bench/scale_bench.py --archive bench/out/archive-1m.jsonl --sizes 10000 100000 1000000

For each size, the first N briefs of the archive are scored by `briefs score --workers W`
(a real process, all cores, a fresh duplicate index); the resident memory of the command
and its worker processes is sampled twice a second, and printed at 10%, 50%, 90% of the
run and at its peak, so a flat line after warm-up shows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total, todo = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * page
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000, 1000000])
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    print(f"{len(os.sched_getaffinity(0))} cores, --workers {args.workers}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'briefs':>9} {'seconds':>8} {'briefs/s':>9} {'RSS 10%':>9} {'RSS 50%':>9} {'RSS 90%':>9} {'peak':>9}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
            part = Path(tmp) / "in.jsonl"
            with args.archive.open("rb") as src, part.open("wb") as dst:
                dst.writelines(islice(src, size))
            out = Path(tmp) / "out.jsonl"
            started = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "cli.main", "score", str(part), "-o", str(out),
                                     "--workers", str(args.workers)], cwd=ROOT, stderr=subprocess.DEVNULL)
            samples = []
            while proc.poll() is None:
                samples.append((time.perf_counter() - started, tree_rss(proc.pid)))
                time.sleep(0.5)
            seconds = time.perf_counter() - started
            rows = sum(1 for _ in out.open("rb")) if out.exists() else 0

            def at(share: float) -> int:
                cut = [rss for t, rss in samples if t >= share * seconds]
                return cut[0] if cut else 0
            gib = 1024 ** 3
            print(f"{size:>9,} {seconds:>8.0f} {size / seconds:>9.0f} {at(0.1) / gib:>8.2f}G {at(0.5) / gib:>8.2f}G "
                  f"{at(0.9) / gib:>8.2f}G {max(r for _, r in samples) / gib:>8.2f}G"
                  + ("" if rows == size else f"  (only {rows} lines written, exit {proc.returncode})"), flush=True)


if __name__ == "__main__":
    main()
