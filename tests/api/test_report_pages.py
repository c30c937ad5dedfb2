"""The 通报 over real HTTP on both databases and in Chromium: ties as 并列, the year view per unit
with the running month left out, the Excel ready to send, the chart's labels in full and 得分
on a phone."""

import csv
import io
from datetime import datetime, timedelta

import httpx
import pytest
from openpyxl import load_workbook

from review import clock
from review.brief import SHANGHAI, Adoption, Brief, Labels
from tests.api.conftest import DESKTOP, PHONE, page_in_browser, screenshot
from tests.api.test_api import WARNING

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
HOSTILE = '=HYPERLINK("http://evil.example/","点击")<script>alert(1)</script>局'
LONG = "清河县乡村振兴和农业农村现代化建设工作领导小组办公室综合协调与督查督办科室"
# (unit, month of 2025, adoption level): points are 0.5 a brief plus 8 (city) or 4 (county).
ARCHIVE = [("东关镇", 1, "city"), ("西关镇", 3, "city"), ("清河县水利局", 2, "county"), ("清河县统计局", 2, "county"),
           ("南关镇", 4, "none"), ("南关镇", 5, "none"), (HOSTILE, 6, "none"), (LONG, 7, "none")]
EXPECTED = {"东关镇": (1, True, 8.5), "西关镇": (1, True, 8.5), "清河县水利局": (3, True, 4.5),
            "清河县统计局": (3, True, 4.5), "南关镇": (5, False, 1.0), HOSTILE: (6, True, 0.5), LONG: (6, True, 0.5)}
MONTHS_2025 = [f"2025-{m:02d}" for m in range(1, 13)]


def archive_briefs() -> list[Brief]:
    """The year 2025 of a small archive, with the decisions its labels record."""
    return [Brief(id=f"report-{n}", unit=unit, title=f"第{n}条通报测试信息", body=WARNING["body"] + f"编号{n}。",
                  submitted_at=datetime(2025, month, 10, 9, 0, tzinfo=SHANGHAI),
                  labels=Labels(("problem",), adoption=Adoption(level)))
            for n, (unit, month, level) in enumerate(ARCHIVE)]


@pytest.fixture(scope="module")
def archive(server):
    """The 2025 archive, plus 北关镇 with a brief last month and one today (the running month)."""
    service = server[1].state.service
    now = clock.now()
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(day=10, hour=9, minute=0)
    running = [Brief(id=f"report-running-{i}", unit="北关镇", title=f"北关镇本月通报测试信息{i}",
                     body=WARNING["body"] + f"北关{i}。", submitted_at=when, labels=Labels(("problem",), adoption=Adoption("none")))
               for i, when in enumerate((last_month, now - timedelta(seconds=1)))]
    service.import_briefs(archive_briefs() + running)
    return {"last_month": f"{last_month:%Y-%m}", "this_month": f"{now:%Y-%m}",
            "from": last_month.date().replace(day=1).isoformat(), "to": clock.today().isoformat()}


def page_client(server, editor) -> httpx.Client:
    """The editor's session as a browser holds it (the API token in the session cookie)."""
    token = editor.headers["Authorization"].removeprefix("Bearer ")
    return httpx.Client(base_url=server[0], cookies={"br_session": token}, timeout=60)


