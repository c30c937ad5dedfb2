"""`briefs serve` as its own process for a benchmark: started, waited for, stopped."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def served(env: dict, port: int, *, timeout: float = 600):
    """Yield (base URL, the server process, seconds until it answered `healthz`)."""
    import httpx

    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/api/v1/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - started > timeout:
                raise SystemExit("server did not start")
            time.sleep(0.3)
        yield base, server, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
