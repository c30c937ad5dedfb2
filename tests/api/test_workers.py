"""Several worker processes of the service over one database (`briefs serve --workers N`).

What a process kept to itself before is now shared: every process's duplicate index
catches up with the briefs the others stored, failed logins are counted in the database,
one retraining runs at a time across processes and its job can be read from any of them.
First with two services in one test process (each stands for a worker), then with the
real command and two worker processes under concurrent clients.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import select

from api.errors import Conflict
from api.learning import Job, LearningLoop, RetrainLock
from api.services import Caller, ReviewService
from api.throttle import TooManyAttempts
from models.registry import ModelRegistry
from review import clock
from review.brief import Brief
from storage.db import make_engine, upgrade
from storage.tables import User
from tests.api.conftest import _free_port

BODY = ("清河县柳集镇针对农村留守老人吃饭难问题,在12个行政村开办“幸福食堂”,由村集体提供场地,镇财政按每人每餐2元补助,"
        "老人每餐只需交3元。食堂由村里的低收入妇女掌勺,既解决了老人吃饭问题,又为38名妇女提供了就近就业岗位。"
        "截至3月底,全镇幸福食堂累计服务老人4.6万人次,老人家属满意率达到97%。")
COPY = BODY.replace("清河县柳集镇", "安平县河口镇").replace("12个", "9个").replace("38名", "27名")
REVISED = ("柳集镇幸福食堂开办半年后,镇里对12个食堂逐一回访:有3个因就餐老人不足20人、村集体补贴难以为继,"
           "已改为每周开伙三天;其余9个运行正常,日均就餐老人41人。镇民政办建议把食堂与村卫生室、"
           "日间照料中心合并设置,共用场地和人员,并争取县级养老服务补助每年每个食堂2万元。")


def _caller(service, username):
    with service.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
    return Caller(user.id, username, user.role, user.unit_id)


@pytest.fixture()
def two_workers(tmp_path, model, config):
    """Two services over one SQLite database, as two worker processes have them."""
    engine = make_engine(f"sqlite:///{tmp_path / 'briefs.db'}")
    upgrade(engine)
    first = ReviewService(engine, model, config, secret="s" * 48)
    first.add_user("officer_a", "officer-pass", "officer", unit="清河县柳集镇")
    first.add_user("officer_b", "officer-pass", "officer", unit="安平县河口镇")
    first.add_user("editor", "editor-pass1", "editor")
    second = ReviewService(make_engine(f"sqlite:///{tmp_path / 'briefs.db'}"), model, config, secret="s" * 48)
    yield first, second
    first.close()
    second.close()


def _duplicate_of(review: dict) -> list[str]:
    return [d["id"] for d in review["duplicates"]]


def test_a_brief_stored_by_one_worker_is_found_as_a_duplicate_by_the_other(two_workers):
    first, second = two_workers
    stored = first.submit(_caller(first, "officer_a"), "柳集镇开办幸福食堂解决留守老人吃饭难", BODY)
    draft = Brief(id="draft", unit="安平县河口镇", title="", body=COPY, submitted_at=clock.now())
    assert stored["id"] in _duplicate_of(second.check(draft))
    # and back: what the second stores, the first finds (both ways, every time)
    other = second.submit(_caller(second, "officer_b"), "", COPY + "下一步将在全镇推广。")
    again = Brief(id="draft2", unit="清河县柳集镇", title="", body=COPY + "下一步将在全镇推广。", submitted_at=clock.now())
    assert other["id"] in _duplicate_of(first.check(again))


def test_a_resubmitted_version_stored_by_one_worker_is_indexed_by_the_other(two_workers):
    first, second = two_workers
    officer = _caller(first, "officer_a")
    brief = first.submit(officer, "柳集镇开办幸福食堂", BODY)
    first.decide(_caller(first, "editor"), brief["id"], "return", text="请补充运行中的问题")
    second.resubmit(_caller(second, "officer_a"), brief["id"], "柳集镇幸福食堂运行半年:三个食堂难以为继", REVISED)
    copy = Brief(id="draft", unit="安平县河口镇", title="", body=REVISED.replace("柳集镇", "河口镇"),
                 submitted_at=clock.now())
    assert brief["id"] in _duplicate_of(first.check(copy))


def test_failed_logins_count_across_workers(two_workers):
    first, second = two_workers
    for service in (first, second, first, second, first):
        with pytest.raises(Exception) as failed:
            service.login("editor", "wrong-password", address="10.0.0.9")
        assert getattr(failed.value, "code", "") == "invalid_credentials"
    # the sixth try, on either worker and with the right password, waits
    for service in (first, second):
        with pytest.raises(TooManyAttempts) as waited:
            service.login("editor", "editor-pass1", address="10.0.0.9")
        assert "分钟后再试" in str(waited.value)
    second.throttle.succeeded("editor")  # an administrator's reset is seen by every worker
    assert first.login("editor", "editor-pass1", address="10.0.0.9")


def test_one_retraining_at_a_time_across_processes_and_its_job_read_anywhere(tmp_path):
    registry = ModelRegistry(tmp_path / "registry")
    loops = [LearningLoop(SimpleNamespace(models=SimpleNamespace(registry=registry))) for _ in range(2)]
    admin = Caller(1, "admin", "admin", None)
    held = RetrainLock(registry.root / "retrain.lock")
    assert held.acquire()
    assert not RetrainLock(registry.root / "retrain.lock").acquire()
    with pytest.raises(Conflict) as busy:
        loops[1].start_retrain(admin)
    assert busy.value.code == "retrain_running"
    held.release()
    assert RetrainLock(registry.root / "retrain.lock").acquire()
    # a job written by one process is what another shows, step by step
    job = Job(id="0123456789ab", kind="retrain", path=registry.root / "jobs" / "0123456789ab.json")
    job.say("导出训练数据快照")
    assert loops[1].job(admin, job.id)["step"] == "导出训练数据快照"
    job.status, job.finished_at = "done", clock.now().isoformat(timespec="seconds")
    job.say("训练完成")
    shown = loops[1].job(admin, job.id)
    assert shown["status"] == "done" and [p["message"] for p in shown["progress"]] == ["导出训练数据快照", "训练完成"]
    with pytest.raises(Exception) as missing:
        loops[1].job(admin, "../../etc/pa")
    assert getattr(missing.value, "code", "") == "not_found"


# --- the real command ----------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_briefs_serve_with_two_workers_shares_duplicates_and_the_login_throttle(tmp_path, trained_model_dir):
    env = {**os.environ, "BRIEFS_DATABASE_URL": f"sqlite:///{tmp_path / 'briefs.db'}",
           "BRIEFS_MODEL_DIR": str(trained_model_dir), "BRIEFS_SECRET_KEY": "w" * 48,
           "BRIEFS_PASSWORD": "worker-pass-1"}
    briefs = Path(sys.executable).with_name("briefs")
    for args in (["officer_a", "--role", "officer", "--unit", "清河县柳集镇"],
                 ["officer_b", "--role", "officer", "--unit", "安平县河口镇"], ["editor1", "--role", "editor"]):
        subprocess.run([str(briefs), "user", "add", *args], env=env, check=True, capture_output=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(briefs), "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}/api/v1/healthz", timeout=2).status_code == 200 and len(_children(server.pid)) >= 2:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        # uvicorn's supervisor has its worker processes (spawned) under it
        workers = [p for p in _children(server.pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]
        assert len(workers) == 2

        def token(user, password="worker-pass-1"):
            r = httpx.post(f"{base}/api/v1/auth/token", data={"username": user, "password": password})
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        stored = httpx.post(f"{base}/api/v1/briefs", headers=token("officer_a"),
                            json={"title": "柳集镇开办幸福食堂解决留守老人吃饭难", "body": BODY}, timeout=30)
        assert stored.status_code == 201, stored.text
        officer_b = token("officer_b")
        before = {p: _cpu_ticks(p) for p in workers}

        def check(_):  # a new connection each time: the kernel hands it to either worker
            r = httpx.post(f"{base}/api/v1/check", headers=officer_b, json={"body": COPY}, timeout=60)
            assert r.status_code == 200, r.text
            return stored.json()["id"] in _duplicate_of(r.json())

        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(check, range(48)))
        assert all(found)
        busy = [p for p in workers if _cpu_ticks(p) > before[p]]
        assert len(busy) >= 2, "both worker processes answered"
        # failed logins on new connections (either worker) count together
        codes = [httpx.post(f"{base}/api/v1/auth/token", data={"username": "editor1", "password": f"no-{i}"}).status_code
                 for i in range(5)]
        assert codes == [401] * 5
        refused = httpx.post(f"{base}/api/v1/auth/token", data={"username": "editor1", "password": "worker-pass-1"})
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def test_serve_refuses_several_workers_on_a_persistent_duplicate_index(tmp_path):
    env = {**os.environ, "BRIEFS_DATABASE_URL": f"sqlite:///{tmp_path / 'briefs.db'}",
           "BRIEFS_DUP_INDEX": str(tmp_path / "index")}
    briefs = Path(sys.executable).with_name("briefs")
    done = subprocess.run([str(briefs), "serve", "--workers", "2", "--port", str(_free_port())], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "BRIEFS_DUP_INDEX" in done.stderr and "--workers 1" in done.stderr and "Traceback" not in done.stderr
