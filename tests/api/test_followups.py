"""批示 follow-up over HTTP on both databases and in Chromium: a 批示 opens a follow-up with a
deadline in working days, it goes overdue, the handling unit answers it, the 通报 counts it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from review import clock
from review.workdays import add_workdays
from tests.api.conftest import DESKTOP, PHONE, follow, login, page_in_browser, screenshot

UNIT_A, UNIT_B = "清河县农业农村局", "安平县应急管理局"


def brief(token: str) -> dict:
    return {"title": f"南部乡镇小麦赤霉病出现扩散苗头{token}",
            "body": f"今天上午,县植保站对南部5个乡镇开展病情调查,调查田块86块,发现赤霉病病穗的有31块,占36%。"
                    f"据气象部门预报,未来10天仍有降雨,病害可能扩散。建议县财政安排应急资金120万元,组织统防统治。标记{token}。"}


def instruct(editor, officer, **extra) -> tuple[str, dict]:
    brief_id = officer.post("/api/v1/briefs", json=brief(uuid.uuid4().hex[:8])).json()["id"]
    r = editor.post(f"/api/v1/briefs/{brief_id}/decisions",
                    json={"action": "instruction", "level": "city", "text": "请农业农村局抓紧组织防治,一周内报告进展。", **extra})
    assert r.status_code == 201, r.text
    return brief_id, r.json()


def backdate(server, followup_id: int, days: float) -> None:
    """Move a follow-up's deadline `days` into the past, as if the 批示 were older."""
    from storage.db import transaction
    from storage.tables import Followup

    with transaction(server[1].state.service.sessions) as session:
        due = session.get(Followup, followup_id).due_at
        session.execute(update(Followup).where(Followup.id == followup_id).values(due_at=due - timedelta(days=days)))


@pytest.fixture(scope="module")
def admin(server):
    return login(server[0], "admin1", "admin-pass-1")


def test_a_instruction_opens_a_follow_up_due_in_ten_working_days(editor, officer_a, officer_b):
    brief_id, shown = instruct(editor, officer_a)
    followup, = shown["followups"]
    assert (followup["unit"], followup["status"], followup["status_zh"]) == (UNIT_A, "waiting", "待反馈")
    assert followup["instruction"] == "请农业农村局抓紧组织防治,一周内报告进展。" and followup["level"] == "city"
    created = clock.localize(datetime.fromisoformat(followup["created_at"])).date()
    due = datetime.fromisoformat(followup["due_at"])
    expected, covered = add_workdays(created, 10)
    assert due.date() == expected and (due.hour, due.minute) == (23, 59) and followup["calendar_covered"] == covered
    # the handling unit sees what it owes; another unit does not; editors see all
    assert [f["id"] for f in officer_a.get("/api/v1/followups").json()] == [followup["id"]]
    assert followup["id"] not in [f["id"] for f in officer_b.get("/api/v1/followups").json()]
    assert followup["id"] in [f["id"] for f in editor.get("/api/v1/followups").json()]


