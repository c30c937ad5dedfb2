"""`briefs serve` as its own process for a benchmark: started, waited for, stopped."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def served(env: dict, port: int, *, timeout: float = 600, workers: int = 1):
    """Yield (base URL, the server process, seconds until it answered `healthz`); with
    `workers` > 1, until every worker process answers (each builds its own service)."""
    import httpx

    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port),
                               "--workers", str(workers)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/api/v1/healthz").status_code == 200 and _all_up(server.pid, workers):
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - started > timeout:
                raise SystemExit("server did not start")
            time.sleep(0.3)
        yield base, server, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except FileNotFoundError:
        return []


def _all_up(pid: int, workers: int) -> bool:
    """Every worker process has finished starting. Workers accept on one socket as soon as
    their own start (model, duplicate index) is done, so a `healthz` answer means one is up;
    starting is CPU-bound, so all are up when all exist and none used CPU for a second."""
    if workers == 1:
        return True
    spawned = [p for p in _children(pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]
    if len(spawned) < workers:
        return False
    before = [_ticks(p) for p in spawned]
    time.sleep(1.0)
    return all(_ticks(p) - t <= 2 for p, t in zip(spawned, before))


def _ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        except (FileNotFoundError, StopIteration):
            continue
        todo += _children(p)
    return total / 1024
