"""Self-check latency over real HTTP with a large archive in the database. Prints figures only.

    .venv/bin/python bench/check_latency.py [--n 100000] [--recent 500] [--requests 300] [--clients 1,8,32]
                                            [--workers 1,2]

1. Imports N generated briefs (bench/generate_archive.py, ending in 2025) into a fresh
   SQLite database with `briefs import` semantics (reviews, duplicate index).
2. Starts `briefs serve` on a loopback port as a separate process.
3. Sends sequential POST /api/v1/check requests with drafts from data_samples/heldout.jsonl:
   the same-event window (the last 7 days) is empty.
4. Imports `--recent` more generated briefs submitted over the last 7 days, as a live
   office has them (a city office receives about 170 a week), and measures again, in the
   same run: sequentially, then with each number of concurrent clients in `--clients`,
   for each number of worker processes in `--workers` (`briefs serve --workers N`, one
   server started afresh for each).
Prints the start-up time and resident memory (all processes) of each server, and one JSON
line per measurement: p50, p90, p99, max latency and throughput. Start-up is also measured
with the persistent duplicate index (BRIEFS_DUP_INDEX): its first start, which builds it from
the database, and a restart, which reads only what was stored since (`--startup-only` stops
there).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--recent", type=int, default=500, help="briefs submitted in the last 7 days")
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients to measure with the recent window")
    parser.add_argument("--workers", default="1,2", help="worker processes of the service to measure with")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--startup-only", action="store_true",
                        help="measure only start-up time and memory (in-memory and persistent duplicate index)")
    args = parser.parse_args()

    from generate_archive import generate
    from serve import rss_mb, served

    from api.app import build_service
    from api.settings import Settings
    from review import clock
    from review.readers import load_briefs
    from review.records import parse_record

    workdir = Path(tempfile.mkdtemp(prefix="bench-check-"))
    env = {**os.environ, "BRIEFS_DATABASE_URL": f"sqlite:///{workdir / 'briefs.db'}", "BRIEFS_SECRET_KEY": "b" * 48}
    settings = Settings(database_url=env["BRIEFS_DATABASE_URL"], secret_key=env["BRIEFS_SECRET_KEY"])
    service = build_service(settings)
    started = time.perf_counter()
    briefs = [parse_record(r) for r in generate(args.n, seed=3)]
    done = 0

    def progress(k: int) -> None:
        nonlocal done
        done += k
        print(f"\rimported {done}/{args.n} ({done / (time.perf_counter() - started):.0f}/s)", end="", file=sys.stderr)

    service.import_briefs(briefs, progress=progress)
    print(f"\narchive of {args.n} briefs imported in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    service.add_user("bench", "bench-password", "officer", "清河县农业农村局")
    service.engine.dispose()
    del service, briefs

    drafts = [{"title": b.title, "body": b.body} for b in load_briefs(ROOT / "data_samples" / "heldout.jsonl")]
    with served(env, args.port) as (base, server, ready):
        print(json.dumps({"archive": args.n, "workers": 1, "index": "memory", "ready_s": round(ready, 1),
                          "rss_mb": round(rss_mb(server.pid))}), flush=True)
        if not args.startup_only:
            headers = _login(base)
            measure(base, headers, drafts, args.requests, 1, {"archive": args.n, "recent": 0, "workers": 1})
    # The persistent index (BRIEFS_DUP_INDEX): the first start builds it from the database, a
    # restart reads only the versions stored since its checkpoint.
    persistent = {**env, "BRIEFS_DUP_INDEX": str(workdir / "dup-index")}
    for label in ("persistent-first-start", "persistent-restart"):
        with served(persistent, args.port) as (base, server, ready):
            print(json.dumps({"archive": args.n, "workers": 1, "index": label, "ready_s": round(ready, 1),
                              "rss_mb": round(rss_mb(server.pid))}), flush=True)
    if args.startup_only:
        return

    recent = list(generate(args.recent, seed=11))
    now = clock.now()
    for k, record in enumerate(recent):  # spread over the last 7 days, oldest first
        record["id"] = f"recent-{k}"
        record["submitted_at"] = (now - timedelta(days=7) + timedelta(days=7) * (k + 0.5) / len(recent)).isoformat()
        record.pop("event_at", None)
    service = build_service(settings)
    service.import_briefs([parse_record(r) for r in recent])
    service.engine.dispose()
    del service
    print(f"{args.recent} briefs of the last 7 days imported", file=sys.stderr)
    for workers in [int(w) for w in args.workers.split(",")]:
        with served(env, args.port, workers=workers) as (base, server, ready):
            print(json.dumps({"archive": args.n + args.recent, "workers": workers, "index": "memory",
                              "ready_s": round(ready, 1),
                              "rss_mb": round(rss_mb(server.pid))}), flush=True)
            headers = _login(base)
            for clients in [int(c) for c in args.clients.split(",")]:
                measure(base, headers, drafts, args.requests, clients,
                        {"archive": args.n, "recent": args.recent, "workers": workers})


def _login(base: str) -> dict:
    import httpx

    token = httpx.post(f"{base}/api/v1/auth/token",
                       data={"username": "bench", "password": "bench-password"}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def measure(base: str, headers: dict, drafts: list[dict], requests: int, clients: int, label: dict) -> None:
    """`requests` self-checks (at least 20 per client) from `clients` threads; prints the figures."""
    import httpx

    per_client = max(20, requests // clients)
    pools = [httpx.Client(base_url=base, headers=headers, timeout=120) for _ in range(clients)]
    for client in pools:
        client.post("/api/v1/check", json=drafts[0])  # warm-up: connection, caches

    def run(c: int) -> list[float]:
        times = []
        for i in range(per_client):
            t0 = time.perf_counter()
            r = pools[c].post("/api/v1/check", json=drafts[(c * per_client + i) % len(drafts)])
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = sorted(t for part in pool.map(run, range(clients)) for t in part)
    wall = time.perf_counter() - started
    q = statistics.quantiles(times, n=100)
    print(json.dumps({**label, "clients": clients, "requests": len(times), "p50_ms": round(q[49], 1),
                      "p90_ms": round(q[89], 1), "p99_ms": round(q[98], 1), "max_ms": round(times[-1], 1),
                      "per_s": round(len(times) / wall, 1)}), flush=True)
    for client in pools:
        client.close()


if __name__ == "__main__":
    main()
