"""Unit sign-off (审签) over HTTP on both databases and in Chromium: in a unit with a unit head,
an officer's brief reaches the editors' queue only once signed off; a return comes back to
the officer, whose revision waits for the head again."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import DESKTOP, PHONE, follow, login, page_in_browser, screenshot

UNIT_A = "清河县农业农村局"


def brief(token: str) -> dict:
    return {"title": f"我县秋冬种进度偏慢的苗头值得关注{token}",
            "body": f"截至11月20日,全县小麦播种68万亩,完成计划的81%,比去年同期慢9个百分点。主要原因是10月连续阴雨,"
                    f"部分低洼地块积水未退。建议各乡镇组织农机抢排抢种,县农业农村局加强技术指导。编号{token}。"}


@pytest.fixture(scope="module")
def head(server):
    server[1].state.service.add_user("head_a", "head-pass-a1", "officer", unit=UNIT_A, unit_head=True)
    return login(server[0], "head_a", "head-pass-a1")


def queued(editor) -> set[str]:
    return {i["id"] for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]}


def test_a_brief_waits_for_the_unit_head_then_reaches_the_queue(head, officer_a, officer_b, editor):
    mine = officer_a.post("/api/v1/briefs", json=brief(uuid.uuid4().hex[:6])).json()
    assert mine["status"] == "pending_signoff" and mine["id"] not in queued(editor)
    assert [b["id"] for b in head.get("/api/v1/signoff").json()] == [mine["id"]]
    assert officer_a.get("/api/v1/signoff").json() == []  # not a unit head

    for client, status in ((officer_a, 403), (editor, 403), (officer_b, 404)):
        r = client.post(f"/api/v1/briefs/{mine['id']}/signoff", json={"action": "approve"})
        assert r.status_code == status, (client, r.text)
    r = head.post(f"/api/v1/briefs/{mine['id']}/signoff", json={"action": "return"})
    assert r.status_code == 422 and r.json()["code"] == "comment_required"
    r = head.post(f"/api/v1/briefs/{mine['id']}/signoff", json={"action": "return", "text": "请补充各乡镇进度"})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert mine["id"] not in queued(editor)

    r = officer_a.post(f"/api/v1/briefs/{mine['id']}/versions", json={**brief("x"), "title": mine["title"]})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending_signoff"  # the revision waits for the head again
    r = head.post(f"/api/v1/briefs/{mine['id']}/signoff", json={"action": "approve"})
    assert r.status_code == 200 and r.json()["status"] == "resubmitted"
    assert mine["id"] in queued(editor)
    shown = editor.get(f"/api/v1/briefs/{mine['id']}").json()["signoffs"]
    assert [(s["version"], s["by"], s["action"]) for s in shown] == [(1, "head_a", "return"), (2, "head_a", "approve")]
    r = head.post(f"/api/v1/briefs/{mine['id']}/signoff", json={"action": "approve"})
    assert r.status_code == 409 and r.json()["code"] == "not_pending"


def test_no_head_no_wait_and_the_head_s_own_briefs_go_straight(server, head, officer_b, editor):
    other = officer_b.post("/api/v1/briefs", json=brief(uuid.uuid4().hex[:6])).json()
    assert other["status"] == "submitted" and other["id"] in queued(editor)  # 安平 has no unit head
    own = head.post("/api/v1/briefs", json=brief(uuid.uuid4().hex[:6])).json()
    assert own["status"] == "submitted" and own["signoffs"] == []
    r = editor.post("/api/v1/admin/users", json={"username": "head_bad", "password": "pass-word-1", "role": "editor",
                                                 "unit_head": True})
    assert r.status_code in (403, 422)  # an editor cannot add users; and no non-officer can be a unit head
    admin = login(server[0], "admin1", "admin-pass-1")
    r = admin.post("/api/v1/admin/users", json={"username": "head_bad", "password": "pass-word-1", "role": "editor",
                                                "unit_head": True})
    assert r.status_code == 422 and r.json()["code"] == "invalid_role"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_unit_head_signs_off_in_the_browser(server, browser, head, officer_a, editor, viewport):
    token = uuid.uuid4().hex[:6]
    mine = officer_a.post("/api/v1/briefs", json=brief(token)).json()
    base = server[0]
    page = page_in_browser(browser, base, "head_a", "head-pass-a1", viewport)
    assert int(page.inner_text("[data-testid=signoff-due]")) >= 1
    follow(page, "a[href='/signoff']")
    assert page.locator(f"tr[data-brief='{mine['id']}']").is_visible()
    follow(page, f"tr[data-brief='{mine['id']}'] a")
    assert page.inner_text("[data-testid=status]") == "待单位审签"
    screenshot(page, "signoff-brief")
    follow(page, "[data-testid=signoff-form] button:has-text('同意报送信息科')")
    assert "已审签,报送信息科" in page.inner_text(".flash")
    assert page.locator(f"tr[data-brief='{mine['id']}']").count() == 0
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    desk = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    desk.goto(f"{base}/briefs/{mine['id']}")
    assert desk.inner_text("[data-testid=status]") == "待审"
    assert "审签同意(head_a" in desk.inner_text("[data-testid=signoffs]")
    screenshot(desk, "signoff-editor")
    assert page.dialogs == [] and desk.dialogs == []
    page.context.close()
    desk.context.close()
