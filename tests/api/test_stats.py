"""The monthly 通报: per-unit statistics and their CSV / XLSX export (a database of its own)."""

import csv
import io
from review import clock
from tests.api.test_api import MEETING, WARNING


def test_unit_statistics_and_exports(officer_a, officer_b, editor):
    a = [officer_a.post("/api/v1/briefs", json=body).json() for body in (WARNING, WARNING, MEETING)]
    b = officer_b.post("/api/v1/briefs", json=MEETING).json()
    editor.post(f"/api/v1/briefs/{a[0]['id']}/decisions", json={"action": "adopt", "level": "county"})
    editor.post(f"/api/v1/briefs/{a[0]['id']}/decisions", json={"action": "adopt", "level": "city"})
    editor.post(f"/api/v1/briefs/{a[0]['id']}/decisions", json={"action": "instruction", "level": "city", "text": "好"})
    editor.post(f"/api/v1/briefs/{a[1]['id']}/decisions", json={"action": "adopt", "level": "county", "compiled": True})
    editor.post(f"/api/v1/briefs/{b['id']}/decisions", json={"action": "reject"})
    today = clock.today().isoformat()
    r = editor.get("/api/v1/stats/units", params={"from": today, "to": today})
    assert r.status_code == 200, r.text
    qinghe, anping = r.json()["units"]
    assert qinghe["unit"] == "清河县农业农村局" and qinghe["rank"] == 1 and anping["rank"] == 2
    assert (qinghe["submitted"], qinghe["adopted"], qinghe["adopted_city"], qinghe["adopted_county"]) == (3, 2, 1, 1)
    # 3 x 0.5 for submitting + (city 8 + city 批示 15) + county in a compiled piece 2
    assert qinghe["points"] == 26.5 and qinghe["adoption_rate"] == round(2 / 3, 4)
    cats = [x["category"] for x in (a[0], a[1], a[2])]
    assert qinghe["problem_trend_share"] == round(sum(c in ("problem", "trend") for c in cats) / 3, 4)
    assert (anping["submitted"], anping["adopted"], anping["points"]) == (1, 0, 0.5)
    # the current month has not ended: it is not yet a month "without adoption"
    assert anping["months_without_adoption"] == [] and qinghe["months_without_adoption"] == []
    assert anping["adopted_by_month"] == {today[:7]: 0} and qinghe["adopted_by_month"] == {today[:7]: 2}

    r = editor.get("/api/v1/stats/units", params={"from": today, "to": today, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["排名", "单位", "报送数", "采用数"] and rows[1][1] == "清河县农业农村局" and len(rows) == 3

    from openpyxl import load_workbook

    r = editor.get("/api/v1/stats/units", params={"from": today, "to": today, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet["B2"].value == "单位" and sheet["B3"].value == "清河县农业农村局" and sheet["J3"].value == 26.5


def test_statistics_are_for_editors_and_need_a_valid_period(officer_a, editor):
    today = clock.today().isoformat()
    assert officer_a.get("/api/v1/stats/units", params={"from": today, "to": today}).status_code == 403
    r = editor.get("/api/v1/stats/units", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_period"
    for params in ({"from": "yesterday", "to": today}, {"from": today, "to": today, "format": "pdf"}, {}):
        r = editor.get("/api/v1/stats/units", params=params)
        assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_topics_are_published_by_editors_and_matched_to_submissions(officer_a, editor):
    from datetime import timedelta

    deadline = (clock.now() + timedelta(days=30)).isoformat(timespec="seconds")
    past = (clock.now() - timedelta(days=1)).isoformat(timespec="seconds")
    assert officer_a.post("/api/v1/topics", json={"title": "x", "deadline": deadline}).status_code == 403
    r = editor.post("/api/v1/topics", json={"title": "小麦病虫害发生和防治情况",
                                            "description": "重点反映赤霉病、条锈病发生面积和统防统治进展", "deadline": deadline})
    assert r.status_code == 201
    topic = r.json()["id"]
    editor.post("/api/v1/topics", json={"title": "安全生产隐患排查情况", "deadline": past})
    assert [t["id"] for t in officer_a.get("/api/v1/topics", params={"open_only": True}).json()] == [topic]
    assert len(officer_a.get("/api/v1/topics").json()) == 2
    wheat = officer_a.post("/api/v1/briefs", json=WARNING).json()
    assert [t["id"] for t in wheat["topics"]] == [topic]
    meeting = officer_a.post("/api/v1/briefs", json=MEETING).json()
    assert meeting["topics"] == []  # the closed safety topic does not count
    items = {i["id"]: i for i in editor.get("/api/v1/queue", params={"limit": 200}).json()["items"]}
    assert [t["id"] for t in items[wheat["id"]]["topics"]] == [topic]
    r = editor.post("/api/v1/topics", json={"title": "", "deadline": deadline})
    assert r.status_code == 422


def test_months_without_adoption_over_a_quarter(server, editor):
    """A period of several months: each unit's months with no adopted brief, in order."""
    from datetime import datetime

    from review.brief import SHANGHAI, Adoption, Brief, Labels

    def brief(n: int, unit: str, month: int, level: str) -> Brief:
        return Brief(id=f"q-{n}", unit=unit, title=f"第{n}条季度测试信息", body=WARNING["body"] + f"编号{n}。",
                     submitted_at=datetime(2024, month, 10, 9, 0, tzinfo=SHANGHAI),
                     labels=Labels(("problem",), adoption=Adoption(level)))

    server[1].state.service.import_briefs([
        brief(1, "季度甲县", 1, "county"), brief(2, "季度甲县", 2, "none"), brief(3, "季度甲县", 3, "none"),
        brief(4, "季度乙县", 1, "city"), brief(5, "季度乙县", 3, "county"),
    ])
    r = editor.get("/api/v1/stats/units", params={"from": "2024-01-01", "to": "2024-03-31"})
    assert r.status_code == 200, r.text
    units = {u["unit"]: u for u in r.json()["units"]}
    assert units["季度甲县"]["months_without_adoption"] == ["2024-02", "2024-03"]
    assert units["季度乙县"]["months_without_adoption"] == ["2024-02"]
    assert units["季度乙县"]["rank"] < units["季度甲县"]["rank"]  # city 8 + county 4 beats county 4
