"""The leaders' roster uploaded on the admin page (CSV or XLSX), on both databases and in Chromium:
applied to the name_title check at once, audited, refused whole with a Chinese message when a row is bad."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from tests.api.conftest import DESKTOP, PHONE, follow, login, page_in_browser, screenshot

CSV = "姓名,单位,职务,任职起始,任职截止\n王建国,清河县人民政府,县长,2024-01-01,\n李秀英,清河县人民政府,副县长,2020-05-01,2023-12-31\n"
DRAFT = {"title": "", "body": "副县长王建国带队检查了冬季供水工作，要求各乡镇做好管网防冻。", "unit": "清河县农业农村局"}


@pytest.fixture(scope="module")
def admin(server):
    return login(server[0], "admin1", "admin-pass-1")


def upload(client, name: str, data: bytes):
    return client.put("/api/v1/admin/roster", files={"file": (name, data)})


def name_flags(officer) -> list[dict]:
    r = officer.post("/api/v1/check", json=DRAFT)
    assert r.status_code == 200, r.text
    return [f for f in r.json()["flags"] if f["code"] == "name_title"]


def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_uploaded_roster_is_read_by_the_check_at_once_and_audited(admin, officer_a):
    before = admin.get("/api/v1/admin/roster").json()
    assert before["uploaded"] is None and before["entries"]  # the configuration's demo roster
    assert name_flags(officer_a) == []  # 王建国 is on no roster yet

    r = upload(admin, "名单.csv", CSV.encode("utf-8-sig"))
    assert r.status_code == 200, r.text
    roster = r.json()
    assert roster["uploaded"] is not None
    assert roster["entries"] == [
        {"name": "王建国", "unit": "清河县人民政府", "title": "县长", "from": "2024-01-01", "to": ""},
        {"name": "李秀英", "unit": "清河县人民政府", "title": "副县长", "from": "2020-05-01", "to": "2023-12-31"}]
    flag, = name_flags(officer_a)
    assert flag["evidence"] == "副县长" and flag["suggestion"] == "县长" and "王建国" in flag["message"]

    # An Excel file with real dates, GBK-free: the same roster read from cells.
    r = upload(admin, "roster.xlsx", xlsx([["name", "unit", "title", "from", "to"],
                                           ["王建国", "清河县人民政府", "县长", datetime(2024, 1, 1), None]]))
    assert r.status_code == 200, r.text
    assert [e["from"] for e in r.json()["entries"]] == ["2024-01-01"]
    assert len(name_flags(officer_a)) == 1

    r = admin.delete("/api/v1/admin/roster")
    assert r.status_code == 200 and r.json() == before
    assert name_flags(officer_a) == []

    audit = admin.get("/api/v1/admin/audit", params={"limit": 20}).json()["items"]
    mine = [(e["action"], e["detail"]["count"]) for e in audit if e["action"].startswith("roster_")]
    assert mine[:3] == [("roster_reset", len(before["entries"])), ("roster_upload", 1), ("roster_upload", 2)]


@pytest.mark.parametrize("name, data, words", [
    ("名单.csv", "姓名,单位,任职起始\n王建国,清河县人民政府,2024-01-01\n".encode(), "缺少:title"),
    ("名单.csv", (CSV + "赵四,清河县人民政府,县长,2024-13-01,\n").encode(), "第 4 行"),
    ("名单.csv", "姓名,单位,职务,任职起始,任职截止\n王建国,清河县人民政府,县长,2024-05-01,2024-01-01\n".encode(),
     "早于任职起始"),
    ("名单.csv", "姓名,单位,职务,任职起始,任职截止\n".encode(), "只有表头"),
    ("名单.csv", b"", "空的"),
    ("名单.txt", CSV.encode(), ".csv 或 .xlsx"),
    ("名单.xlsx", b"PK\x03\x04 not really a workbook", "不是有效的Excel"),
    ("名单.csv", b"\xff\xfe\x00\x00garbage\x00", "不是 UTF-8 或 GBK"),
])
def test_a_bad_roster_is_refused_whole_in_chinese(admin, officer_a, name, data, words):
    before = admin.get("/api/v1/admin/roster").json()
    r = upload(admin, name, data)
    assert r.status_code == 422, r.text
    assert r.json()["code"] in ("invalid_roster", "roster_too_large") and words in r.json()["message"]
    assert admin.get("/api/v1/admin/roster").json() == before  # nothing half-stored


def test_only_administrators_see_or_change_the_roster(officer_a, editor):
    for client in (officer_a, editor):
        assert client.get("/api/v1/admin/roster").status_code == 403
        assert upload(client, "名单.csv", CSV.encode()).status_code == 403
        assert client.delete("/api/v1/admin/roster").status_code == 403


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_admin_uploads_a_roster_on_the_admin_page(server, browser, admin, tmp_path, viewport):
    base, _ = server
    good, bad = tmp_path / "名单.csv", tmp_path / "坏名单.csv"
    good.write_text(CSV, encoding="utf-8")
    bad.write_text("姓名,单位,职务,任职起始\n王建国,清河县人民政府,县长,去年\n", encoding="utf-8")
    page = page_in_browser(browser, base, "admin1", "admin-pass-1", viewport)
    page.goto(f"{base}/admin#roster")
    configured = int(page.inner_text("[data-testid=roster-count]"))

    page.set_input_files("#roster input[type=file]", str(bad))
    page.click("#roster button:has-text('上传并替换')")
    page.wait_for_selector("[data-testid=roster-error]")
    assert "第 2 行" in page.inner_text("[data-testid=roster-error]") and "YYYY-MM-DD" in page.inner_text("#roster")
    assert int(page.inner_text("[data-testid=roster-count]")) == configured

    page.set_input_files("#roster input[type=file]", str(good))
    follow(page, "#roster button:has-text('上传并替换')")
    assert "已更新领导名单,共 2 人次" in page.inner_text(".flash")
    assert page.inner_text("[data-testid=roster-count]") == "2" and "由管理员于" in page.inner_text("#roster")
    page.click("#roster summary")
    assert "王建国" in page.inner_text("#roster table") and "在任" in page.inner_text("#roster table")
    assert page.locator("#roster table").is_visible()
    screenshot(page, "admin-roster")

    follow(page, "#roster button:has-text('恢复为配置文件中的名单')")
    assert f"共 {configured} 人次" in page.inner_text(".flash")
    assert int(page.inner_text("[data-testid=roster-count]")) == configured
    assert page.dialogs == []
    page.context.close()
