"""The administrator's pages over real HTTP (SQLite and PostgreSQL) and in Chromium.

A service serving the registry's champion (the session model), retrained once per database
on a small sample file plus the editors' decisions: the job's result page in Chinese, the
models' status after a rollback; re-enabling a user; the audit log's filters and pages;
the favicon.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from html import unescape

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from models.registry import ModelRegistry
from review import clock

from tests.api.conftest import DESKTOP, PHONE, follow, login, page_in_browser, running, screenshot
from tests.api.test_pages import _csrf, page_login
from tests.conftest import SAMPLES

SAMPLE_COUNT = 300
BRIEFS = [
    {"title": "清河县部分村级光伏电站运维缺位 发电收益下降",
     "body": "今年以来,我县38个村级光伏扶贫电站中有11个出现组件积灰、逆变器故障未及时维修等问题,"
             "1至10月发电量同比下降23%,村集体收益减少约46万元。建议由县农业农村局统一招标运维单位。"},
    {"title": "我县召开秋冬季农业生产工作会议", "body": "11月20日,我县召开秋冬季农业生产工作会议,部署下阶段工作。"},
    {"title": "柳集镇冬季供水管道冻裂 7600人饮水受影响",
     "body": "12月1日夜间气温骤降至零下12度,柳集镇主供水管道冻裂,7600名群众饮水受到影响,"
             "目前已组织送水车每日送水,预计3日内修复。"},
]


@pytest.fixture(scope="module")
def admin_server(trained_model_dir, database_url, tmp_path_factory):
    """A running service on the registry (champion v1 = the session model), retraining on the
    first SAMPLE_COUNT samples; an admin, an editor and an officer of each of two units."""
    base_dir = tmp_path_factory.mktemp("admin-server")
    root = base_dir / "registry"
    ModelRegistry(root).ensure_initial(trained_model_dir)
    samples = base_dir / "samples.jsonl"
    samples.write_text("".join(SAMPLES.read_text(encoding="utf-8").splitlines(keepends=True)[:SAMPLE_COUNT]),
                       encoding="utf-8")
    config = base_dir / "config.toml"
    config.write_text(f'[retrain]\nsamples = "{samples}"\n', encoding="utf-8")
    settings = Settings(database_url=database_url, model_root=root, config=config, secret_key="k" * 48)
    with running(create_app(settings)) as (base, app):
        service = app.state.service
        service.add_user("admin1", "admin-pass-1", "admin")
        service.add_user("editor1", "editor-pass-1", "editor")
        service.add_user("officer_a", "officer-pass-a", "officer", unit="清河县农业农村局")
        service.add_user("officer_b", "officer-pass-b", "officer", unit="安平县应急管理局")
        yield base, root


@pytest.fixture(scope="module")
def admin(admin_server):
    return login(admin_server[0], "admin1", "admin-pass-1")


@pytest.fixture(scope="module")
def decided(admin_server):
    """Three briefs submitted by officer_a and decided by the editor: {brief id: title}."""
    base = admin_server[0]
    officer, editor = login(base, "officer_a", "officer-pass-a"), login(base, "editor1", "editor-pass-1")
    out = {}
    for brief, decision in zip(BRIEFS, ({"action": "adopt", "level": "city"}, {"action": "reject"},
                                        {"action": "adopt", "level": "county"})):
        r = officer.post("/api/v1/briefs", json=brief)
        assert r.status_code == 201, r.text
        bid = r.json()["id"]
        assert editor.post(f"/api/v1/briefs/{bid}/decisions", json=decision).status_code == 201
        out[bid] = brief["title"]
    return out


@pytest.fixture(scope="module")
def retrained(admin_server, admin, decided):
    """One retraining job run to its end: the job as the API returns it."""
    r = admin.post("/api/v1/admin/retrain")
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        job = admin.get(f"/api/v1/admin/jobs/{r.json()['id']}").json()
        if job["status"] in ("done", "failed"):
            assert job["status"] == "done", job
            return job
        time.sleep(1)
    raise AssertionError("retraining did not finish")


# --- the retraining result -----------------------------------------------------------------


def test_retraining_result_page_reads_as_chinese(admin_server, retrained):
    base = admin_server[0]
    result = retrained["result"]
    page = page_login(base, "admin1", "admin-pass-1").get(f"/admin/jobs/{retrained['id']}")
    assert page.status_code == 200
    html = page.text
    assert "\\u" not in html  # no JSON escapes anywhere, the raw data included
    decision = re.search(r'data-testid="decision">([^<]+)<', html).group(1)
    assert decision == ("上线" if result["promoted"] else "未上线")
    assert "线性模型" in re.search(r'data-testid="model-kind">([^<]+)<', html).group(1)
    # data by source: the sample file and the editors' three decisions
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td></tr>", html))
    assert rows["手工标注样本"] == str(SAMPLE_COUNT)
    assert rows["编辑审核决定(系统中已审核的信息)"] == "3"
    assert rows["合计(训练数据快照)"] == str(SAMPLE_COUNT + 3)
    # the figures side by side, as computed; the champion trained on every sample, so only
    # three briefs are new to it: no time split, and the page says so
    held_c, held_n = result["comparison"]["champion"]["heldout"], result["comparison"]["challenger"]["heldout"]
    row = re.search(r'<tr data-split="固定留出集"><td>固定留出集\((\d+) 条\)</td><td>类别 macro-F1</td>\s*'
                    r'<td class="num">([0-9.]+)</td><td class="num">([0-9.]+)</td>\s*'
                    r'<td class="num[^"]*">([+-][0-9.]+)</td>', html)
    assert row.groups() == (str(held_n["n"]), f"{held_c['macro_f1']:.3f}", f"{held_n['macro_f1']:.3f}",
                            f"{held_n['macro_f1'] - held_c['macro_f1']:+.3f}")
    assert '<p class="muted" data-testid="skipped">本次未做时间切分测试:' in html and 'data-split="时间切分测试集"' not in html
    # the reason speaks only of the test set actually used
    assert "两个测试集" not in result["reason"] and "固定留出集" in result["reason"]
    assert "时间切分测试集上" not in result["reason"]
    assert f"原因:{result['reason']}" in html
    raw = re.search(r'<details class="raw"><summary>原始数据\(JSON\)</summary><pre>(.*?)</pre>', html, re.S).group(1)
    assert json.loads(unescape(raw)) == result
    assert result["version"] in html and f"训练完成:{result['version']}" in retrained["progress"][-1]["message"]


def test_rolled_back_version_no_longer_says_live(admin_server, admin, retrained):
    version = retrained["result"]["version"]
    if not retrained["result"]["promoted"]:
        assert admin.post(f"/api/v1/admin/models/{version}/promote").json()["serving"] == version
    statuses = {v["version"]: v["status"] for v in admin.get("/api/v1/admin/models").json()["versions"]}
    assert statuses == {"v1": "replaced", version: "champion"}
    assert admin.post("/api/v1/admin/models/rollback").json()["serving"] == "v1"
    statuses = {v["version"]: v["status"] for v in admin.get("/api/v1/admin/models").json()["versions"]}
    assert statuses == {"v1": "champion", version: "rolled_back"}
    r = page_login(admin_server[0], "admin1", "admin-pass-1").get("/admin")
    assert r.status_code == 200, r.text
    html = r.text
    row = re.search(rf'<tr data-version="{version}".*?</tr>', html, re.S).group(0)
    assert "已回退下线" in row and "上线中" not in row and "已上线" not in row
    assert "上线中" in re.search(r'<tr data-version="v1".*?</tr>', html, re.S).group(0)
    audit = admin.get("/api/v1/admin/audit", params={"action": "model_rollback"}).json()
    assert [e["target"] for e in audit["items"]] == ["v1"]
    finished = admin.get("/api/v1/admin/audit", params={"action": "retrain_finish"}).json()["items"]
    assert [(e["target"], e["user"], e["detail"]["promoted"]) for e in finished] == \
        [(version, None, retrained["result"]["promoted"])]


# --- users ---------------------------------------------------------------------------------


def test_a_disabled_user_is_enabled_again_without_old_sessions(admin_server, admin):
    base = admin_server[0]
    old = login(base, "officer_b", "officer-pass-b")
    assert old.get("/api/v1/briefs").status_code == 200
    assert admin.post("/api/v1/admin/users/officer_b/disable").json()["active"] is False
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": "officer_b", "password": "officer-pass-b"})
    assert r.status_code == 401
    for client in (old, login(base, "editor1", "editor-pass-1")):
        r = client.post("/api/v1/admin/users/officer_b/enable")
        assert r.status_code in (401, 403) and r.json()["code"] in ("unauthorized", "forbidden")
    r = admin.post("/api/v1/admin/users/officer_b/enable")
    assert r.status_code == 200 and r.json() == {"username": "officer_b", "role": "officer",
                                                 "unit": "安平县应急管理局", "active": True, "unit_head": False}
    assert old.get("/api/v1/briefs").status_code == 401  # a session from before the disabling stays dead
    time.sleep(1.1)  # a token's issue time is in whole seconds
    assert login(base, "officer_b", "officer-pass-b").get("/api/v1/briefs").status_code == 200
    r = admin.post("/api/v1/admin/users/officer_b/enable")
    assert r.status_code == 409 and r.json()["code"] == "user_active" and "未被停用" in r.json()["message"]
    assert admin.post("/api/v1/admin/users/ghost/enable").status_code == 404
    actions = [(e["action"], e["user"]) for e in
               admin.get("/api/v1/admin/audit", params={"user": "admin1"}).json()["items"]
               if e["target"] == "officer_b"]
    assert actions[:2] == [("user_enable", "admin1"), ("user_disable", "admin1")]


# --- the audit log ---------------------------------------------------------------------------


def test_audit_log_filters_pages_and_names_briefs(admin_server, admin, decided):
    base = admin_server[0]
    editor = login(base, "editor1", "editor-pass-1")
    deadline = (clock.today() + timedelta(days=20)).isoformat()
    r = editor.post("/api/v1/topics", json={"title": "冬季供水保障", "description": "管道防冻", "deadline": deadline})
    assert r.status_code == 201
    entries = admin.get("/api/v1/admin/audit", params={"action": "topic_create"}).json()["items"]
    assert [(e["user"], e["target"], e["target_title"]) for e in entries] == \
        [("editor1", str(r.json()["id"]), "冬季供水保障")]

    decisions = admin.get("/api/v1/admin/audit", params={"user": "editor1", "action": "decide_adopt"}).json()
    assert decisions["total"] == 2
    assert {e["target"]: e["target_title"] for e in decisions["items"]} == \
        {bid: title for bid, title in decided.items() if "会议" not in title}
    submits = admin.get("/api/v1/admin/audit", params={"user": "officer_a", "action": "submit"}).json()
    assert submits["total"] == 3 and {e["user"] for e in submits["items"]} == {"officer_a"}

    # dates: today holds everything, yesterday nothing
    today, yesterday = clock.today().isoformat(), (clock.today() - timedelta(days=1)).isoformat()
    total = admin.get("/api/v1/admin/audit").json()["total"]
    assert admin.get("/api/v1/admin/audit", params={"from": today, "to": today}).json()["total"] == total
    assert admin.get("/api/v1/admin/audit", params={"to": yesterday}).json()["total"] == 0
    assert admin.get("/api/v1/admin/audit", params={"from": "2026-02-30"}).status_code == 422

    # paging, newest first, no entry twice
    first = admin.get("/api/v1/admin/audit", params={"limit": 3}).json()["items"]
    second = admin.get("/api/v1/admin/audit", params={"limit": 3, "offset": 3}).json()["items"]
    ids = [e["id"] for e in first + second]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6

    # the page: Chinese names, brief titles linked, pager
    client = page_login(base, "admin1", "admin-pass-1")
    html = client.get("/admin/audit", params={"user": "editor1", "action": "decide_adopt"}).text
    assert 'data-testid="audit-count">共 2 条,第 1 / 1 页' in html
    for bid, title in decided.items():
        if "会议" not in title:
            assert f'<a href="/briefs/{bid}" title="{bid}">{title}</a>' in html
    assert html.count('<td data-action="decide_adopt">采用</td>') == 2 and "上一页" not in html
    for _ in range(55 - admin.get("/api/v1/admin/audit").json()["total"]):
        login(base, "editor1", "editor-pass-1")  # enough entries for two pages
    total = admin.get("/api/v1/admin/audit").json()["total"]
    page2 = client.get("/admin/audit", params={"page": 2}).text
    assert "上一页" in page2 and f"第 2 / {-(-total // 50)} 页" in page2
    assert client.get("/admin/audit", params={"from": "2026-13-01"}).status_code == 422
    assert page_login(base, "editor1", "editor-pass-1").get("/admin/audit").status_code == 403


def test_favicon_is_served(admin_server):
    base = admin_server[0]
    r = httpx.get(f"{base}/favicon.ico")
    assert r.status_code == 301 and r.headers["location"] == "/static/favicon.svg"
    icon = httpx.get(f"{base}/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


# --- in Chromium, at desktop and phone sizes --------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_retraining_result_and_report_in_browser(admin_server, browser, retrained, viewport):
    base = admin_server[0]
    page = page_in_browser(browser, base, "admin1", "admin-pass-1", viewport)
    page.goto(f"{base}/admin/jobs/{retrained['id']}")
    assert page.inner_text("[data-testid=decision]") == ("上线" if retrained["result"]["promoted"] else "未上线")
    assert page.inner_text("[data-testid=reason]").startswith("原因:")
    # readable at this width: nothing wider than the screen, the raw data folded away
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert not page.is_visible("details.raw pre")
    assert page.locator("table.retrain-metrics td:nth-child(5)").first.is_visible()  # the difference column stays
    screenshot(page, "admin-retrain-result")
    page.click("details.raw summary")
    assert page.is_visible("details.raw pre")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # the JSON wraps
    screenshot(page, "admin-retrain-result-raw")
    follow(page, "text=查看完整评估报告")
    page.wait_for_load_state("load")
    sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert len(sizes) == 7 and all(ok and width > 200 for ok, width in sizes), sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, "admin-retrain-report")
    follow(page, "a:has-text('返回模型管理') >> nth=0")
    assert page.url.endswith("/admin#models")
    # the 上线 button of the rolled-back version stays on one line
    button = page.locator(f"tr[data-version='{retrained['result']['version']}'] button:has-text('上线')")
    assert button.is_visible()
    box = button.bounding_box()
    line = page.evaluate("b => parseFloat(getComputedStyle(b).lineHeight) || 24", button.element_handle())
    assert box["width"] > box["height"] and box["height"] < 2 * line, box
    assert page.inner_text(f"tr[data-version='{retrained['result']['version']}'] [data-testid=model-status]") == \
        "已回退下线"
    screenshot(page, "admin-models")
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_disable_and_enable_a_user_in_browser(admin_server, browser, viewport):
    base = admin_server[0]
    name = f"temp_{viewport['width']}"
    page = page_in_browser(browser, base, "admin1", "admin-pass-1", viewport)
    page.goto(f"{base}/admin")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", "temp-pass-1")
    page.select_option("select[name=role]", "editor")
    follow(page, "button:has-text('添加')")
    row = f"tr[data-user='{name}']"
    follow(page, f"{row} button:has-text('停用')")
    assert "已停用" in page.inner_text(row) and page.is_visible(f"{row} button:has-text('启用')")
    screenshot(page, "admin-user-disabled")
    follow(page, f"{row} button:has-text('启用')")
    assert page.inner_text(".flash") == f"已启用用户 {name}"
    assert "正常" in page.inner_text(row) and page.is_visible(f"{row} button:has-text('停用')")
    screenshot(page, "admin-user-enabled")
    page.goto(f"{base}/admin/audit?user=admin1&action=user_enable")
    assert page.locator("table.audit td.target").all_inner_texts()[0] == name
    page.context.close()
    time.sleep(1.1)  # tokens from before the disabling are refused up to the end of its second
    again = page_in_browser(browser, base, name, "temp-pass-1", viewport)
    assert again.url.endswith("/queue")
    again.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_audit_log_filtered_in_browser(admin_server, browser, decided, viewport):
    base = admin_server[0]
    page = page_in_browser(browser, base, "admin1", "admin-pass-1", viewport)
    page.goto(f"{base}/admin")
    follow(page, "text=查看全部审计日志")
    assert page.url.endswith("/admin/audit")
    screenshot(page, "admin-audit")
    page.select_option("select[name=user]", "editor1")
    page.select_option("select[name=action]", label="采用")
    page.fill("input[name=from]", clock.today().isoformat())
    follow(page, "button:has-text('筛选')")
    actions = page.locator("table.audit td[data-action]")
    assert actions.all_inner_texts() == ["采用", "采用"]
    assert {a.get_attribute("data-action") for a in actions.all()} == {"decide_adopt"}
    titles = page.locator("table.audit td.target a").all_inner_texts()
    assert sorted(titles) == sorted(t for t in decided.values() if "会议" not in t)
    assert page.inner_text("[data-testid=audit-count]") == "共 2 条,第 1 / 1 页"
    # the form keeps the chosen filters
    assert page.input_value("select[name=user]") == "editor1"
    assert page.input_value("select[name=action]") == "decide_adopt"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, "admin-audit-filtered")
    follow(page, "table.audit td.target a >> nth=0")
    assert "/briefs/" in page.url
    page.go_back()
    follow(page, "text=清除筛选")
    follow(page, "a:has-text('下一页')")
    assert "page=2" in page.url and page.is_visible("a:has-text('上一页')")
    screenshot(page, "admin-audit-page-2")
    page.context.close()


# --- editable settings -----------------------------------------------------------------------


def _unit_points(client, unit: str) -> float:
    today = clock.today().isoformat()
    units = client.get("/api/v1/stats/units", params={"from": today, "to": today}).json()["units"]
    return next(u["points"] for u in units if u["unit"] == unit)


def _stale(client) -> bool:
    event = (clock.now() - timedelta(days=2)).isoformat()
    r = client.post("/api/v1/check", json={"title": BRIEFS[2]["title"], "body": BRIEFS[2]["body"], "event_at": event})
    assert r.status_code == 200, r.text
    return "stale" in [f["code"] for f in r.json()["flags"]]


def test_points_and_freshness_are_edited_and_apply_at_once(admin_server, admin, decided):
    base = admin_server[0]
    editor, officer = login(base, "editor1", "editor-pass-1"), login(base, "officer_a", "officer-pass-a")
    for client in (editor, officer):
        assert client.get("/api/v1/admin/settings").status_code == 403
        assert client.patch("/api/v1/admin/settings", json={"points.submitted": 1}).status_code == 403
    settings = {s["key"]: s for s in admin.get("/api/v1/admin/settings").json()}
    assert settings["points.adoption.city"].items() >= {"value": 8, "file_value": 8, "overridden": False,
                                                       "label": "市级采用", "unit": "分"}.items()
    assert settings["freshness.window_days.routine"]["value"] == 3
    # officer_a's three briefs: 3 × 0.5 for submitting, a city (8) and a county (4) adoption
    assert _unit_points(editor, "清河县农业农村局") == 13.5
    assert not _stale(officer)  # an event two days old is within every window

    windows = {k: 1 for k in settings if k.startswith("freshness.window_days.")}
    r = admin.patch("/api/v1/admin/settings", json={"points.adoption.city": 9.5, "points.submitted": "0.5", **windows})
    assert r.status_code == 200, r.text
    changes = {c["key"]: (c["old"], c["new"]) for c in r.json()["changes"]}
    assert changes["points.adoption.city"] == (8, 9.5) and "points.submitted" not in changes  # unchanged
    assert changes["freshness.window_days.experience"] == (30, 1)
    # applied without a restart: the 通报's points and the self-check's staleness
    assert _unit_points(editor, "清河县农业农村局") == 15.0
    assert _stale(officer)
    after = {s["key"]: s for s in admin.get("/api/v1/admin/settings").json()}
    assert after["points.adoption.city"]["value"] == 9.5 and after["points.adoption.city"]["overridden"]

    # refused values change nothing and say why, in Chinese, per field
    for bad, words in ((-1, "不能小于 0"), ("abc", "不是数字"), ("", "请填写一个数字"), (1e9, "不能大于")):
        r = admin.patch("/api/v1/admin/settings", json={"points.submitted": bad, "points.adoption.county": 5})
        assert r.status_code == 422 and r.json()["code"] == "invalid_setting", r.text
        assert r.json()["message"].startswith("每条报送:") and words in r.json()["message"]
    r = admin.patch("/api/v1/admin/settings", json={"retrain.tolerance": 0.5})
    assert r.status_code == 422 and r.json()["code"] == "unknown_setting"
    assert {s["key"]: s["value"] for s in admin.get("/api/v1/admin/settings").json()}["points.adoption.county"] == 4

    # every change is in the audit log, old → new
    entry = admin.get("/api/v1/admin/audit", params={"action": "setting_change"}).json()["items"][0]
    assert entry["user"] == "admin1"
    assert {(c["key"], c["old"], c["new"]) for c in entry["detail"]["changes"]} >= \
        {("points.adoption.city", 8, 9.5), ("freshness.window_days.routine", 3, 1)}

    # the file's value again removes the override
    r = admin.patch("/api/v1/admin/settings", json={"points.adoption.city": 8,
                                                    **{k: settings[k]["file_value"] for k in windows}})
    assert r.status_code == 200
    assert not any(s["overridden"] for s in r.json()["settings"])
    assert _unit_points(editor, "清河县农业农村局") == 13.5 and not _stale(officer)


def test_settings_form_keeps_input_on_error(admin_server):
    client = page_login(admin_server[0], "admin1", "admin-pass-1")
    csrf = _csrf(client.get("/admin").text)
    r = client.post("/admin/settings", data={"csrf": csrf, "points.submitted": "-2", "points.adoption.city": "九",
                                             "points.adoption.county": "6"})
    assert r.status_code == 422
    assert 'name="points.submitted" value="-2"' in r.text and 'name="points.adoption.city" value="九"' in r.text
    assert 'name="points.adoption.county" value="6"' in r.text  # a valid field keeps what was typed too
    assert "不能小于 0" in r.text and "“九”不是数字" in r.text and "有 2 项填写有误" in r.text
    assert 'name="points.adoption.county" value="4"' in client.get("/admin").text  # nothing saved
    r = client.post("/admin/settings", data={"csrf": csrf, "points.adoption.county": "6"})
    assert r.status_code == 303
    page = client.get("/admin").text
    assert 'name="points.adoption.county" value="6"' in page and "已修改(配置文件中为 4)" in page
    assert "县级采用:4 → 6" in page  # the audit log on the page shows the change
    r = client.post("/admin/settings", data={"csrf": "forged", "points.adoption.county": "7"})
    assert r.status_code == 403
    assert client.post("/admin/settings", data={"csrf": csrf, "points.adoption.county": "4"}).status_code == 303
    editor = page_login(admin_server[0], "editor1", "editor-pass-1")
    r = editor.post("/admin/settings", data={"csrf": _csrf(editor.get("/queue").text), "points.submitted": "3"})
    assert r.status_code == 403


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_edit_settings_in_browser(admin_server, browser, viewport):
    base = admin_server[0]
    page = page_in_browser(browser, base, "admin1", "admin-pass-1", viewport)
    page.goto(f"{base}/admin#settings")
    field = "input[name='points.instruction.city']"
    assert page.input_value(field) == "15"
    screenshot(page, "admin-settings")
    page.fill(field, "-5")
    page.fill("input[name='freshness.urgent_deadline_hours']", "3")
    follow(page, "button:has-text('保存设置')")
    assert page.inner_text("[data-testid=settings-error]").startswith("有 1 项填写有误")
    assert page.input_value(field) == "-5" and page.input_value("input[name='freshness.urgent_deadline_hours']") == "3"
    assert page.inner_text("label[data-key='points.instruction.city'] .error") == "不能小于 0"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, "admin-settings-error")
    page.fill(field, "16")
    follow(page, "button:has-text('保存设置')")
    assert "市级领导批示 15 → 16" in page.inner_text(".flash")
    assert "紧急信息报送时限 2 → 3" in page.inner_text(".flash")
    assert page.input_value(field) == "16"
    screenshot(page, "admin-settings-saved")
    # back to the file's values, so each size starts alike
    page.fill(field, "15")
    page.fill("input[name='freshness.urgent_deadline_hours']", "2")
    follow(page, "button:has-text('保存设置')")
    assert "已修改" not in page.inner_text("#settings")
    page.context.close()