def test_equal_points_share_a_rank_in_the_api_and_the_csv(archive, editor):
    r = editor.get("/api/v1/stats/units", params=YEAR)
    assert r.status_code == 200, r.text
    units = r.json()["units"]
    assert {u["unit"]: (u["rank"], u["tied"], u["points"]) for u in units} == EXPECTED
    assert [u["rank"] for u in units] == [1, 1, 3, 3, 5, 6, 6]  # 1, 1, 3: the rank after a tie skips
    assert [u["unit"] for u in units][4] == "南关镇"

    r = editor.get("/api/v1/stats/units", params={**YEAR, "format": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    ranks = {row[1]: row[0] for row in rows[1:]}
    assert ranks["东关镇"] == ranks["西关镇"] == "并列第1" and ranks["南关镇"] == "5"
    assert ranks["'" + HOSTILE] == "并列第6"  # the formula is neutralised, the tie still shown


def test_the_year_view_counts_months_per_unit_and_only_ended_months(archive, editor):
    units = {u["unit"]: u for u in editor.get("/api/v1/stats/units", params=YEAR).json()["units"]}
    assert units["东关镇"]["months_without_adoption"] == MONTHS_2025[1:]
    assert units["清河县水利局"]["months_without_adoption"] == ["2025-01"] + MONTHS_2025[2:]
    assert units["东关镇"]["adopted_by_month"] == {m: int(m == "2025-01") for m in MONTHS_2025}

    period = {"from": archive["from"], "to": archive["to"]}
    north = next(u for u in editor.get("/api/v1/stats/units", params=period).json()["units"] if u["unit"] == "北关镇")
    assert north["submitted"] == 2 and north["adopted"] == 0
    # last month is over and had no adoption; this month has barely started and is not counted
    assert north["months_without_adoption"] == [archive["last_month"]]
    assert north["adopted_by_month"] == {archive["last_month"]: 0, archive["this_month"]: 0}


def test_the_report_page_shows_ties_a_month_grid_and_the_running_month_note(server, archive, editor):
    client = page_client(server, editor)
    page = client.get("/report", params=YEAR)
    assert page.status_code == 200
    html = page.text
    assert '<tr data-unit="东关镇">\n    <td class="rank tied">并列第1</td>' in html
    assert '<td class="rank">5</td><td>南关镇</td>' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the zero-adoption months as ranges, not a wall of twelve
    assert '<td class="zero-months">2025年2—12月</td>' in html
    assert '<td class="zero-months">2025年1月、3—12月</td>' in html
    grid_row = html.split('data-unit="东关镇"')[2].split("</tr>")[0]  # the unit's row in the month grid
    assert "逐月采用情况" in html and '<td data-month="2025-01" class="adopted">1</td>' in grid_row
    assert '<td data-month="2025-02" class="zero">0</td>' in grid_row
    assert "本月尚未结束" not in html  # 2025 is over
    six_years = client.get("/report", params={"from": "2020-01-01", "to": "2025-12-31"}).text
    assert "所选期间超过 36 个月,不列逐月采用情况" in six_years and 'data-testid="months"' not in six_years
    assert '<td class="zero-months">2020年1月—2025年2月、4—12月</td>' in six_years  # 西关镇

    html = client.get("/report", params={"from": archive["from"], "to": archive["to"]}).text
    assert "本月尚未结束,未计入零采用月份" in html
    assert f'{int(archive["this_month"][5:])}月(未结束)</th>' in html


def test_the_excel_is_ready_to_send(archive, editor):
    r = editor.get("/api/v1/stats/units", params={**YEAR, "format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet["A1"].value == "2025年全市政务信息报送采用情况" and sheet["A1"].font.bold
    assert "A1:N1" in {str(m) for m in sheet.merged_cells.ranges}
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["排名", "单位", "报送数", "采用数"] and all(c.font.bold for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    rows = {sheet.cell(row=n, column=2).value: n for n in range(3, 3 + len(EXPECTED))}
    first = rows["东关镇"]
    assert sheet.cell(row=first, column=1).value == "并列第1"
    rate, points = sheet.cell(row=first, column=9), sheet.cell(row=first, column=10)
    assert rate.value == 1.0 and rate.number_format == "0.0%"
    assert points.value == 8.5 and points.number_format == "0.00"
    assert sheet.cell(row=rows["清河县水利局"], column=12).value == "2025年1月、3—12月"
    hostile = sheet.cell(row=rows["'" + HOSTILE], column=2)
    assert hostile.data_type == "s" and hostile.value.startswith("'=")
    # widths fit Chinese text: the unit column holds the long name (two width units per character, capped)
    assert sheet.column_dimensions["B"].width == 40
    assert sheet.column_dimensions["A"].width >= 2 * len("并列第1") and sheet.column_dimensions["C"].width >= 8
    assert sheet.column_dimensions["L"].width >= 18
    assert sheet.cell(row=sheet.max_row, column=1).value != "注:本月尚未结束,未计入零采用月份。"  # 2025 is over

    r = editor.get("/api/v1/stats/units", params={"from": archive["from"], "to": archive["to"], "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet["A1"].value.endswith("全市政务信息报送采用情况")
    assert sheet.cell(row=sheet.max_row, column=1).value == "注:本月尚未结束,未计入零采用月份。"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_report_in_the_browser(server, archive, browser, viewport):
    base = server[0]
    page = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport=viewport)
    page.goto(f"{base}/report?from=2025-01-01&to=2025-12-31")
    ranks = page.locator("table.report td.rank")
    assert [ranks.nth(i).inner_text() for i in range(ranks.count())][:5] == ["并列第1", "并列第1", "并列第3", "并列第3", "5"]

    # 得分 stays on a phone (the columns after 采用 may go)
    assert page.locator("table.report th.points").is_visible()
    cells = page.locator("table.report td.points")
    assert [cells.nth(i).inner_text() for i in range(cells.count())][:5] == ["8.50", "8.50", "4.50", "4.50", "1.00"]
    assert all(cells.nth(i).is_visible() for i in range(cells.count()))
    if viewport is PHONE:
        assert not page.locator("table.report th", has_text="县级").is_visible()
        # nothing pushes the page sideways, not even a long unbroken name; the month grid scrolls in its box
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # every chart label, the long name included, lies inside the chart
    box = page.locator("svg.chart").bounding_box()
    labels = page.locator("svg.chart text.lbl")
    assert labels.count() == len(EXPECTED)
    for i in range(labels.count()):
        label = labels.nth(i).bounding_box()
        assert box["x"] <= label["x"] and label["x"] + label["width"] <= box["x"] + box["width"] + 0.5, i
        assert box["y"] <= label["y"] and label["y"] + label["height"] <= box["y"] + box["height"] + 0.5, i
    assert "".join(labels.nth(6).locator("tspan").all_text_contents()) == f"并列第6. {LONG}"  # wrapped, in full

    # the month grid: a row per unit, the months as columns, scrollable on a phone
    grid = page.locator("table.months")
    assert grid.locator("tbody tr").count() == len(EXPECTED)
    assert grid.locator("thead th").count() == 13
    assert page.locator("tr[data-unit='东关镇'] td.zero-months").inner_text() == "2025年2—12月"
    screenshot(page, "report-year")

    # the Excel, opened as it was downloaded
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet["A1"].value == "2025年全市政务信息报送采用情况" and sheet["I3"].number_format == "0.0%"

    # this month: the running month is said not to count
    page.goto(f"{base}/report")
    assert "本月尚未结束,未计入" in page.inner_text("[data-testid=open-months]")
    screenshot(page, "report-month")
    assert page.dialogs == []
    page.context.close()


ERRING = [("东坝镇", "截止5月底,全镇完成改厕320户，布署了下阶段工作。"), ("东坝镇", "全镇完成改厕320户。。"),
          ("东坝镇", "全镇完成改厕320户，群众满意。"), ("西坝镇", "全镇完成改厕280户，群众满意。")]


def test_the_report_counts_proofreading_errors_by_unit(server, editor):
    """Each unit's briefs with proofreading errors, their share, and briefs per code (2024: a year of its own)."""
    service = server[1].state.service
    service.import_briefs([Brief(id=f"erring-{n}", unit=unit, title=f"{unit}改厕进展{n}", body=body,
                                 submitted_at=datetime(2024, 5, 10 + n, 9, 0, tzinfo=SHANGHAI))
                           for n, (unit, body) in enumerate(ERRING)])
    stats = {s["unit"]: s for s in editor.get("/api/v1/stats/units",
                                              params={"from": "2024-01-01", "to": "2024-12-31"}).json()["units"]}
    east, west = stats["东坝镇"], stats["西坝镇"]
    assert (east["with_errors"], east["error_rate"]) == (2, round(2 / 3, 4))
    assert east["errors_by_code"] == {"name_title": 0, "formulation": 0, "number_format": 0, "punctuation": 2,
                                      "wrong_word": 1}
    assert (west["with_errors"], west["error_rate"]) == (0, 0.0)

    sheet = load_workbook(io.BytesIO(editor.get("/api/v1/stats/units", params={
        "from": "2024-01-01", "to": "2024-12-31", "format": "xlsx"}).content)).active
    assert [sheet.cell(row=2, column=c).value for c in (13, 14)] == ["有差错篇数", "差错率"]
    row = next(n for n in range(3, sheet.max_row + 1) if sheet.cell(row=n, column=2).value == "东坝镇")
    assert sheet.cell(row=row, column=13).value == 2 and sheet.cell(row=row, column=14).number_format == "0.0%"

    page = page_client(server, editor).get("/report", params={"from": "2024-01-01", "to": "2024-12-31"}).text
    table = page[page.index('data-testid="errors"'):]
    table = table[:table.index("</table>")]
    assert "东坝镇" in table and "西坝镇" not in table  # only units with errors are listed
    assert "2 / 3" in table and "66.7%" in table
