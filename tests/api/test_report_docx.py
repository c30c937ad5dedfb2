"""The formal 通报 as a Word document: downloaded over the API on both databases and from the
通报 page in Chromium, opened with python-docx."""

import io
from datetime import date

import pytest
from docx import Document

from api.report_docx import report_docx
from review import clock
from review.config import load_config
from review.periods import chinese_date
from tests.api.conftest import DESKTOP, PHONE, page_in_browser, screenshot
from tests.api.test_report_pages import HOSTILE, LONG, YEAR, archive_briefs

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def archive(server):
    """The 2025 archive of tests/api/test_report_pages.py, and a unit that sent nothing."""
    service = server[1].state.service
    service.import_briefs(archive_briefs())
    return service


def tables_by_group(doc) -> dict[str, list[list[str]]]:
    """Each group heading's table, as rows of cell texts (header row left out)."""
    body = doc.element.body
    out, heading = {}, None
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            if text.startswith("（") and "）" in text:
                heading = text.split("）", 1)[1]
        elif tag == "tbl" and heading:
            table = next(t for t in doc.tables if t._tbl is child)
            out[heading] = [[cell.text for cell in row.cells] for row in table.rows[1:]]
            heading = None
    return out


def read(content: bytes):
    doc = Document(io.BytesIO(content))
    return doc, [p.text for p in doc.paragraphs]


def assert_the_notice(content: bytes) -> None:
    """The 2025 notice: its form, its groups with ranks and 并列, its named units, its signature."""
    doc, paragraphs = read(content)
    assert paragraphs[0] == "关于2025年全市政务信息报送采用情况的通报"
    assert "现将2025年全市政务信息报送采用情况通报如下：" in paragraphs
    assert "2025年，全市共有7个单位报送信息8条，被采用4条，采用率50.0%，其中市级采用2条、县级采用2条。" in paragraphs
    groups = tables_by_group(doc)
    assert list(groups) == ["乡镇街道", "县直部门", "其他单位"]
    assert groups["乡镇街道"] == [["并列第1", "东关镇", "1", "1", "100.0%", "8.50"],
                                ["并列第1", "西关镇", "1", "1", "100.0%", "8.50"],
                                ["3", "南关镇", "2", "0", "0.0%", "1.00"]]
    # ranked within the group: the two bureaus tie for first among 县直部门, the hostile name follows
    assert groups["县直部门"] == [["并列第1", "清河县水利局", "1", "1", "100.0%", "4.50"],
                                ["并列第1", "清河县统计局", "1", "1", "100.0%", "4.50"],
                                ["3", HOSTILE, "1", "0", "0.0%", "0.50"]]
    assert groups["其他单位"] == [["1", LONG, "1", "0", "0.0%", "0.50"]]
    # the named units: the top three (ties included) commended, the silent and the unadopted named
    assert "对得分居前的东关镇、西关镇、清河县水利局、清河县统计局予以通报表扬。" in paragraphs
    silent = next(p for p in paragraphs if p.startswith("本期未报送信息的单位："))
    assert "清河县农业农村局" in silent and "安平县应急管理局" in silent and "东关镇" not in silent
    assert f"本期报送信息未被采用的单位：南关镇、{HOSTILE}、{LONG}。" in paragraphs
    report = load_config().section("report")
    assert paragraphs[-2:] == [report["issuer"], chinese_date(clock.today())]
    # the hostile name is text: no field, no hyperlink, no script anywhere in the document's XML
    xml = doc.element.xml
    assert "w:fldSimple" not in xml and "w:instrText" not in xml and "w:hyperlink" not in xml
    assert "<script>" not in xml and "&lt;script&gt;" in xml


def test_the_word_notice_over_the_api(archive, editor, officer_a):
    r = editor.get("/api/v1/stats/units", params={**YEAR, "format": "docx"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == WORD
    assert r.headers["content-disposition"] == 'attachment; filename="units-20250101-20251231.docx"'
    assert_the_notice(r.content)
    r = officer_a.get("/api/v1/stats/units", params={**YEAR, "format": "docx"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_a_month_is_named_as_a_month_and_an_empty_period_says_so(archive, editor):
    r = editor.get("/api/v1/stats/units", params={"from": "2025-02-01", "to": "2025-02-28", "format": "docx"})
    doc, paragraphs = read(r.content)
    assert "现将2025年2月份全市政务信息报送采用情况通报如下：" in paragraphs
    assert list(tables_by_group(doc)) == ["县直部门"]
    assert tables_by_group(doc)["县直部门"][0][0] == "并列第1"
    r = editor.get("/api/v1/stats/units", params={"from": "2024-02-01", "to": "2024-02-29", "format": "docx"})
    doc, paragraphs = read(r.content)
    assert "2024年2月，全市各单位未报送信息。" in paragraphs and doc.tables == []


def test_grouping_and_wording_follow_the_configuration():
    """An explicit list puts a unit in a group whatever its name ends with."""
    config = load_config(overrides={"report": {
        "area": "全县", "issuer": "清河县委办公室",
        "groups": [{"name": "重点联系单位", "units": ["城关镇"]}, {"name": "部门", "suffixes": ["局"]}],
        "other_group": "其他"}}).section("report")
    row = {"submitted": 2, "adopted": 1, "adoption_rate": 0.5, "adopted_county": 1, "adopted_city": 0,
           "adopted_province": 0, "adopted_central": 0, "tied": False, "months_without_adoption": []}
    stats = [{**row, "unit": "城关镇", "points": 5.0, "rank": 1}, {**row, "unit": "清河县水利局", "points": 4.5, "rank": 2},
             {**row, "unit": "柳林乡\x07", "points": 4.0, "rank": 3}]
    doc, paragraphs = read(report_docx(stats, date(2026, 11, 1), date(2026, 11, 30), units=["城关镇"],
                                       config=config, issued_on=date(2026, 12, 3)))
    assert paragraphs[0] == "关于2026年11月全县政务信息报送采用情况的通报"
    assert "现将2026年11月份全县政务信息报送采用情况通报如下：" in paragraphs
    assert {g: [r[1] for r in rows] for g, rows in tables_by_group(doc).items()} == {
        "重点联系单位": ["城关镇"], "部门": ["清河县水利局"], "其他": ["柳林乡"]}  # a control character is dropped
    assert paragraphs[-2:] == ["清河县委办公室", "2026年12月3日"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_word_notice_from_the_report_page(server, archive, browser, viewport):
    base = server[0]
    page = page_in_browser(browser, base, "editor1", "editor-pass-1", viewport=viewport)
    page.goto(f"{base}/report?from=2025-01-01&to=2025-12-31")
    link = page.locator("[data-testid=docx]")
    assert link.inner_text() == "下载 Word 通报" and link.is_visible()
    screenshot(page, "report-docx")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "units-20250101-20251231.docx"
    assert_the_notice(download.value.path().read_bytes())
    assert page.dialogs == []
    page.context.close()
