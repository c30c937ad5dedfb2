"""The editor's desk over HTTP on both databases, and in Chromium at desktop and phone sizes:
undo (撤销) of a decision, search, bulk 不采用, canned return comments, priority in words,
and the queue's columns on a phone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from api.formats import format_points
from review.config import load_config
from review.history import replay_status
from tests.api.conftest import DESKTOP, PHONE, follow, login, page_in_browser, screenshot

UNIT_A = "清河县农业农村局"
UNIT_B = "安平县应急管理局"
POINTS = load_config().section("points")
DESK = load_config().section("desk")


def brief_text(token: str, extra: str = "") -> dict:
    """A problem-like brief with figures, made unique by `token`."""
    return {"title": f"南部乡镇小麦赤霉病出现扩散苗头{token}",
            "body": f"今天上午,县植保站对南部5个乡镇开展病情调查,调查田块86块,发现赤霉病病穗的有31块,占36%,"
                    f"比去年同期明显偏高。{extra}据气象部门预报,未来10天仍有2至3次降雨,病害可能进一步扩散。"
                    f"建议县财政安排应急资金120万元,组织统防统治。标记{token}。"}


def submit(client, token: str, extra: str = "") -> str:
    r = client.post("/api/v1/briefs", json=brief_text(token, extra))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def decide(client, brief_id: str, **decision) -> dict:
    r = client.post(f"/api/v1/briefs/{brief_id}/decisions", json=decision)
    assert r.status_code == 201, r.text
    return r.json()


def undo(client, brief_id: str, decision_id: int, **headers):
    return client.post(f"/api/v1/briefs/{brief_id}/decisions/{decision_id}/undo", headers=headers)


def unit_points(editor, unit: str) -> tuple[float, int]:
    from review import clock

    today = clock.today().isoformat()
    stats = editor.get("/api/v1/stats/units", params={"from": today, "to": today}).json()["units"]
    row = next(st for st in stats if st["unit"] == unit)
    return row["points"], row["adopted"]


@pytest.fixture(scope="module")
def editor2(server):
    """A second editor (someone else deciding)."""
    service = server[1].state.service
    if "editor2" not in [u["username"] for u in service.list_users()]:
        service.add_user("editor2", "editor-pass-2", "editor")
    return login(server[0], "editor2", "editor-pass-2")


@pytest.fixture(scope="module")
def admin(server):
    return login(server[0], "admin1", "admin-pass-1")


def backdate(server, decision_id: int, minutes: float) -> None:
    """Move a decision `minutes` into the past, as if the editor had made it then."""
    from storage.db import transaction
    from storage.tables import Decision

    service = server[1].state.service
    with transaction(service.sessions) as session:
        row = session.get(Decision, decision_id)
        session.execute(update(Decision).where(Decision.id == decision_id)
                        .values(created_at=row.created_at - timedelta(minutes=minutes)))


# --- undo over HTTP ------------------------------------------------------------------------------


def test_undo_restores_status_and_points_and_is_audited(officer_a, editor, admin):
    brief_id = submit(officer_a, uuid.uuid4().hex[:8])
    before_points, before_adopted = unit_points(editor, UNIT_A)
    adopted = decide(editor, brief_id, action="adopt", level="city")
    assert adopted["status"] == "adopted" and adopted["points"]["adoption"] == POINTS["adoption"]["city"]
    assert unit_points(editor, UNIT_A) == (pytest.approx(before_points + POINTS["adoption"]["city"]),
                                           before_adopted + 1)
    decision_id = adopted["decisions"][-1]["id"]

    r = undo(editor, brief_id, decision_id)
    assert r.status_code == 201, r.text
    brief = r.json()
    assert brief["status"] == "submitted"
    assert brief["points"] == {"submitted": POINTS["submitted"], "adoption": 0.0, "instruction": 0.0,
                               "total": POINTS["submitted"]}
    assert [(d["action"], d["undone"], d["undoes_id"]) for d in brief["decisions"]] == [
        ("adopt", True, None), ("undo", False, decision_id)]
    # The 通报 no longer counts the adoption; the brief is back in the queue.
    assert unit_points(editor, UNIT_A) == (pytest.approx(before_points), before_adopted)
    assert brief_id in [i["id"] for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]]
    # The officer sees the same history.
    assert officer_a.get(f"/api/v1/briefs/{brief_id}").json()["status"] == "submitted"
    # Recorded in the audit log under its own action.
    audit = admin.get("/api/v1/admin/audit", params={"limit": 20}).json()["items"]
    entry = next(e for e in audit if e["action"] == "undo_decision" and e["target"] == brief_id)
    assert entry["user"] == "editor1" and entry["detail"] == {"decision_id": decision_id, "action": "adopt",
                                                              "level": "city"}

    # Deciding again after the undo works as on a fresh brief, and the status replays from the history.
    again = decide(editor, brief_id, action="reject")
    assert again["status"] == "rejected" == replay_status(_rows(again["decisions"]))


def _rows(decisions: list[dict]):
    from types import SimpleNamespace

    return [SimpleNamespace(**d) for d in decisions]


def test_undo_of_a_return_and_after_a_resubmission(officer_a, editor):
    brief_id = submit(officer_a, uuid.uuid4().hex[:8])
    returned = decide(editor, brief_id, action="return", text="请补充原因分析和对策建议")
    r = undo(editor, brief_id, returned["decisions"][-1]["id"])
    assert r.status_code == 201 and r.json()["status"] == "submitted"

    returned = decide(editor, brief_id, action="return", text="要素不全,请补充时间、地点、数据")
    r = officer_a.post(f"/api/v1/briefs/{brief_id}/versions", json=brief_text(uuid.uuid4().hex[:8], "新增数据3项。"))
    assert r.status_code == 201 and r.json()["status"] == "resubmitted"
    r = undo(editor, brief_id, returned["decisions"][-1]["id"])
    assert r.status_code == 409 and r.json()["code"] == "resubmitted_since" and "重报" in r.json()["message"]
    # A decision on the new version undone: back to 修改后重报, not to 待审.
    adopted = decide(editor, brief_id, action="adopt", level="county")
    r = undo(editor, brief_id, adopted["decisions"][-1]["id"])
    assert r.status_code == 201 and r.json()["status"] == "resubmitted" and r.json()["version"] == 2


def test_undo_refusals(server, officer_a, officer_b, editor, editor2):
    brief_id = submit(officer_a, uuid.uuid4().hex[:8])
    adopted = decide(editor, brief_id, action="adopt", level="county")
    adopt_id = adopted["decisions"][-1]["id"]

    for officer in (officer_a, officer_b):  # officers: 403, even on their own unit's brief
        r = undo(officer, brief_id, adopt_id)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", r.text
    r = undo(editor2, brief_id, adopt_id)  # another editor's decision
    assert r.status_code == 409 and r.json()["code"] == "not_own_decision"
    r = undo(editor, brief_id, 2**31 - 1)
    assert r.status_code == 404 and r.json()["code"] == "decision_not_found"
    r = undo(editor, "no-such-brief", adopt_id)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    for bad in ("0", "abc", str(2**40)):
        r = editor.post(f"/api/v1/briefs/{brief_id}/decisions/{bad}/undo")
        assert r.status_code == 422 and r.json()["code"] == "invalid_request"

    # Not the latest decision: a 批示 came after the adoption.
    instructed = decide(editor, brief_id, action="instruction", level="county", text="请抓紧落实")
    r = undo(editor, brief_id, adopt_id)
    assert r.status_code == 409 and r.json()["code"] == "not_latest_decision"
    assert "最近" in r.json()["message"]
    # Undo the 批示, then the adoption becomes the latest and can go too.
    assert undo(editor, brief_id, instructed["decisions"][-1]["id"]).json()["points"]["instruction"] == 0.0
    r = undo(editor, brief_id, adopt_id)
    assert r.status_code == 201 and r.json()["status"] == "submitted"
    r = undo(editor, brief_id, adopt_id)  # twice
    assert r.status_code == 409 and r.json()["code"] == "already_undone"

    # After the window.
    late = decide(editor, brief_id, action="reject")["decisions"][-1]["id"]
    backdate(server, late, DESK["undo_minutes"] + 1)
    r = undo(editor, brief_id, late)
    assert r.status_code == 409 and r.json()["code"] == "undo_expired"
    assert f"{DESK['undo_minutes']:g} 分钟" in r.json()["message"]
    assert editor.get(f"/api/v1/briefs/{brief_id}").json()["status"] == "rejected"


def test_undo_is_idempotent_with_a_key(officer_a, editor):
    brief_id = submit(officer_a, uuid.uuid4().hex[:8])
    decision_id = decide(editor, brief_id, action="reject")["decisions"][-1]["id"]
    key = uuid.uuid4().hex
    first = undo(editor, brief_id, decision_id, **{"Idempotency-Key": key})
    again = undo(editor, brief_id, decision_id, **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert [d["action"] for d in again.json()["decisions"]] == ["reject", "undo"]
    assert again.json()["status"] == "submitted"
    # The key of a decision cannot be reused for an undo.
    reject_key = uuid.uuid4().hex
    r = editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "reject"},
                    headers={"Idempotency-Key": reject_key})
    r = undo(editor, brief_id, r.json()["decisions"][-1]["id"], **{"Idempotency-Key": reject_key})
    assert r.status_code == 409 and r.json()["code"] == "idempotency_mismatch"


# --- search over HTTP ----------------------------------------------------------------------------


def test_search_by_words_with_literal_wildcards_and_unit_scoping(officer_a, officer_b, editor):
    token = "检" + uuid.uuid4().hex[:10]
    percent = submit(officer_a, token, "其中病穗率增长5%以上,编号A_B。")
    plain = submit(officer_a, token, "其中病穗涉及50人,编号AXB。")
    other = submit(officer_b, token, "另有一处。")

    def ids(client, **params):
        r = client.get("/api/v1/briefs", params={"limit": 200, **params})
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids(editor, q=token) == [other, plain, percent]  # newest first
    assert ids(editor, q=f"{token} 5%") == [percent]  # % is literal, not "anything"
    assert ids(editor, q=f"{token} a_b") == [percent]  # _ literal; letters match either case
    assert ids(editor, q=f"{token} 另有一处") == [other]
    assert ids(editor, q=f"{token} 不存在的词") == []
    assert ids(editor, q=f"{token} \\") == []  # the escape character itself is literal
    # Officers see only their own unit's briefs, whatever they ask for.
    assert ids(officer_a, q=token) == [plain, percent]
    assert ids(officer_b, q=token) == [other]
    assert ids(officer_b, q=token, unit=UNIT_A) == []
    # Filters: unit, category, flag, dates; paging with limit/offset.
    assert ids(editor, q=token, unit=UNIT_B) == [other]
    category = editor.get(f"/api/v1/briefs/{percent}").json()["category"]
    assert percent in ids(editor, q=token, category=category)
    assert ids(editor, q=token, category="no_such") == []
    flags = editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]
    flag = next(f for i in flags if i["id"] == percent for f in i["flags"])
    assert percent in ids(editor, q=token, flag=flag)
    from review import clock

    today = clock.today()
    assert len(ids(editor, q=token, **{"from": today.isoformat(), "to": today.isoformat()})) == 3
    assert ids(editor, q=token, **{"from": (today + timedelta(days=1)).isoformat()}) == []
    assert ids(editor, q=token, to=(today - timedelta(days=1)).isoformat()) == []
    page = editor.get("/api/v1/briefs", params={"q": token, "limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [plain]
    # Each result carries the part of the body around the word.
    hit = editor.get("/api/v1/briefs", params={"q": "5%以上 " + token}).json()["items"][0]
    assert "5%以上" in hit["snippet"]


def test_search_rejects_bad_parameters_in_words(editor):
    for params in ({"q": "长" * 201}, {"flag": "Bad-Flag"}, {"from": "2026-13-01"}, {"to": "yesterday"},
                   {"limit": 0}, {"offset": -1}):
        r = editor.get("/api/v1/briefs", params=params)
        assert r.status_code == 422 and r.json()["code"] == "invalid_request", (params, r.text)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])


# --- bulk over HTTP ------------------------------------------------------------------------------


def test_bulk_reject_reports_what_it_could_not_decide(admin, officer_a, officer_b, editor, editor2):
    token = uuid.uuid4().hex[:8]
    first, second, taken = (submit(officer_a, f"{token}{n}") for n in range(3))
    decide(editor2, taken, action="adopt", level="county")  # someone else got there first
    r = editor.post("/api/v1/decisions/bulk", json={"brief_ids": [first, second, taken, "no-such", first],
                                                    "action": "reject", "text": "与已报信息重复"})
    assert r.status_code == 200, r.text
    result = r.json()
    assert [d["id"] for d in result["decided"]] == [first, second]
    assert [(x["id"], x["code"]) for x in result["refused"]] == [(taken, "already_decided"), ("no-such", "not_found")]
    assert "editor2" in result["refused"][0]["message"] and "已采用" in result["refused"][0]["message"]
    for brief_id in (first, second):
        brief = editor.get(f"/api/v1/briefs/{brief_id}").json()
        assert brief["status"] == "rejected"
        assert [(d["action"], d["text"]) for d in brief["decisions"]] == [("reject", "与已报信息重复")]
    assert editor.get(f"/api/v1/briefs/{taken}").json()["status"] == "adopted"
    audit = admin.get("/api/v1/admin/audit", params={"limit": 30}).json()["items"]
    assert sorted(e["target"] for e in audit if e["action"] == "decide_reject" and e["target"] in (first, second)) \
        == sorted([first, second])
    # Each bulk decision can be undone on its own.
    decision_id = editor.get(f"/api/v1/briefs/{first}").json()["decisions"][-1]["id"]
    assert undo(editor, first, decision_id).json()["status"] == "submitted"


def test_bulk_reject_refusals(officer_a, editor):
    brief_id = submit(officer_a, uuid.uuid4().hex[:8])
    r = officer_a.post("/api/v1/decisions/bulk", json={"brief_ids": [brief_id]})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = editor.post("/api/v1/decisions/bulk", json={"brief_ids": []})
    assert r.status_code == 422
    r = editor.post("/api/v1/decisions/bulk", json={"brief_ids": ["  "]})
    assert r.status_code == 422 and r.json()["code"] == "nothing_selected"
    r = editor.post("/api/v1/decisions/bulk", json={"brief_ids": [f"x{n}" for n in range(DESK["bulk_max"] + 1)]})
    assert r.status_code == 422 and r.json()["code"] == "too_many" and str(DESK["bulk_max"]) in r.json()["message"]
    r = editor.post("/api/v1/decisions/bulk", json={"brief_ids": [brief_id], "action": "adopt"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert editor.get(f"/api/v1/briefs/{brief_id}").json()["status"] == "submitted"


# --- priority in words -----------------------------------------------------------------------------


def test_queue_says_priority_in_words_from_its_factors(officer_a, officer_b, editor):
    from review import clock
    from review.brief import CATEGORY_NAMES_ZH

    r = officer_a.post("/api/v1/briefs", json={**brief_text(uuid.uuid4().hex[:8]),
                                               "event_at": (clock.now() - timedelta(hours=2)).isoformat()})
    warning = r.json()["id"]
    meeting = officer_b.post("/api/v1/briefs", json={
        "title": f"安平县召开安全生产工作会议{uuid.uuid4().hex[:6]}",
        "body": "县政府召开全县安全生产工作会议,传达学习上级会议精神,部署下一阶段工作。"
                "会议强调,各乡镇、各部门要压实责任,狠抓落实。"}).json()["id"]
    items = {i["id"]: i for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]}
    words = items[warning]["priority_words"]
    texts = [r["text"] for r in words["reasons"]]
    review = editor.get(f"/api/v1/briefs/{warning}").json()["review"]
    assert texts[0] == CATEGORY_NAMES_ZH[review["category"]] + "类"
    assert "有数据" in texts and "新近发生" in texts  # 10 figures; the event two hours before submission
    assert ("疑似重复" in texts) == ("duplicate" in [f["code"] for f in review["flags"]])
    assert words["text"] == "、".join(texts) + " → " + words["verdict"]
    meeting_words = items[meeting]["priority_words"]
    meeting_texts = [r["text"] for r in meeting_words["reasons"]]
    assert meeting_words["reasons"][0] == {"sign": "-", "text": "动态类"}
    assert "有数据" not in meeting_texts and "未写明事件时间" in meeting_texts
    order = {"优先": 0, "一般": 1, "靠后": 2}
    assert order[words["verdict"]] <= order[meeting_words["verdict"]]
    assert items[warning]["priority"] > items[meeting]["priority"]
    assert editor.get(f"/api/v1/briefs/{warning}").json()["priority_words"]["text"] == words["text"]


# --- in the browser, at desktop and phone sizes ------------------------------------------------------

SIZES = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def _brief_page(browser, base: str, viewport: dict, brief_id: str):
    page = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    page.goto(f"{base}/briefs/{brief_id}?back=/queue")
    return page


def waiting_in_queue(page, base: str, brief_id: str, token: str) -> bool:
    """The brief is in the queue page as its own row, or folded into a same-event row whose
    cluster page lists it as 待审 (this module's briefs are alike on purpose)."""
    if token in page.inner_text("table.queue"):
        return True
    here = page.url
    links = [a.get_attribute("href") for a in page.locator(".cluster-note a").all()]
    try:
        for href in links:
            page.goto(base + href)
            row = page.locator(f"[data-testid=members] tr[data-brief='{brief_id}']")
            if row.count() and "待审" in row.inner_text():
                return True
        return False
    finally:
        page.goto(here)


@SIZES
def test_editor_adopts_then_undoes_from_the_flash(server, browser, officer_a, viewport):
    base, _ = server
    token = uuid.uuid4().hex[:8]
    brief_id = submit(officer_a, token)
    page = _brief_page(browser, base, viewport, brief_id)
    screenshot(page, "desk-undo-brief")
    button = page.locator(".decide button[data-key='2']")
    if viewport is PHONE:
        # A tap asks first: the button turns into the question and nothing is recorded yet.
        button.tap()
        assert button.inner_text() == "确定采用(市级)?"
        assert f"/briefs/{brief_id}" in page.url and page.inner_text("[data-testid=status]") == "待审"
        screenshot(page, "desk-undo-confirm")
        button.tap()
    else:
        page.keyboard.press("2")  # one key on a desktop, no question
    page.wait_for_url(lambda url: "/queue" in url)
    assert "已记录:采用(市级)" in page.inner_text(".flash")
    assert token not in page.inner_text("table.queue")
    screenshot(page, "desk-undo-flash")

    follow(page, ".flash button:has-text('撤销')")
    assert "已撤销:采用(市级)" in page.inner_text(".flash") and "现为待审" in page.inner_text(".flash")
    assert page.locator(".flash form.undo").count() == 0  # nothing left to undo
    assert waiting_in_queue(page, base, brief_id, token)
    screenshot(page, "desk-undo-done")

    page.goto(f"{base}/briefs/{brief_id}")
    assert page.inner_text("[data-testid=status]") == "待审"
    assert page.inner_text("[data-testid=points]") == format_points(POINTS["submitted"])
    history = page.locator("ol.history li")
    assert history.count() == 2
    assert "已撤销" in history.nth(0).inner_text() and "采用" in history.nth(0).inner_text()
    assert "撤销了“采用(市级)”" in history.nth(1).inner_text()
    assert page.locator("ol.history form.undo").count() == 0  # nothing standing to take back
    screenshot(page, "desk-undo-history")
    assert page.dialogs == []


@SIZES
def test_search_from_the_nav_marks_the_words_and_keeps_units_apart(server, browser, officer_a, officer_b, viewport):
    base, _ = server
    token = "搜" + uuid.uuid4().hex[:8]
    hostile = officer_a.post("/api/v1/briefs", json={
        "title": f"<i>斜体</i>灌溉渠渗漏{token}",
        "body": f"全县12条灌溉渠中有5条出现渗漏,涉及农田3200亩。{token}需在春灌前修复,建议安排资金80万元。"}).json()["id"]
    mine_b = submit(officer_b, token)

    page = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    page.fill("header form.search input[name=q]", token)
    with page.expect_navigation():
        page.press("header form.search input[name=q]", "Enter")
    assert "/search?q=" in page.url
    rows = page.locator("table.results tr[data-row]")
    assert sorted(rows.nth(i).get_attribute("data-id") for i in range(rows.count())) == sorted([hostile, mine_b])
    row = page.locator(f"tr[data-id='{hostile}']")
    assert row.locator("mark.hit").first.inner_text() == token
    assert row.locator("i").count() == 0 and "<i>斜体</i>" in row.locator("td.c-title a").inner_text()
    assert "涉及农田3200亩" in row.locator(".snippet").inner_text()
    assert row.locator("td.c-title").is_visible() and row.locator("td.c-status").is_visible()
    screenshot(page, "desk-search-results")

    page.select_option("select[name=unit]", UNIT_B)
    follow(page, "form.filters button:has-text('搜索')")
    assert [rows.nth(i).get_attribute("data-id") for i in range(rows.count())] == [mine_b]
    screenshot(page, "desk-search-unit")

    officer = page_in_browser(browser, base, "officer_b", "officer-pass-b", viewport)
    officer.goto(f"{base}/search?q={token}")
    found = officer.locator("table.results tr[data-row]")
    assert [found.nth(i).get_attribute("data-id") for i in range(found.count())] == [mine_b]
    assert officer.locator("select[name=unit]").count() == 0 and "只搜索本单位" in officer.inner_text("main")
    assert officer.locator("input[type=checkbox][name=brief_id]").count() == 0  # no bulk for officers
    screenshot(officer, "desk-search-officer")
    assert page.dialogs == [] and officer.dialogs == []


@SIZES
def test_bulk_reject_with_a_canned_comment_reports_the_one_taken(server, browser, officer_a, editor, editor2,
                                                                 viewport):
    base, _ = server
    token = "批" + uuid.uuid4().hex[:8]
    ids = [submit(officer_a, f"{token}{n}") for n in range(3)]
    page = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    page.goto(f"{base}/search?q={token}")
    for brief_id in ids:
        page.check(f"tr[data-id='{brief_id}'] input[name=brief_id]")
    page.select_option("#bulk select.canned", "与已报信息重复")
    assert page.input_value("#bulk textarea[name=text]") == "与已报信息重复"
    screenshot(page, "desk-bulk-ticked")
    decide(editor2, ids[1], action="adopt", level="county")  # meanwhile, another editor adopts one

    button = page.locator("#bulk button[type=submit]")
    if viewport is PHONE:
        button.tap()
        assert button.inner_text() == "确定将勾选的信息全部不采用?" and "/search" in page.url
        with page.expect_navigation():
            button.tap()
    else:
        with page.expect_navigation():
            button.click()
    assert page.inner_text("[data-testid=bulk-decided] h2") == "已不采用 2 条"
    assert "与已报信息重复" in page.inner_text("[data-testid=bulk-decided]")
    refused = page.locator("[data-testid=bulk-refused] li")
    assert refused.count() == 1 and refused.get_attribute("data-id") == ids[1]
    assert "editor2" in refused.inner_text() and "已采用" in refused.inner_text()
    screenshot(page, "desk-bulk-result")
    statuses = [editor.get(f"/api/v1/briefs/{i}").json()["status"] for i in ids]
    assert statuses == ["rejected", "adopted", "rejected"]
    assert page.dialogs == []


@SIZES
def test_return_with_canned_comments_in_a_multiline_box(server, browser, officer_a, editor, viewport):
    base, _ = server
    brief_id = submit(officer_a, uuid.uuid4().hex[:8])
    page = _brief_page(browser, base, viewport, brief_id)
    box = "form.return textarea[name=text]"
    assert page.locator(box).evaluate("el => el.tagName") == "TEXTAREA"
    options = page.locator("form.return select.canned option").all_inner_texts()
    assert options[1:] == list(DESK["return_comments"])
    page.select_option("form.return select.canned", "要素不全,请补充时间、地点、数据")
    assert page.input_value(box) == "要素不全,请补充时间、地点、数据"
    page.fill(box, page.input_value(box) + "\n另请写明涉及农户数。")
    page.select_option("form.return select.canned", "请补充原因分析和对策建议")
    expected = "要素不全,请补充时间、地点、数据\n另请写明涉及农户数。\n请补充原因分析和对策建议"
    assert page.input_value(box) == expected
    screenshot(page, "desk-return-canned")
    with page.expect_navigation():
        page.click("form.return button:has-text('退回修改')")
    assert "已记录:退回修改" in page.inner_text(".flash")
    brief = editor.get(f"/api/v1/briefs/{brief_id}").json()
    assert brief["status"] == "returned" and brief["decisions"][-1]["text"] == expected
    page.goto(f"{base}/briefs/{brief_id}")
    assert page.locator("ol.history q").inner_text().split("\n") == expected.split("\n")
    screenshot(page, "desk-return-history")
    # The flash is gone, but the latest decision can still be taken back from the history.
    follow(page, "ol.history form.undo button:has-text('撤销')")
    assert "已撤销:退回修改" in page.inner_text(".flash") and page.inner_text("[data-testid=status]") == "待审"
    assert page.locator("ol.history form.undo").count() == 0
    screenshot(page, "desk-return-undone")


@SIZES
def test_queue_keeps_the_columns_that_matter_and_says_priority_in_words(server, browser, officer_a, viewport):
    base, _ = server
    submit(officer_a, uuid.uuid4().hex[:8])
    page = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    page.goto(f"{base}/queue")
    row = page.locator("tr[data-row]").first
    for column in ("c-pick", "c-title", "c-unit", "c-cat", "c-prio"):
        assert row.locator(f"td.{column}").is_visible(), column
        assert page.locator(f"table.queue th.{column}").is_visible(), column
    for column in ("c-num", "c-flags", "c-time"):
        assert row.locator(f"td.{column}").is_visible() == (viewport is DESKTOP), column
    words = row.locator("[data-testid=priority-words]").inner_text()
    assert "→" in words and words.rsplit("→", 1)[1].strip() in ("优先", "一般", "靠后")
    assert row.locator(".reasons-bar").is_visible()
    legend = page.locator("[data-testid=priority-legend]")
    assert legend.is_visible() and all(name in legend.inner_text()
                                       for name in ("采用可能", "类别价值", "紧急程度", "时效", "写作质量"))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1  # no sideways scrolling
    screenshot(page, "desk-queue")
    follow(page, "tr[data-row] td.c-title a")
    assert "→" in page.inner_text("[data-testid=priority-words]")
    assert "(满分 0.10)" in page.inner_text("ul.reasons")
    screenshot(page, "desk-brief-priority")
