"""The learning loop over real HTTP, on SQLite and PostgreSQL.

The champion is trained on the older three quarters of the samples. The newest quarter
arrives as officers' submissions through the API and editors decide them (adopt, reject,
correct the category) through the API; a retraining job then trains a challenger on the
snapshot, evaluates both, and promotes by the rule; the running service switches to it
without a restart and stamps it into new reviews.
"""

import json
import threading
import time

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from models.registry import ModelRegistry
from review.config import load_config
from review.markings import MarkingFinder
from training.retrain import decide

from tests.api.conftest import follow, login, page_in_browser, running

NEW_SHARE = 0.25


@pytest.fixture(scope="session")
def loop_data(tmp_path_factory, sample_briefs, sample_records):
    """The older samples as a file (the snapshot's hand-written part) and the newest quarter."""
    ordered = sorted(sample_briefs, key=lambda b: (b.submitted_at, b.id))
    cut = len(ordered) - int(len(ordered) * NEW_SHARE)
    older, newer = ordered[:cut], ordered[cut:]
    # A sample with a secrecy marking is refused by the service (classified_content): it
    # could never arrive as a submission, so it is not one of the new briefs.
    finder = MarkingFinder(load_config().section("classified"))
    newer = [b for b in newer if not finder.find(b.text)]
    path = tmp_path_factory.mktemp("loop") / "older.jsonl"
    path.write_text("".join(json.dumps(sample_records[b.id], ensure_ascii=False) + "\n" for b in older),
                    encoding="utf-8")
    return path, older, newer


@pytest.fixture(scope="session")
def loop_champion_dir(tmp_path_factory, loop_data, config):
    """The champion: trained once on the older samples only."""
    from training.train import train_model

    path = tmp_path_factory.mktemp("loop-model") / "older"
    train_model(loop_data[1], config=config, version="older-samples").save(path)
    return path


@pytest.fixture(scope="module")
def loop_server(loop_champion_dir, loop_data, database_url, tmp_path_factory):
    """A running service serving the registry's champion, with an admin, an editor and one
    officer per unit of the new briefs."""
    base_dir = tmp_path_factory.mktemp("loop-server")
    root = base_dir / "registry"
    ModelRegistry(root).ensure_initial(loop_champion_dir)
    config = base_dir / "config.toml"
    config.write_text(f'[retrain]\nsamples = "{loop_data[0]}"\n', encoding="utf-8")
    settings = Settings(database_url=database_url, model_root=root, config=config, secret_key="k" * 48)
    with running(create_app(settings)) as (base, app):
        service = app.state.service
        service.add_user("admin1", "admin-pass-1", "admin")
        service.add_user("editor1", "editor-pass-1", "editor")
        units = sorted({b.unit for b in loop_data[2]})
        for i, unit in enumerate(units):
            service.add_user(f"officer{i}", f"officer-pass-{i}", "officer", unit=unit)
        yield base, root, {unit: f"officer{i}" for i, unit in enumerate(units)}


@pytest.fixture(scope="module")
def admin(loop_server):
    return login(loop_server[0], "admin1", "admin-pass-1")


@pytest.fixture(scope="module")
def editor(loop_server):
    return login(loop_server[0], "editor1", "editor-pass-1")


@pytest.fixture(scope="module")
def submitted(loop_server, loop_data):
    """The newest samples submitted by their units' officers: {brief id: the labelled sample}."""
    base, _, officers = loop_server
    clients = {unit: login(base, name, name.replace("officer", "officer-pass-")) for unit, name in officers.items()}
    out = {}
    for brief in loop_data[2]:
        r = clients[brief.unit].post("/api/v1/briefs", json={"title": brief.title, "body": brief.body})
        assert r.status_code == 201, r.text
        out[r.json()["id"]] = brief
    return out


def test_model_administration_is_for_admins_only(loop_server, admin, editor):
    base = loop_server[0]
    officer = login(base, "officer0", "officer-pass-0")
    for client, status in ((editor, 403), (officer, 403)):
        for method, path in (("GET", "/api/v1/admin/models"), ("POST", "/api/v1/admin/models/v1/promote"),
                             ("POST", "/api/v1/admin/models/rollback"), ("POST", "/api/v1/admin/retrain"),
                             ("GET", "/api/v1/admin/jobs/x"), ("GET", "/api/v1/admin/reports")):
            r = client.request(method, path)
            assert r.status_code == status and r.json()["code"] == "forbidden", (path, r.text)
    assert httpx.get(f"{base}/api/v1/admin/models").status_code == 401
    r = admin.get("/api/v1/admin/models")
    assert r.status_code == 200
    body = r.json()
    assert body["promoted"] == "v1" and body["serving"] == "v1"
    assert [(v["version"], v["promoted"]) for v in body["versions"]] == [("v1", True)]
    assert httpx.get(f"{base}/api/v1/healthz").json()["model_version"] == "v1"


