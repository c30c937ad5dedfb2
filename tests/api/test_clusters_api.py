"""Same-event clusters over HTTP: reports of one event from three units form one cluster on arrival."""

import json
from pathlib import Path

import pytest

from tests.api.conftest import login

ROOT = Path(__file__).resolve().parents[2]
ROWS = {r["id"]: r for r in (json.loads(line) for line in
                             (ROOT / "bench" / "data" / "same_event_groups.jsonl").read_text(encoding="utf-8")
                             .splitlines() if line.strip())}


def draft(brief_id):
    return {"title": ROWS[brief_id]["title"], "body": ROWS[brief_id]["body"]}


@pytest.fixture(scope="module")
def officer_c(server):
    server[1].state.service.add_user("officer_c", "officer-pass-c", "officer", unit="县矿山安全监管局")
    return login(server[0], "officer_c", "officer-pass-c")


def test_three_units_reports_of_one_event_form_one_cluster(officer_a, officer_b, officer_c, editor):
    first = officer_a.post("/api/v1/briefs", json=draft("g09-a"))
    assert first.status_code == 201, first.text
    first = first.json()
    assert first["cluster_id"] is None  # alone so far
    alone = officer_a.post("/api/v1/briefs", json=draft("u01")).json()
    second = officer_b.post("/api/v1/briefs", json=draft("g09-b")).json()
    third = officer_c.post("/api/v1/briefs", json=draft("g09-d")).json()
    assert second["cluster_id"] == third["cluster_id"] == first["id"]
    assert editor.get(f"/api/v1/briefs/{first['id']}").json()["cluster_id"] == first["id"]
    assert editor.get(f"/api/v1/briefs/{alone['id']}").json()["cluster_id"] is None

    queue = {item["id"]: item for item in editor.get("/api/v1/queue").json()["items"]}
    assert [(queue[b["id"]]["cluster_id"], queue[b["id"]]["cluster_size"]) for b in (first, second, third, alone)] == \
        [(first["id"], 3)] * 3 + [(None, 1)]

    r = editor.get(f"/api/v1/clusters/{first['id']}")
    assert r.status_code == 200, r.text
    cluster = r.json()
    assert [(m["id"], m["unit"], m["title"]) for m in cluster["members"]] == [
        (first["id"], "清河县农业农村局", ROWS["g09-a"]["title"]),
        (second["id"], "安平县应急管理局", ROWS["g09-b"]["title"]),
        (third["id"], "县矿山安全监管局", ROWS["g09-d"]["title"])]
    assert all(m["submitted_at"] for m in cluster["members"])
    # The first report has the most figures (36 people, 31 out, 5 trapped, the time).
    assert cluster["fullest"]["brief_id"] == first["id"] and cluster["fullest"]["unit"] == "清河县农业农村局"
    sentences = cluster["draft"]["sentences"]
    assert cluster["draft"]["title"] == ROWS["g09-a"]["title"]
    assert sentences[0] == {"text": "6月20日8时15分,龙山煤矿二采区发生透水,当班井下作业人员36人,已安全升井31人,5人被困。",
                            "source_id": first["id"], "unit": "清河县农业农村局"}
    sources = {s["text"]: s["source_id"] for s in sentences}
    assert sources["建议在全县煤矿立即开展水害隐患排查,对未按规定探放水的一律停产整顿。"] == third["id"]
    assert sources["镇里已安排人员做好被困人员家属安抚工作,并协调救护车、医护人员在井口待命。"] == second["id"]
    assert cluster["draft"]["text"] == "".join(s["text"] for s in sentences)
    for s in sentences:  # every sentence is taken from the brief it names
        assert s["text"] in ROWS[{first["id"]: "g09-a", second["id"]: "g09-b", third["id"]: "g09-d"}[s["source_id"]]]["body"]


def test_clusters_are_for_editors_and_a_lone_brief_has_none(officer_a, editor):
    alone = officer_a.post("/api/v1/briefs", json=draft("u14")).json()
    r = editor.get(f"/api/v1/clusters/{alone['id']}")
    assert r.status_code == 404 and r.json()["code"] == "cluster_not_found" and "同一事件" in r.json()["message"]
    r = officer_a.get(f"/api/v1/clusters/{alone['id']}")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_adopting_the_merged_piece_gives_each_unit_the_compiled_points(officer_a, officer_b, officer_c, editor):
    ids = [officer.post("/api/v1/briefs", json=draft(key)).json()["id"]
           for officer, key in ((officer_a, "g15-b"), (officer_b, "g15-a"), (officer_c, "g15-c"))]
    assert {editor.get(f"/api/v1/briefs/{i}").json()["cluster_id"] for i in ids} == {ids[0]}
    merged = editor.get(f"/api/v1/clusters/{ids[0]}").json()["draft"]["text"]
    r = officer_a.post(f"/api/v1/clusters/{ids[0]}/adoption", json={"level": "city", "text": merged})
    assert r.status_code == 403
    r = editor.post(f"/api/v1/clusters/{ids[0]}/adoption", json={"level": "capital", "text": merged})
    assert r.status_code == 422 and r.json()["code"] == "invalid_level"
    r = editor.post(f"/api/v1/clusters/{ids[0]}/adoption", json={"level": "city", "text": merged + "(编辑补充)"})
    assert r.status_code == 200, r.text
    members = r.json()["members"]
    assert [m["id"] for m in members] == ids and {m["status"] for m in members} == {"adopted"}
    # 仅在综合编辑稿中使用 at city level: 4 points each (a piece adopted on its own would get 8)
    assert [m["points"] for m in members] == [{"submitted": 0.5, "adoption": 4, "instruction": 0.0, "total": 4.5}] * 3
    decision = members[1]["decisions"][-1]
    assert (decision["action"], decision["level"], decision["compiled"]) == ("adopt", "city", True)
    assert decision["text"].endswith("(编辑补充)")


