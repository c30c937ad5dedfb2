"""续报 chains over HTTP on both databases and in Chromium: an urgent fire report starts a chain,
the unit's later reports are suggested and confirmed as 续报 and 终报, an open chain goes overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.api.conftest import DESKTOP, PHONE, follow, page_in_browser, screenshot


def reports(place: str) -> list[dict]:
    """初报, 续报 and 终报 of one fire, written for this test (`place` keeps modules' fires apart)."""
    return [
        {"title": f"{place}一家具厂发生火灾 造成2人死亡",
         "body": f"今天凌晨3时许,{place}工业园区一家具厂仓库发生火灾,造成2人死亡、1人受伤。县消防救援大队出动8辆消防车、"
                 f"42名指战员赶赴现场扑救,明火已于5时20分扑灭。伤者已送县人民医院救治。起火原因正在调查。"},
        {"title": f"{place}家具厂火灾续报:伤者脱离危险 善后工作有序开展",
         "body": f"{place}工业园区家具厂仓库火灾中受伤的1人已脱离生命危险。县里已成立善后工作组,2名遇难者家属情绪稳定。"
                 f"应急管理局已对园区12家企业开展消防安全排查,起火原因仍在调查。"},
        {"title": f"{place}家具厂火灾终报:起火原因查明 善后处置完毕",
         "body": f"经县消防救援大队调查,{place}工业园区家具厂仓库火灾系电气线路老化短路引燃堆放的板材所致。2名遇难者善后事宜"
                 f"已处理完毕,涉事企业负责人已被依法控制。园区排查发现的37处隐患已整改31处。"},
    ]


INCIDENTS = {
    "traffic": [
        {"title": "G205国道柳河段发生一起货车与客车相撞事故 造成3人死亡",
         "body": "今天14时10分许,G205国道柳河段一辆重型货车与一辆中型客车相撞,造成3人死亡、6人受伤。交警、消防、120已赶到"
                 "现场救援,伤者分别送往县人民医院和县中医院。事故路段已实行交通管制。"},
        {"title": "G205国道柳河段交通事故续报:6名伤者中2人伤势较重",
         "body": "截至今晚20时,G205国道柳河段交通事故6名伤者中2人伤势较重,正在县人民医院重症监护室救治,4人伤情稳定。"
                 "事故路段已恢复单向通行,货车司机已被警方控制,事故原因正在调查。"},
    ],
    "collapse": [
        {"title": "青石村一处自建民房发生坍塌 1人死亡2人被困",
         "body": "今天上午9时30分,青石村一栋两层自建民房在加层施工中突然坍塌,造成1人死亡、2人被困。乡里已组织消防、"
                 "卫健和村干部开展搜救,并对周边3户群众进行了转移。"},
        {"title": "青石村民房坍塌续报:2名被困人员已全部救出",
         "body": "经过4个小时搜救,青石村民房坍塌事故中被困的2人已全部救出,其中1人轻伤、1人无大碍,均已送乡卫生院检查。"
                 "县住建局已派员对全乡在建自建房开展安全排查。"},
    ],
}


def submit(officer, brief: dict) -> dict:
    r = officer.post("/api/v1/briefs", json=brief)
    assert r.status_code == 201, r.text
    return r.json()


def age(server, brief_ids: list[str], hours: float) -> None:
    """Move briefs `hours` into the past, as if reported then."""
    from storage.db import transaction
    from storage.tables import BriefRow

    with transaction(server[1].state.service.sessions) as session:
        for brief_id in brief_ids:
            at = session.get(BriefRow, brief_id).submitted_at
            session.execute(update(BriefRow).where(BriefRow.id == brief_id).values(submitted_at=at - timedelta(hours=hours)))


def test_a_chain_of_three_reports_in_time_order(server, officer_a, officer_b, editor):
    first, second, third = (submit(officer_b, b) for b in reports("河西镇"))
    assert first["urgent"] and first["chain"]["reports"][0]["stage"] == "initial"
    suggested = second["chain_suggestion"]
    assert suggested["chain_id"] == first["id"] and suggested["title"] == first["title"]
    r = officer_b.post(f"/api/v1/briefs/{second['id']}/chain", json={"chain_id": first["id"], "stage": "update"})
    assert r.status_code == 200, r.text
    assert r.json()["chain_suggestion"] is None
    assert officer_b.get(f"/api/v1/briefs/{third['id']}").json()["chain_suggestion"]["reports"] == 2
    officer_b.post(f"/api/v1/briefs/{third['id']}/chain", json={"chain_id": first["id"], "stage": "final"})
    chain = editor.get(f"/api/v1/chains/{first['id']}").json()
    assert [(x["id"], x["stage_zh"]) for x in chain["reports"]] == [(first["id"], "初报"), (second["id"], "续报"),
                                                                 (third["id"], "终报")]
    assert chain["closed"] and not chain["overdue"]
    # another unit's officer sees nothing of it, nor can join it
    assert officer_a.get(f"/api/v1/chains/{first['id']}").status_code == 404
    mine = submit(officer_a, reports("河西镇")[1])
    assert mine["chain_suggestion"] is None  # only the unit's own chains are suggested
    r = officer_a.post(f"/api/v1/briefs/{mine['id']}/chain", json={"chain_id": first["id"], "stage": "update"})
    assert r.status_code == 404 and r.json()["code"] == "chain_not_found"


def test_an_open_chain_without_a_timely_update_is_overdue(server, officer_b, editor):
    first, second, _ = (submit(officer_b, b) for b in reports("东岗乡"))
    officer_b.post(f"/api/v1/briefs/{second['id']}/chain", json={"chain_id": first["id"], "stage": "update"})
    assert first["id"] not in [c["id"] for c in editor.get("/api/v1/chains", params={"overdue": True}).json()]
    age(server, [first["id"], second["id"]], 30)  # the last report is 30 hours old, no 终报
    overdue = {c["id"]: c for c in editor.get("/api/v1/chains", params={"overdue": True}).json()}
    assert first["id"] in overdue and not overdue[first["id"]]["closed"]
    r = officer_b.post(f"/api/v1/briefs/{second['id']}/chain", json={"chain_id": first["id"], "stage": "later"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    r = officer_b.post(f"/api/v1/briefs/{first['id']}/chain", json={"chain_id": second["id"], "stage": "update"})
    assert r.status_code == 404  # a 续报 is no chain's 初报


@pytest.mark.parametrize("viewport, incident", [(DESKTOP, "traffic"), (PHONE, "collapse")], ids=["desktop", "phone"])
def test_the_officer_confirms_a_suggested_update_and_the_editor_reads_the_chain(server, browser, officer_b,
                                                                                  viewport, incident):
    first, second = (submit(officer_b, b) for b in INCIDENTS[incident])
    base = server[0]
    page = page_in_browser(browser, base, "officer_b", "officer-pass-b", viewport)
    page.goto(f"{base}/briefs/{second['id']}")
    box = page.locator("[data-testid=chain-suggestion]")
    assert box.is_visible() and first["title"] in box.inner_text()
    follow(page, "[data-testid=chain-suggestion] button[value=update]")
    assert "的续报" in page.inner_text(".flash")
    assert page.locator("[data-testid=chain-suggestion]").count() == 0
    items = page.locator("[data-testid=brief-chain] [data-testid=chain-reports] li")
    assert [items.nth(i).get_attribute("data-brief") for i in range(items.count())] == [first["id"], second["id"]]
    assert "续报" in items.nth(1).inner_text()
    screenshot(page, "chain-confirmed")

    desk = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport)
    age(server, [first["id"], second["id"]], 30)
    desk.goto(f"{base}/chains?overdue=1")
    card = desk.locator(f"[data-chain='{first['id']}']")
    assert card.is_visible() and "续报超时" in card.inner_text()
    if viewport is PHONE:
        assert desk.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(desk, "chains-overdue")
    assert page.dialogs == [] and desk.dialogs == []
    page.context.close()
    desk.context.close()


def test_a_fire_with_two_deaths_is_measured_against_its_tier_over_http(server, officer_b, editor):
    """The default tier table: two deaths make a 一般 incident, due in writing within 2 hours."""
    from review import clock

    body = ("县消防救援大队接报后出动6辆消防车赶赴现场,明火已扑灭。火灾造成2人死亡、1人受伤,"
            "伤者已送医救治,起火原因正在调查。")
    base = {"title": "城南一废品收购站发生火灾 造成2人死亡", "body": body}
    for hours, late in ((1.5, False), (3, True)):
        event = (clock.now() - timedelta(hours=hours)).isoformat(timespec="seconds")
        shown = submit(officer_b, {**base, "title": base["title"] + f"({hours}小时)", "event_at": event})
        assert shown["urgent"]
        flags = [f for f in shown["review"]["flags"] if f["code"] == "late_urgent"]
        if not late:
            assert flags == []
            continue
        flag, = flags
        assert "“一般”级" in flag["message"] and "2 小时内书面报送" in flag["message"] and "死亡2人" in flag["message"]
        page = editor.get(f"/api/v1/briefs/{shown['id']}").json()
        assert "late_urgent" in [f["code"] for f in page["review"]["flags"]]
