"""kill -9 in the middle of a burst: every acknowledged write is there once, nothing is
half-written, and retries with the same Idempotency-Key add nothing. Both databases.

The service runs as `briefs serve` in its own process; eight clients submit and decide
(each request with its own key); the process is killed with SIGKILL while they are still
sending; a new process starts on the same database and every request is sent again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import _free_port

BODY = ("11月以来,我镇对辖区内31座小型水库开展冬季安全巡查,发现坝体渗漏2处、溢洪道堵塞5处,"
        "已整改4处。下一步将落实巡库员责任,确保安全度汛。")


def _start(env: dict, port: int) -> subprocess.Popen:
    briefs = Path(sys.executable).with_name("briefs")
    server = subprocess.Popen([str(briefs), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        assert server.poll() is None, "server exited"
        time.sleep(0.3)
    raise AssertionError("server did not start")


def _token(base: str, user: str, password: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


@pytest.fixture(params=["sqlite", "postgresql"])
def service_env(request, tmp_path, trained_model_dir):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'briefs.db'}"
    else:
        url = request.getfixturevalue("postgres").fresh_database("briefs_fault")
    env = {**os.environ, "BRIEFS_DATABASE_URL": url, "BRIEFS_MODEL_DIR": str(trained_model_dir),
           "BRIEFS_SECRET_KEY": "z" * 48, "BRIEFS_PASSWORD": "fault-pass-1"}
    briefs = Path(sys.executable).with_name("briefs")
    for args in (["officer1", "--role", "officer", "--unit", "清河县水利局"], ["editor1", "--role", "editor"]):
        subprocess.run([str(briefs), "user", "add", *args], env=env, check=True, capture_output=True)
    return env


def test_a_killed_service_keeps_every_acknowledged_write_once(service_env):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(service_env, port)
    officer = {"Authorization": f"Bearer {_token(base, 'officer1', 'fault-pass-1')}"}
    editor = {"Authorization": f"Bearer {_token(base, 'editor1', 'fault-pass-1')}"}
    acknowledged: dict[str, str] = {}  # submission key -> brief id
    decided: dict[str, str] = {}  # decision key -> brief id
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            for k in range(60):
                if stop.is_set():
                    return
                key = f"s-{n}-{k}"
                try:
                    r = http.post("/api/v1/briefs", headers={**officer, "Idempotency-Key": key},
                                  json={"title": f"第{n}组第{k}条:小型水库冬季巡查", "body": BODY})
                    if r.status_code == 201:
                        with lock:
                            acknowledged[key] = r.json()["id"]
                        d = http.post(f"/api/v1/briefs/{r.json()['id']}/decisions",
                                      headers={**editor, "Idempotency-Key": f"d-{key}"}, json={"action": "reject"})
                        if d.status_code == 201:
                            with lock:
                                decided[f"d-{key}"] = r.json()["id"]
                except httpx.HTTPError:
                    return  # the server is gone

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(client, n) for n in range(8)]
        while len(acknowledged) < 40 and not all(f.done() for f in futures):
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)  # mid-burst
        stop.set()
    server.wait()
    assert len(acknowledged) >= 40

    server = _start(service_env, port)
    try:
        officer = {"Authorization": f"Bearer {_token(base, 'officer1', 'fault-pass-1')}"}
        editor = {"Authorization": f"Bearer {_token(base, 'editor1', 'fault-pass-1')}"}
        with httpx.Client(base_url=base, timeout=30) as http:
            ids: set[str] = set()
            while True:
                page = http.get("/api/v1/briefs", headers=editor, params={"limit": 200, "offset": len(ids)}).json()
                ids |= {b["id"] for b in page["items"]}
                if not page["items"]:
                    break
            before = page["total"]
            assert before == len(ids)
            assert set(acknowledged.values()) <= ids  # every acknowledged submission survived
            for brief_id in ids:  # and none is half-written: each has its version and its review
                brief = http.get(f"/api/v1/briefs/{brief_id}", headers=editor).json()
                assert len(brief["versions"]) == 1 and brief["review"] is not None
                assert len(brief["decisions"]) <= 1
            for key, brief_id in decided.items():
                brief = http.get(f"/api/v1/briefs/{brief_id}", headers=editor).json()
                assert [d["action"] for d in brief["decisions"]] == ["reject"] and brief["status"] == "rejected"
            # Retries with the same keys: the same briefs back, nothing new stored or decided.
            for n in range(8):
                for k in range(60):
                    key = f"s-{n}-{k}"
                    if key not in acknowledged:
                        continue
                    r = http.post("/api/v1/briefs", headers={**officer, "Idempotency-Key": key},
                                  json={"title": f"第{n}组第{k}条:小型水库冬季巡查", "body": BODY})
                    assert r.status_code == 201 and r.json()["id"] == acknowledged[key]
                    d = http.post(f"/api/v1/briefs/{acknowledged[key]}/decisions",
                                  headers={**editor, "Idempotency-Key": f"d-{key}"}, json={"action": "reject"})
                    assert d.status_code == 201 and len(d.json()["decisions"]) == 1
            assert http.get("/api/v1/briefs", headers=editor, params={"limit": 1}).json()["total"] == before
    finally:
        server.kill()
        server.wait()