def test_uncertain_briefs_come_smallest_margin_first(loop_server, editor, submitted):
    r = editor.get("/api/v1/queue/uncertain", params={"limit": 15})
    assert r.status_code == 200
    body = r.json()
    assert body["model_version"] == "v1" and body["total_open"] == len(submitted) and len(body["items"]) == 15
    margins = [item["margin"] for item in body["items"]]
    assert margins == sorted(margins)
    for item in body["items"]:
        first, second = item["candidates"]
        assert first["probability"] >= second["probability"]
        assert abs(first["probability"] - second["probability"] - item["margin"]) < 1e-3
        assert item["id"] in submitted
    # the rest of the queue is surer than the least sure shown
    everything = editor.get("/api/v1/queue/uncertain", params={"limit": 200}).json()["items"]
    assert len(everything) == min(len(submitted), 200) and everything[14]["margin"] <= everything[-1]["margin"]
    officer = login(loop_server[0], "officer0", "officer-pass-0")
    assert officer.get("/api/v1/queue/uncertain").status_code == 403


def test_damaged_or_unknown_version_is_refused_and_the_champion_stays(loop_server, admin, loop_champion_dir):
    base, root = loop_server[0], loop_server[1]
    registry = ModelRegistry(root)
    damaged = registry.register_dir(loop_champion_dir, parent="v1")
    path = root / damaged / "classifier.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    r = admin.post(f"/api/v1/admin/models/{damaged}/promote")
    assert r.status_code == 409 and r.json()["code"] == "model_hash_mismatch", r.text
    assert "拒绝加载" in r.json()["message"]
    r = admin.post("/api/v1/admin/models/v99/promote")
    assert r.status_code == 404 and r.json()["code"] == "version_not_found"
    r = admin.post("/api/v1/admin/models/..%2Fv1/promote")
    assert r.status_code in (404, 422) and r.json()["code"] in ("invalid_version", "http_404")
    assert admin.post("/api/v1/admin/models/rollback").json()["code"] == "nothing_to_rollback"
    assert registry.champion() == "v1"
    assert httpx.get(f"{base}/api/v1/healthz").json()["model_version"] == "v1"


def test_promotions_switch_models_without_dropping_requests(loop_server, admin, loop_champion_dir):
    base, root = loop_server[0], loop_server[1]
    twin = ModelRegistry(root).register_dir(loop_champion_dir, parent="v1")  # same model, another version
    officer = login(base, "officer0", "officer-pass-0")
    seen, failures, stop = [], [], threading.Event()

    def hammer():
        while not stop.is_set():
            r = officer.post("/api/v1/check", json={"title": "关于加快农村公路危桥改造的建议", "body": ""})
            if r.status_code != 200:
                failures.append(r.status_code)
            else:
                seen.append(r.json()["model_version"])

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        for _ in range(3):
            assert admin.post(f"/api/v1/admin/models/{twin}/promote").json()["serving"] == twin
            time.sleep(0.3)
            assert admin.post("/api/v1/admin/models/rollback").json()["serving"] == "v1"
            time.sleep(0.3)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures and len(seen) > 3 and set(seen) <= {"v1", twin}
    assert httpx.get(f"{base}/api/v1/healthz").json()["model_version"] == "v1"


def _decide(editor, brief_id, sample, review_category):
    """What an editor does with a brief whose true labels are the sample's."""
    decisions = []
    if review_category != sample.labels.category:
        decisions.append({"action": "recategorise", "category": sample.labels.category})
    adoption = sample.labels.adoption
    if adoption.adopted:
        decisions.append({"action": "adopt", "level": adoption.level})
    else:
        decisions.append({"action": "reject"})
    if adoption.instruction != "none":
        decisions.append({"action": "instruction", "level": adoption.instruction, "text": "请有关部门研究落实"})
    for d in decisions:
        r = editor.post(f"/api/v1/briefs/{brief_id}/decisions", json=d)
        assert r.status_code == 201, r.text
    return decisions[0]["action"] == "recategorise"


def _wait(admin, job_id, timeout=1200):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = admin.get(f"/api/v1/admin/jobs/{job_id}").json()
        if job["step"] and job["step"] not in seen:
            seen.append(job["step"])
        if job["status"] in ("done", "failed"):
            return job, seen
        time.sleep(1)
    raise AssertionError(f"retraining did not finish: {seen}")


