"""End to end in a real headless Chromium (Debian's, driven by Playwright): an officer
self-checks and submits, an editor finds the brief in the queue with the keyboard, adopts
it, and the points appear in the 通报."""

import pytest

from review.config import load_config

from tests.api.conftest import follow as _follow
from tests.api.conftest import page_in_browser as _login

UNIT = "清河县农业农村局"
DRAFT_TITLE = "清河县秸秆离田利用率偏低 史无前例的焚烧反弹风险值得关注"
DRAFT_BODY = ("今年秋收以来,我县12个乡镇秸秆产生量约41万吨,离田利用率仅为38%,比去年同期下降9个百分点。"
              "11月以来,卫星遥感监测发现火点17处,较去年同期增加6处,主要集中在东部3个乡镇。"
              "原因是收储点布局不足、运输补贴标准偏低,农户离田积极性不高。"
              "建议县财政将离田运输补贴由每吨30元提高到50元,在东部乡镇新增收储点4个。")

def test_officer_submits_editor_adopts_points_in_report(server, browser):
    base, app = server
    officer = _login(browser, base, "officer_a", "officer-pass-a")
    assert officer.url.endswith("/mine")

    # Self-check: category with scores, the exaggeration highlighted in the text with its fix.
    officer.click("nav >> text=自查")
    officer.fill("input[name=title]", DRAFT_TITLE)
    officer.fill("textarea[name=body]", DRAFT_BODY)
    _follow(officer, "button:has-text('开始自查')")
    category = officer.inner_text("[data-testid=category]")
    assert category.rstrip("类") in ("动态", "经验", "问题", "建议", "苗头")
    assert officer.locator(".scores li").count() == 5
    mark = officer.locator("mark[data-flag=exaggeration]")
    assert mark.count() == 1 and mark.inner_text().startswith("史无前例") and mark.is_visible()
    fix = officer.locator("ol.flags li[data-flag=exaggeration] p").inner_text()
    assert "实事求是" in fix

    # Submit; the brief page shows it waiting for the editors.
    _follow(officer, "button:has-text('报送此信息')")
    assert "/briefs/" in officer.url and officer.inner_text("[data-testid=status]") == "待审"
    brief_id = officer.url.split("/briefs/", 1)[1].split("?", 1)[0]

    # The editor filters the queue to the unit, moves with j and opens with o.
    editor = _login(browser, base, "editor1", "editor-pass-1")
    assert editor.url.endswith("/queue")
    editor.select_option("select[name=unit]", UNIT)
    _follow(editor, "button:has-text('筛选')")
    rows = editor.locator("tr[data-row]")
    titles = [rows.nth(i).locator("a").inner_text() for i in range(rows.count())]
    assert DRAFT_TITLE in titles, editor.url + editor.inner_text("main")
    for _ in range(titles.index(DRAFT_TITLE) + 1):
        editor.keyboard.press("j")
    assert editor.locator("tr.current a").inner_text() == DRAFT_TITLE
    editor.keyboard.press("o")
    editor.wait_for_url(lambda url: f"/briefs/{brief_id}" in url)

    # One key adopts at city level (2) and returns to the same filtered queue, without the brief.
    editor.keyboard.press("2")
    editor.wait_for_url(lambda url: "/queue" in url)
    assert "已记录:采用(市级)" in editor.inner_text(".flash")
    assert DRAFT_TITLE not in editor.inner_text("table.queue")

    # The 通报 of the current month ranks the unit with the points of a city adoption.
    _follow(editor, "nav >> text=通报")
    table = load_config().section("points")
    points = editor.inner_text(f"tr[data-unit='{UNIT}'] td.points")
    assert float(points) == pytest.approx(table["submitted"] + table["adoption"]["city"])
    assert editor.locator("svg.chart rect.bar").count() >= 1
    with editor.expect_download() as download:
        editor.click("text=导出 Excel")
    assert download.value.suggested_filename.endswith(".xlsx")

    # The officer sees the decision on their own list.
    officer.goto(f"{base}/mine")
    row = officer.locator("tr", has_text=DRAFT_TITLE)
    assert row.locator(".status").inner_text() == "已采用"
    assert officer.dialogs == [] and editor.dialogs == []


def test_hostile_text_never_runs_as_script(server, browser):
    base, _ = server
    officer = _login(browser, base, "officer_a", "officer-pass-a")
    officer.goto(f"{base}/check")
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    officer.fill("input[name=title]", "乡镇道路安全隐患排查" + hostile)
    officer.fill("textarea[name=body]", DRAFT_BODY + hostile)
    _follow(officer, "button:has-text('开始自查')")
    _follow(officer, "button:has-text('报送此信息')")
    assert hostile in officer.inner_text("h1")  # shown as text
    editor = _login(browser, base, "editor1", "editor-pass-1")
    editor.goto(f"{base}/queue?unit={UNIT}")
    editor.locator("a", has_text="乡镇道路安全隐患排查").first.click()
    editor.wait_for_load_state()
    assert officer.dialogs == [] and editor.dialogs == []
    assert editor.locator("img[src=x]").count() == 0


def test_pages_work_on_a_phone(server, browser):
    base, _ = server
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "editor1")
    page.fill("input[name=password]", "editor-pass-1")
    _follow(page, "button:has-text('登录')")
    # Nothing wider than the screen: no sideways scrolling on the queue.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    assert page.locator("tr[data-row] a").first.is_visible()


MEETING_TITLE = "我县召开秋冬季安全生产工作推进会"
MEETING_BODY = ("11月5日,县政府召开全县秋冬季安全生产工作推进会,副县长出席并讲话,"
                "各乡镇、县直有关部门主要负责人参加会议,应急管理局等5个单位作表态发言。")


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_self_check_says_why_the_category_and_which_date_it_read(server, browser, width, height):
    base, _app = server
    officer = _login(browser, base, "officer_a", "officer-pass-a")
    officer.set_viewport_size({"width": width, "height": height})
    officer.click("nav >> text=自查")
    officer.fill("input[name=title]", MEETING_TITLE)
    officer.fill("textarea[name=body]", MEETING_BODY)
    _follow(officer, "button:has-text('开始自查')")
    category = officer.inner_text("[data-testid=category]")
    assert category == "动态类"  # a textbook meeting report
    why = officer.locator("[data-testid=category-evidence]")
    assert why.is_visible() and why.inner_text().startswith("为何判为动态类")
    phrases = [officer.locator("q.ev").nth(i).inner_text() for i in range(officer.locator("q.ev").count())]
    assert phrases and all(p in MEETING_TITLE + MEETING_BODY for p in phrases)
    assert any("召开" in p or "推进会" in p for p in phrases), phrases
    box = why.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1  # fits the screen
    read = officer.inner_text("[data-testid=event-time]")
    assert "11月5日" in read and "时效据此判断" in read
    officer.context.close()
