"""The service at the awkward moments: every "today" and "this month" is the office's, not the server's.

A real server on both databases, the clock frozen (ticking) at 23:30 and 00:30 Shanghai on the last
and first days of a month and of a year, with the process's own zone set to UTC and to Los Angeles.
Run at any hour, these give the same answer: the suite cannot go red from 16:00 to 24:00 UTC.
"""

from datetime import timedelta

import httpx
import pytest
import time_machine

from tests.api.conftest import login
from tests.api.test_api import WARNING
from tests.conftest import MOMENTS


@pytest.mark.parametrize("instant,office_day", MOMENTS)
def test_a_submission_belongs_to_the_office_day(server, instant, office_day, process_zone):
    base = server[0]
    day, before, after = office_day.isoformat(), (office_day - timedelta(days=1)).isoformat(), \
        (office_day + timedelta(days=1)).isoformat()
    with time_machine.travel(instant, tick=True):
        officer, editor = login(base, "officer_a", "officer-pass-a"), login(base, "editor1", "editor-pass-1")

        def submitted_today() -> int:
            units = editor.get("/api/v1/stats/units", params={"from": day, "to": day}).json()["units"]
            return sum(u["submitted"] for u in units if u["unit"] == "清河县农业农村局")

        counted = submitted_today()
        brief = officer.post("/api/v1/briefs", json={**WARNING, "body": WARNING["body"] + f"({instant:%H%M%S%f})"})
        assert brief.status_code == 201, brief.text
        brief_id = brief.json()["id"]
        assert brief_id.startswith(office_day.strftime("%Y%m%d"))
        assert brief.json()["submitted_at"].startswith(f"{day}T") and brief.json()["submitted_at"].endswith("+08:00")

        def queued(start: str, end: str) -> list[str]:
            r = editor.get("/api/v1/queue", params={"from": start, "to": end, "limit": 200})
            assert r.status_code == 200, r.text
            return [i["id"] for i in r.json()["items"]]

        assert brief_id in queued(day, day)
        assert brief_id not in queued(before, before) and brief_id not in queued(after, after)

        assert submitted_today() == counted + 1
        units = editor.get("/api/v1/stats/units", params={"from": day, "to": day}).json()["units"]
        mine = next(u for u in units if u["unit"] == "清河县农业农村局")
        assert mine["months_without_adoption"] == []  # the office's month is still running: not counted
        assert list(mine["adopted_by_month"]) == [day[:7]]

        # a 约稿 topic due at the end of the office's day is still open; one due yesterday is closed
        stamp = f"{instant:%Y%m%d%H%M}-{process_zone}"
        due_today = editor.post("/api/v1/topics", json={"title": f"今日截止约稿{stamp}", "deadline": f"{day}T23:59:59"})
        due_before = editor.post("/api/v1/topics", json={"title": f"昨日截止约稿{stamp}", "deadline": f"{before}T23:59:59"})
        assert due_today.status_code == due_before.status_code == 201
        open_ids = {t["id"] for t in officer.get("/api/v1/topics", params={"open_only": True}).json()}
        assert due_today.json()["id"] in open_ids and due_before.json()["id"] not in open_ids

        # the 通报 page's default period is the office's month so far
        token = editor.headers["Authorization"].removeprefix("Bearer ")
        page = httpx.get(f"{base}/report", cookies={"br_session": token}, timeout=60)
        assert page.status_code == 200
        first = office_day.replace(day=1).isoformat()
        assert f'name="from" value="{first}"' in page.text and f'name="to" value="{day}"' in page.text
