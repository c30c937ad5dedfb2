"""约稿 on briefs, on both databases and in Chromium: matched by meaning as well as by words,
shown on the brief with how they matched, attached and detached by an editor's hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from review import clock
from tests.api.conftest import DESKTOP, PHONE, follow, login, page_in_browser, screenshot

WATER = {"title": "农村饮水安全与冬季供水保障",
         "description": "请各乡镇报送入冬以来农村集中供水工程运行、管网防冻和应急送水情况"}
FLOOD = {"title": "汛期防汛备汛情况", "description": "水库度汛、山洪防御和群众转移安排"}
# A brief on the water topic that shares few of its characters (cosine 0.073 with the
# default model, under min_similarity 0.12) and three of its concepts.
FROZEN = {"title": "寒潮过后我镇3个村水管冻裂 7600人吃水困难",
          "body": "12月1日至3日,受强寒潮影响,我镇最低气温降至零下14摄氏度,柳河、石桥、后营3个村的入户水管和水表大面积"
                  "冻裂,7600余名群众吃水困难。镇里已组织维修队分片抢修,调来2台送水车每天定时送水,优先保障学校、卫生院和"
                  "独居老人。目前已修复管道1.2公里,2100人恢复用水,预计本周内全部修复。"}
# Winter in villages, and nothing about water: 冬季 and 农村 are a small part of the topic.
FIRE = {"title": "入冬以来我镇野外用火明显增多",
        "body": "进入冬季以来,我镇村民烧荒、上坟烧纸等野外用火明显增多,11月以来镇护林员劝阻违规用火23起。山区村林下可燃物"
                "多,一旦起火扑救困难。镇里已在各村路口设立检查点,组织村干部和护林员每日巡查。"}


@pytest.fixture(scope="module")
def topics(editor) -> dict[str, int]:
    deadline = (clock.now() + timedelta(days=20)).isoformat(timespec="seconds")
    out = {}
    for name, topic in (("water", WATER), ("flood", FLOOD)):
        r = editor.post("/api/v1/topics", json={**topic, "deadline": deadline})
        assert r.status_code == 201, r.text
        out[name] = r.json()["id"]
    return out


@pytest.fixture(scope="module")
def admin(server):
    return login(server[0], "admin1", "admin-pass-1")


def submit(officer, brief: dict) -> dict:
    r = officer.post("/api/v1/briefs", json=brief)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_brief_on_the_topic_in_other_words_is_matched_by_meaning(officer_a, editor, topics):
    frozen, fire = submit(officer_a, FROZEN), submit(officer_a, FIRE)
    hit, = frozen["topics"]
    assert (hit["id"], hit["by"], hit["by_zh"]) == (topics["water"], "meaning", "意思相近")
    assert hit["score"] < 0.12  # words alone would have missed it
    assert {"供水饮水", "冬季防寒防冻"} <= set(hit["concepts"]) and {"水管", "冻裂", "寒潮"} <= set(hit["words"])
    assert fire["topics"] == []
    # The queue carries the same match.
    items = {i["id"]: i for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]}
    assert [(t["id"], t["by"]) for t in items[frozen["id"]]["topics"]] == [(topics["water"], "meaning")]
    assert items[fire["id"]]["topics"] == []


def test_an_editor_detaches_and_attaches_topics_and_it_is_audited(officer_a, officer_b, editor, admin, topics):
    frozen, fire = submit(officer_a, FROZEN), submit(officer_a, FIRE)
    water, flood = topics["water"], topics["flood"]

    r = editor.delete(f"/api/v1/briefs/{frozen['id']}/topics/{water}")
    assert r.status_code == 200, r.text
    assert r.json()["topics"] == [] and r.json()["detached_topics"] == [{"id": water, "title": WATER["title"]}]
    assert editor.get(f"/api/v1/briefs/{frozen['id']}").json()["topics"] == []  # stays off
    queue = {i["id"]: i for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]}
    assert queue[frozen["id"]]["topics"] == []

    r = editor.put(f"/api/v1/briefs/{fire['id']}/topics/{flood}")
    assert r.status_code == 200, r.text
    assert [(t["id"], t["by"], t["score"]) for t in r.json()["topics"]] == [(flood, "editor", None)]
    # Attaching what matching already found marks it as the editor's; putting it back after a detach too.
    r = editor.put(f"/api/v1/briefs/{frozen['id']}/topics/{water}")
    assert [(t["id"], t["by"]) for t in r.json()["topics"]] == [(water, "editor")]
    assert r.json()["detached_topics"] == []
    # The officer sees the editor's topics on the brief.
    assert [t["id"] for t in officer_a.get(f"/api/v1/briefs/{fire['id']}").json()["topics"]] == [flood]

    # Again the same: no second audit entry.
    editor.put(f"/api/v1/briefs/{fire['id']}/topics/{flood}")
    audit = admin.get("/api/v1/admin/audit", params={"limit": 50}).json()["items"]
    mine = [(e["action"], e["target"], e["detail"]["topic"]) for e in audit if e["action"].startswith("topic_")
            and e["target"] in (frozen["id"], fire["id"])]
    assert sorted(mine) == sorted([("topic_detach", frozen["id"], water), ("topic_attach", fire["id"], flood),
                                   ("topic_attach", frozen["id"], water)])


def test_attach_and_detach_refusals(officer_a, editor, topics):
    brief = submit(officer_a, FIRE)
    r = officer_a.put(f"/api/v1/briefs/{brief['id']}/topics/{topics['water']}")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = editor.put(f"/api/v1/briefs/{brief['id']}/topics/999999")
    assert r.status_code == 404 and r.json()["code"] == "topic_not_found"
    r = editor.delete(f"/api/v1/briefs/no-such-brief/topics/{topics['water']}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    for bad in ("0", "abc", str(2**63)):
        r = editor.put(f"/api/v1/briefs/{brief['id']}/topics/{bad}")
        assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert editor.get(f"/api/v1/briefs/{brief['id']}").json()["topics"] == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_brief_page_shows_why_a_topic_matched_and_lets_the_editor_change_it(server, browser, officer_a,
                                                                                  topics, viewport):
    base, _ = server
    frozen = submit(officer_a, FROZEN)
    page = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    page.goto(f"{base}/briefs/{frozen['id']}")
    hit = page.locator(f".topic-hit[data-topic='{topics['water']}']")
    assert WATER["title"] in hit.inner_text() and "意思相近:供水饮水、冬季防寒防冻" in hit.inner_text()
    assert hit.is_visible()
    screenshot(page, "topics-matched")

    follow(page, f"button[aria-label='移除约稿:{WATER['title']}']")
    assert f"已移除约稿:{WATER['title']}" in page.inner_text(".flash")
    assert page.locator(".topic-hit").count() == 0
    assert "已移除:" in page.inner_text("[data-testid=topics]")

    page.select_option("select[name=topic_id]", str(topics["flood"]))
    follow(page, "button:has-text('指定约稿')")
    assert f"已指定约稿:{FLOOD['title']}" in page.inner_text(".flash")
    assert "编辑指定" in page.locator(f".topic-hit[data-topic='{topics['flood']}']").inner_text()

    follow(page, f"button[aria-label='恢复约稿:{WATER['title']}']")
    shown = sorted(page.locator(".topic-hit").nth(i).get_attribute("data-topic") for i in range(2))
    assert page.locator(".topic-hit").count() == 2 and shown == sorted([str(topics["water"]), str(topics["flood"])])
    assert page.locator("select[name=topic_id]").count() == 0  # both open topics are on the brief
    screenshot(page, "topics-edited")

    officer = page_in_browser(browser, base, "officer_a", "officer-pass-a", viewport)
    officer.goto(f"{base}/briefs/{frozen['id']}")
    assert officer.locator(".topic-hit").count() == 2
    assert officer.locator("[data-testid=topics] form").count() == 0  # nothing for an officer to change
    assert page.dialogs == [] and officer.dialogs == []