@pytest.mark.slow
def test_decisions_retrain_and_the_promoted_model_serves(loop_server, loop_data, admin, editor, submitted):
    base, root = loop_server[0], loop_server[1]
    officer = login(base, "officer0", "officer-pass-0")
    corrected = {bid for bid, sample in submitted.items()
                 if _decide(editor, bid, sample, editor.get(f"/api/v1/briefs/{bid}").json()["category"])}
    assert corrected  # the champion got some of them wrong; editors corrected those

    r = admin.post("/api/v1/admin/retrain")
    assert r.status_code == 202 and r.json()["status"] in ("queued", "running")
    again = admin.post("/api/v1/admin/retrain")
    assert again.status_code == 409 and again.json()["code"] == "retrain_running"
    # the service keeps answering during the retraining, with the champion
    assert officer.post("/api/v1/check", json={"title": "我县召开安全生产会议", "body": ""}).json()["model_version"] == "v1"
    job, steps = _wait(admin, r.json()["id"])
    assert job["status"] == "done", job
    result = job["result"]
    assert len(job["progress"]) >= 6 and any("交叉预测" in s["message"] for s in job["progress"])
    # evaluated on the same data: the newest briefs (all new to the champion) and the held-out set
    comparison = result["comparison"]
    time_n = comparison["challenger"]["time"]["n"]
    assert comparison["champion"]["time"]["n"] == time_n == round((len(loop_data[1]) + len(loop_data[2])) * 0.2)
    assert comparison["champion"]["heldout"]["n"] == comparison["challenger"]["heldout"]["n"] == 120
    assert (result["promoted"], result["reason"]) == decide(comparison["champion"], comparison["challenger"], 0.02)
    assert result["promoted"], result["reason"]
    version = result["version"]
    assert job["progress"][-1]["message"] == f"训练完成:{version} 已上线"

    # the running service switched without a restart; new reviews carry the new version
    assert httpx.get(f"{base}/api/v1/healthz").json()["model_version"] == version
    new = officer.post("/api/v1/briefs", json={"title": "我县出现小麦条锈病", "body": "4月2日,在柳集镇发现条锈病病叶。"})
    assert new.status_code == 201 and new.json()["review"]["model_version"] == version
    models = admin.get("/api/v1/admin/models").json()
    assert models["promoted"] == models["serving"] == version
    entry = next(v for v in models["versions"] if v["version"] == version)
    assert entry["parent"] == "v1" and entry["decision"]["promoted"] is True

    # the snapshot it trained on holds the editors' decisions, corrections included
    meta = ModelRegistry(root).meta(version)
    rows = [json.loads(line) for line in
            (root / "snapshots" / f"{meta['snapshot_hash'][:16]}.jsonl").read_text(encoding="utf-8").splitlines()]
    from_db = {r["id"]: r for r in rows if r["source"] == "database"}
    assert set(from_db) == set(submitted)
    for bid, sample in submitted.items():
        assert from_db[bid]["categories"][0] == sample.labels.category
        assert from_db[bid]["adoption"] == {"level": sample.labels.adoption.level,
                                            "instruction": sample.labels.adoption.instruction}
        assert from_db[bid]["corrected"] == (bid in corrected)

    # the run's report is listed and served to admins only
    reports = admin.get("/api/v1/admin/reports").json()
    assert reports[0]["name"] == f"retrain-{version}"
    page = admin.get(reports[0]["url"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"{version} 已上线" in page.text
    svg = admin.get(f"/api/v1/admin/reports/retrain-{version}/comparison.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and "当前模型" in svg.text
    assert editor.get(reports[0]["url"]).status_code == 403
    assert admin.get(f"/api/v1/admin/reports/retrain-{version}/..%2F..%2Fpromoted.json").status_code == 404

    # rollback and promotion switch the serving model at once
    assert admin.post("/api/v1/admin/models/rollback").json()["serving"] == "v1"
    assert httpx.get(f"{base}/api/v1/healthz").json()["model_version"] == "v1"
    assert admin.post(f"/api/v1/admin/models/{version}/promote").json()["serving"] == version
    assert officer.post("/api/v1/check", json={"title": "我县召开安全生产会议", "body": ""}).json()["model_version"] == version


def test_admin_and_editor_pages_of_the_learning_loop(loop_server, browser):
    """After the retraining above: the admin page lists the versions and the run's report,
    which opens in Chromium with every plot loaded; editors get the uncertain-items page."""
    base = loop_server[0]
    admin = page_in_browser(browser, base, "admin1", "admin-pass-1")
    admin.goto(f"{base}/admin")
    serving = admin.inner_text("[data-testid=serving]")
    rows = admin.locator("table.models tr[data-version]")
    versions = [rows.nth(i).get_attribute("data-version") for i in range(rows.count())]
    assert "v1" in versions and serving in versions
    assert "上线中" in admin.inner_text(f"tr[data-version='{serving}']")

    with admin.expect_navigation():
        admin.locator("a", has_text="retrain-").first.click()
    images = admin.locator("img")
    assert images.count() >= 5
    admin.wait_for_load_state("load")
    sizes = admin.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert all(complete and width > 100 and height > 100 for complete, width, height in sizes), sizes

    # Promotion from the page switches the serving model (back to v1, then forward again).
    admin.goto(f"{base}/admin")
    follow(admin, "tr[data-version='v1'] button:has-text('上线')")
    assert admin.inner_text("[data-testid=serving]") == "v1"
    assert httpx.get(f"{base}/api/v1/healthz").json()["model_version"] == "v1"
    follow(admin, f"tr[data-version='{serving}'] button:has-text('上线')")
    assert admin.inner_text("[data-testid=serving]") == serving

    editor = page_in_browser(browser, base, "editor1", "editor-pass-1")
    editor.goto(f"{base}/uncertain")
    margins = [float(t) for t in editor.locator("tr[data-row] td:last-child").all_inner_texts()]
    assert margins and margins == sorted(margins)
    assert editor.goto(f"{base}/admin").status == 403
