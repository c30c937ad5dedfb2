"""Self-check latency over real HTTP with a large archive in the database. Prints figures only.

    .venv/bin/python bench/check_latency.py [--n 100000] [--requests 300]

1. Imports N generated briefs (bench/generate_archive.py) into a fresh SQLite database
   with `briefs import` semantics (reviews, duplicate index).
2. Starts `briefs serve` on a loopback port as a separate process.
3. Sends sequential POST /api/v1/check requests with drafts from data_samples/heldout.jsonl
   and prints p50, p90, p99 and max latency.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    import httpx

    from api.app import build_service
    from api.settings import Settings
    from generate_archive import generate
    from review.records import load_briefs, parse_record

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

    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(args.port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/api/v1/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - started > 600:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        print(f"server ready in {time.perf_counter() - started:.0f} s (loads the model and indexes the archive)")
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "bench", "password": "bench-password"}).json()["access_token"]
        drafts = [{"title": b.title, "body": b.body} for b in load_briefs(ROOT / "data_samples" / "heldout.jsonl")]
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        for draft in drafts[:20]:  # warm-up
            client.post("/api/v1/check", json=draft)
        times = []
        for i in range(args.requests):
            t0 = time.perf_counter()
            r = client.post("/api/v1/check", json=drafts[i % len(drafts)])
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        times.sort()
        q = statistics.quantiles(times, n=100)
        print(json.dumps({"archive": args.n, "requests": args.requests, "p50_ms": round(q[49], 1),
                          "p90_ms": round(q[89], 1), "p99_ms": round(q[98], 1), "max_ms": round(times[-1], 1)}))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