def test_overdue_then_answered_late_and_counted_in_the_report(server, editor, officer_a, officer_b):
    brief_id, shown = instruct(editor, officer_a)
    fid = shown["followups"][0]["id"]
    today = clock.today()
    period = {"from": (today - timedelta(days=3)).isoformat(), "to": today.isoformat()}

    def row():
        return next(u for u in editor.get("/api/v1/stats/units", params=period).json()["units"] if u["unit"] == UNIT_A)

    before = row()
    backdate(server, fid, 15)  # its deadline is now in the past (and inside the period)
    assert fid in [f["id"] for f in editor.get("/api/v1/followups", params={"status": "overdue"}).json()]
    missing = row()
    assert missing["feedback_missing"] == before["feedback_missing"] + 1
    assert missing["points"] == round(before["points"] - 1, 2)  # followup.late_points

    assert officer_b.post(f"/api/v1/followups/{fid}/feedback", json={"text": "已落实"}).status_code == 404
    r = editor.post(f"/api/v1/followups/{fid}/feedback", json={"text": "已落实"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = officer_a.post(f"/api/v1/followups/{fid}/feedback", json={"text": "已调拨药剂12吨,完成统防统治5.2万亩。"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_zh"]) == ("answered_late", "逾期反馈")
    r = officer_a.post(f"/api/v1/followups/{fid}/feedback", json={"text": "再报一次"})
    assert r.status_code == 409 and r.json()["code"] == "already_answered"
    late = row()
    assert (late["feedback_late"], late["feedback_missing"]) == (before["feedback_late"] + 1, before["feedback_missing"])
    assert late["points"] == missing["points"]  # late is deducted as missing was
    assert editor.get(f"/api/v1/briefs/{brief_id}").json()["followups"][0]["feedback"].startswith("已调拨药剂12吨")


def test_handling_units_undo_and_refusals(editor, officer_a, officer_b):
    brief_id, shown = instruct(editor, officer_a, handling_units=[UNIT_B, UNIT_A])
    assert sorted(f["unit"] for f in shown["followups"]) == sorted([UNIT_A, UNIT_B])
    assert brief_id in [f["brief_id"] for f in officer_b.get("/api/v1/followups").json()]  # B owes feedback too

    decisions = len(editor.get(f"/api/v1/briefs/{brief_id}").json()["decisions"])
    r = editor.post(f"/api/v1/briefs/{brief_id}/decisions",
                    json={"action": "instruction", "level": "county", "text": "x", "handling_units": ["不存在的局"]})
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit" and "不存在的局" in r.json()["message"]
    assert len(editor.get(f"/api/v1/briefs/{brief_id}").json()["decisions"]) == decisions  # nothing recorded

    decision = [d for d in editor.get(f"/api/v1/briefs/{brief_id}").json()["decisions"] if d["action"] == "instruction"][-1]
    r = editor.post(f"/api/v1/briefs/{brief_id}/decisions/{decision['id']}/undo")
    assert r.status_code == 201, r.text
    assert r.json()["followups"] == []
    assert brief_id not in [f["brief_id"] for f in officer_b.get("/api/v1/followups").json()]
    for bad in ("0", "abc"):
        assert officer_a.post(f"/api/v1/followups/{bad}/feedback", json={"text": "x"}).status_code == 422
    assert officer_a.get("/api/v1/followups", params={"status": "late"}).status_code == 422


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_officer_answers_from_the_followups_page(server, browser, editor, officer_b, viewport):
    brief_id, shown = instruct(editor, officer_b)
    fid = shown["followups"][0]["id"]
    backdate(server, fid, 15)
    base = server[0]

    desk = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    desk.goto(f"{base}/followups?status=overdue")
    card = desk.locator(f"li[data-followup='{fid}']")
    assert card.is_visible() and "逾期" in card.inner_text() and UNIT_B in card.inner_text()
    assert int(desk.inner_text("[data-testid=followups-due]")) >= 1
    screenshot(desk, "followups-overdue")

    page = page_in_browser(browser, base, "officer_b", "officer-pass-b", viewport)
    assert int(page.inner_text("[data-testid=followups-due]")) >= 1
    follow(page, "a[href='/followups']")
    card = page.locator(f"li[data-followup='{fid}']")
    assert "请农业农村局抓紧组织防治" in card.inner_text() and "反馈期限" in card.inner_text()
    card.locator("textarea[name=text]").fill("已组织农技人员分片指导,完成防治3.1万亩。")
    with page.expect_navigation():
        card.locator("button:has-text('报送落实反馈')").click()
    assert "已报送落实反馈" in page.inner_text(".flash") and "逾期反馈" in page.inner_text(".flash")
    assert page.locator(f"li[data-followup='{fid}'] form").count() == 0
    assert "完成防治3.1万亩" in page.inner_text(f"li[data-followup='{fid}']")
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, "followups-answered")
    page.goto(f"{base}/briefs/{brief_id}")
    assert "逾期反馈" in page.inner_text("[data-testid=brief-followups]")
    assert page.dialogs == [] and desk.dialogs == []
    page.context.close()
    desk.context.close()