def test_the_queue_collapses_a_cluster_into_its_first_ranked_member(officer_a, officer_b, officer_c, editor):
    ids = [officer.post("/api/v1/briefs", json=draft(key)).json()["id"]
           for officer, key in ((officer_a, "g05-a"), (officer_b, "g05-b"), (officer_c, "g05-c"))]
    flat = editor.get("/api/v1/queue", params={"limit": 200}).json()
    folded = editor.get("/api/v1/queue", params={"limit": 200, "collapse": True}).json()
    flat_items = {i["id"]: i for i in flat["items"]}
    first = max(ids, key=lambda i: (flat_items[i]["urgent"], flat_items[i]["priority"], [-ord(c) for c in i]))
    shown = [i for i in folded["items"] if i["id"] in ids]
    assert [i["id"] for i in shown] == [first]  # one row for the event: its first in queue order
    assert {m["id"] for m in shown[0]["cluster_others"]} == set(ids) - {first}
    assert {m["unit"] for m in shown[0]["cluster_others"]} == {flat_items[i]["unit"] for i in ids if i != first}
    # every other cluster of the module is one item too, and the total counts items
    clusters = {i["cluster_id"] for i in flat["items"] if i["cluster_id"]}
    loose = sum(1 for i in flat["items"] if not i["cluster_id"])
    assert folded["total"] == len(folded["items"]) == loose + len(clusters)
    assert all(i["cluster_others"] == [] for i in folded["items"] if not i["cluster_id"])


@pytest.mark.parametrize("viewport, group", [("desktop", "g03"), ("phone", "g04")])
def test_the_editor_reads_and_adopts_a_cluster_from_the_queue(server, browser, officer_a, officer_b, officer_c,
                                                               viewport, group):
    from tests.api.conftest import DESKTOP, PHONE, follow, page_in_browser, screenshot

    size = DESKTOP if viewport == "desktop" else PHONE
    keys = [f"{group}-a", f"{group}-b", f"{group}-c"]
    ids = [officer.post("/api/v1/briefs", json=draft(key)).json()["id"]
           for officer, key in zip((officer_a, officer_b, officer_c), keys)]
    base = server[0]
    page = page_in_browser(browser, base, "editor1", "editor-pass-1", size)
    page.goto(f"{base}/queue")
    note = page.locator(f".cluster-note[data-cluster='{ids[0]}']")
    assert note.is_visible() and "同一事件 3 条" in note.inner_text() and "另有" in note.inner_text()
    titles = page.inner_text("table.queue")
    assert sum(ROWS[k]["title"] in titles for k in keys) == 1  # the other two are folded under it
    if size is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    screenshot(page, f"queue-cluster-{group}")
    follow(page, "[data-testid=ungroup]")  # every brief on its own row, the same filters kept
    assert all(ROWS[k]["title"] in page.inner_text("table.queue") for k in keys)
    follow(page, "[data-testid=group]")
    assert sum(ROWS[k]["title"] in page.inner_text("table.queue") for k in keys) == 1

    follow(page, f".cluster-note[data-cluster='{ids[0]}'] a")
    members = page.locator("[data-testid=members] tbody tr")
    assert members.count() == 3 and page.locator("tr.fullest").count() == 1
    assert "最完整" in page.inner_text("tr.fullest")
    sentences = page.locator("[data-testid=sentences] li")
    assert sentences.count() >= 2
    assert {sentences.nth(i).get_attribute("data-source") for i in range(sentences.count())} <= set(ids)
    box = page.locator("textarea[name=text]")
    box.fill(box.input_value() + "(信息科综合)")
    screenshot(page, f"cluster-{group}")
    button = page.locator(".adopt-cluster button[value=city]")
    if size is PHONE:
        button.tap()
        assert button.inner_text() == "确定市级整体采用?"
        with page.expect_navigation():
            button.tap()
    else:
        with page.expect_navigation():
            button.click()
    assert "已整体采用(市级)同一事件综合稿,3 个单位" in page.inner_text(".flash")
    assert "/queue" in page.url and page.locator(f".cluster-note[data-cluster='{ids[0]}']").count() == 0
    for brief_id in ids:
        page.goto(f"{base}/briefs/{brief_id}")
        assert page.inner_text("[data-testid=status]") == "已采用"
    assert page.dialogs == []
    page.context.close()
