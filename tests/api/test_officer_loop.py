"""The officer's loop: a returned brief's comment at the top and counted in the navigation,
revising through the self-check with the comment beside the draft and a diff afterwards,
"我的" with adoption levels, points and the unit's rank, every exaggeration marked, plain
Chinese form errors that keep the input, and one format for points."""

import csv
import io
import re
import uuid
from datetime import date

import pytest

from review import clock
from tests.api.conftest import DESKTOP, PHONE, follow, page_in_browser, screenshot
from tests.api.test_pages import _csrf, page_login

UNIT = "清河县农业农村局"
BOASTFUL = {"title": "我县农村人居环境整治取得空前成效",
            "body": "5月以来,我县投入资金1200万元,对12个乡镇开展人居环境整治,村容村貌发生了翻天覆地的变化,"
                    "这一做法史无前例,彻底解决了垃圾围村问题。群众满意度达到空前的96%。"}
SUPERLATIVES = ["空前", "翻天覆地", "史无前例", "彻底解决", "空前"]
COMMENT = "请补充受影响户数和修复时间表,并写明下一步打算"


def _draft(tag: str) -> dict:
    """A distinct problem brief (each test its own, so the duplicate check does not pair them)."""
    return {"title": f"{tag}村冬季供水管道冻裂 {uuid.uuid4().hex[:4]}户用水受影响",
            "body": f"12月以来,{tag}村因气温骤降,供水主管道冻裂3处,约{len(tag) * 130 + 7}户村民用水中断。"
                    "原因是管道埋深不足、保温措施缺失。建议县水利局组织抢修,并在入冬前排查同类管道。"}


def _submit_and_return(officer, editor, draft: dict, comment: str = COMMENT) -> str:
    brief = officer.post("/api/v1/briefs", json=draft)
    assert brief.status_code == 201, brief.text
    brief_id = brief.json()["id"]
    r = editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "return", "text": comment})
    assert r.status_code == 201, r.text
    return brief_id


def _returned_total(officer) -> int:
    return officer.get("/api/v1/briefs", params={"status": "returned"}).json()["total"]


def _nav_count(html: str) -> int:
    found = re.search(r'data-testid="returned-count"[^>]*>退回待改 (\d+)<', html)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def officer_page(server):
    return page_login(server[0], "officer_a", "officer-pass-a")


@pytest.fixture(scope="module")
def admin_page(server):
    return page_login(server[0], "admin1", "admin-pass-1")


# --- over HTTP, on both databases --------------------------------------------------------------


def test_returned_comment_is_at_the_top_and_counted_in_the_navigation(server, officer_a, officer_b, editor,
                                                                        officer_page):
    before = _nav_count(officer_page.get("/mine").text)
    assert before == _returned_total(officer_a)
    brief_id = _submit_and_return(officer_a, editor, _draft("东坡"))
    page = officer_page.get(f"/briefs/{brief_id}").text
    assert _nav_count(page) == before + 1
    box = re.search(r'data-testid="returned-box".*?</section>', page, re.S).group(0)
    assert COMMENT in box and "editor1" in box and "修改重报" in box
    assert f'href="/briefs/{brief_id}/revise"' in box
    # At the top: before the text and its review, not only under 审核记录.
    assert page.index('data-testid="returned-box"') < page.index('class="review"') < page.index("审核记录")
    # Another unit's officer is not told about it; an editor sees the comment but no count.
    other = page_login(server[0], "officer_b", "officer-pass-b")
    assert _nav_count(other.get("/mine").text) == _returned_total(officer_b)
    editor_html = page_login(server[0], "editor1", "editor-pass-1").get(f"/briefs/{brief_id}").text
    assert COMMENT in editor_html and 'data-testid="returned-count"' not in editor_html
    # Resubmitted: the count goes down again and the box gives way to a one-line note.
    draft = officer_a.get(f"/api/v1/briefs/{brief_id}").json()
    r = officer_a.post(f"/api/v1/briefs/{brief_id}/versions", json={"title": draft["title"],
                                                                    "body": draft["body"] + "已修复2处。"})
    assert r.status_code == 201, r.text
    page = officer_page.get(f"/briefs/{brief_id}").text
    assert _nav_count(page) == before and 'data-testid="returned-box"' not in page
    assert 'data-testid="returned-note"' in page and COMMENT in page


def test_revise_goes_through_the_self_check_and_the_brief_shows_the_diff(officer_a, editor, officer_page):
    draft = _draft("西岭")
    brief_id = _submit_and_return(officer_a, editor, draft)
    form = officer_page.get(f"/briefs/{brief_id}/revise")
    assert form.status_code == 200
    assert f'value="{draft["title"]}"' in form.text and draft["body"] in form.text  # prefilled
    assert COMMENT in re.search(r'data-testid="revise-comment".*?</aside>', form.text, re.S).group(0)
    added = "截至12月5日已修复2处,<b>剩余1处</b>预计12月8日修复。"
    body = draft["body"] + added
    r = officer_page.post(f"/briefs/{brief_id}/revise", data={"csrf": _csrf(form.text), "title": draft["title"],
                                                              "body": body})
    assert r.status_code == 200
    # Checked like a new self-check, comment still beside it, nothing stored yet.
    assert "自查结果" in r.text and 'data-testid="category"' in r.text and COMMENT in r.text
    assert f'action="/briefs/{brief_id}/resubmit"' in r.text and 'action="/submit"' not in r.text
    assert "<ins>截至12月5日已修复2处,&lt;b&gt;剩余1处&lt;/b&gt;预计12月8日修复。</ins>" in r.text
    assert officer_a.get(f"/api/v1/briefs/{brief_id}").json()["version"] == 1
    r = officer_page.post(f"/briefs/{brief_id}/resubmit", data={"csrf": _csrf(r.text), "title": draft["title"],
                                                                "body": body})
    assert r.status_code == 303 and r.headers["location"] == f"/briefs/{brief_id}"
    stored = officer_a.get(f"/api/v1/briefs/{brief_id}").json()
    assert (stored["version"], stored["status"], stored["body"]) == (2, "resubmitted", body)
    page = officer_page.get(f"/briefs/{brief_id}").text
    changes = re.search(r'data-testid="changes".*?</section>', page, re.S).group(0)
    assert "第 1 稿 → 第 2 稿" in changes
    assert "<ins>截至12月5日已修复2处,&lt;b&gt;剩余1处&lt;/b&gt;预计12月8日修复。</ins>" in changes
    assert "<b>剩余" not in page  # the officer's text is escaped, never markup


def test_revising_is_refused_when_the_brief_is_not_returned(officer_a, officer_page, server):
    brief_id = officer_a.post("/api/v1/briefs", json=_draft("南湾")).json()["id"]
    r = officer_page.get(f"/briefs/{brief_id}/revise")
    assert r.status_code == 409 and "无需修改重报" in r.text
    editor_page = page_login(server[0], "editor1", "editor-pass-1")
    assert editor_page.get(f"/briefs/{brief_id}/revise").status_code == 403


def test_mine_shows_levels_points_and_the_units_month_rank_as_in_the_report(officer_a, editor, officer_page):
    adopted = officer_a.post("/api/v1/briefs", json=_draft("北台")).json()["id"]
    assert editor.post(f"/api/v1/briefs/{adopted}/decisions", json={"action": "adopt", "level": "city"}
                       ).status_code == 201
    assert editor.post(f"/api/v1/briefs/{adopted}/decisions", json={"action": "instruction", "level": "county"}
                       ).status_code == 201
    page = officer_page.get("/mine").text
    row = re.search(rf'<tr[^>]*data-brief="{adopted}".*?</tr>', page, re.S).group(0)
    expected = editor.get(f"/api/v1/briefs/{adopted}").json()["points"]["total"]
    assert "市级采用" in row and "县级领导批示" in row
    assert re.search(r'class="points">([^<]*)<', row).group(1) == f"{expected:.2f}"
    today = clock.today()
    stats = editor.get("/api/v1/stats/units", params={"from": today.replace(day=1).isoformat(),
                                                      "to": today.isoformat()}).json()["units"]
    mine = next(s for s in stats if s["unit"] == UNIT)
    assert re.search(r'data-testid="month-points">([\d.]+)<', page).group(1) == f"{mine['points']:.2f}"
    assert int(re.search(r'data-testid="month-rank">(\d+)<', page).group(1)) == mine["rank"]
    assert f"在通报的 {len(stats)} 个单位中" in page


def test_every_occurrence_of_an_exaggeration_is_marked_and_listed(officer_page):
    form = officer_page.get("/check").text
    r = officer_page.post("/check", data={"csrf": _csrf(form), **BOASTFUL})
    assert r.status_code == 200
    marks = re.findall(r'<mark class="sev-info" id="(flag-\d+-\d+)"[^>]*data-flag="exaggeration">([^<]*)<sup>', r.text)
    assert [text for _, text in marks] == SUPERLATIVES
    listed = re.search(r'<li class="sev-info" data-flag="exaggeration">.*?</li>', r.text, re.S).group(0)
    assert "文中 5 处" in listed
    assert re.findall(r'<a href="#(flag-\d+-\d+)"><q>([^<]*)</q></a>', listed) == marks  # each links to its mark


def test_empty_self_check_says_what_to_fill_in_in_plain_chinese(officer_page):
    form = officer_page.get("/check").text
    r = officer_page.post("/check", data={"csrf": _csrf(form), "title": "", "body": "  "})
    assert r.status_code == 422
    message = re.search(r'data-testid="form-error">([^<]*)<', r.text).group(1)
    assert message.startswith("请填写正文")
    for internal in ("记录", "draft", "字段", "body", "title"):
        assert internal not in message


def test_submit_and_resubmit_errors_keep_what_was_typed(officer_a, editor, officer_page):
    secret = {"title": "关于春耕备耕物资储备情况", "body": "秘密★1年\n全县化肥到位3.2万吨,农药储备充足。"}
    r = officer_page.post("/submit", data={"csrf": _csrf(officer_page.get("/check").text), **secret,
                                           "idempotency_key": uuid.uuid4().hex})
    assert r.status_code == 422 and "涉密信息严禁通过本系统报送" in r.text
    assert f'value="{secret["title"]}"' in r.text and secret["body"] in r.text  # back in the form
    r = officer_page.post("/submit", data={"csrf": _csrf(r.text), "title": "", "body": ""})
    assert r.status_code == 422 and "请填写正文" in r.text and "记录" not in r.text
    brief_id = _submit_and_return(officer_a, editor, _draft("石门"))
    r = officer_page.post(f"/briefs/{brief_id}/resubmit", data={"csrf": _csrf(r.text), **secret})
    assert r.status_code == 422 and secret["body"] in r.text and COMMENT in r.text  # the revise view again
    assert officer_a.get(f"/api/v1/briefs/{brief_id}").json()["status"] == "returned"


def test_admin_add_user_error_is_plain_and_keeps_the_form(admin_page):
    page = admin_page.get("/admin").text
    r = admin_page.post("/admin/users", data={"csrf": _csrf(page), "username": "wang_xiaoming",
                                              "password": "long-enough-pass", "role": "officer", "unit": " "})
    assert r.status_code == 422
    message = re.search(r'data-testid="form-error">([^<]*)<', r.text).group(1)
    assert "报送单位" in message and "--unit" not in message and "unit" not in message
    assert 'value="wang_xiaoming"' in r.text and '<option value="officer" selected>' in r.text
    assert "long-enough-pass" not in r.text  # a password is never written back into a page


def test_points_have_two_decimals_on_pages_and_in_exports(officer_a, editor, server):
    brief_id = officer_a.post("/api/v1/briefs", json=_draft("中河")).json()["id"]
    editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "adopt", "level": "county"})
    editor_page = page_login(server[0], "editor1", "editor-pass-1")
    page = editor_page.get(f"/briefs/{brief_id}").text
    assert re.search(r'data-testid="points">(\d+\.\d\d)<', page)
    assert re.search(r"预计得分 \d+\.\d\d 分", page)
    report = editor_page.get("/report").text
    cells = re.findall(r'<td class="points">([^<]*)</td>', report)
    assert cells and all(re.fullmatch(r"-?\d+\.\d\d", c) for c in cells)
    rows = list(csv.reader(io.StringIO(editor_page.get("/report/export.csv").content.decode("utf-8-sig"))))
    assert all(re.fullmatch(r"-?\d+\.\d\d", r[9]) for r in rows[1:]) and len(rows) > 1


# --- in the browser, at desktop and phone sizes -------------------------------------------------


def _size(viewport) -> str:
    return "phone" if viewport is PHONE else "desktop"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_browser_returned_brief_revised_through_the_self_check(server, browser, officer_a, editor, viewport):
    base, _ = server
    draft = _draft("桃源" + _size(viewport))
    brief_id = _submit_and_return(officer_a, editor, draft)
    officer = page_in_browser(browser, base, "officer_a", "officer-pass-a", viewport=viewport)
    badge = officer.locator("[data-testid=returned-count]")
    assert badge.is_visible() and badge.inner_text() == f"退回待改 {_returned_total(officer_a)}"
    screenshot(officer, "officer-nav-returned-count")
    officer.goto(f"{base}/briefs/{brief_id}")
    box = officer.locator("[data-testid=returned-box]")
    assert box.is_visible() and COMMENT in box.inner_text() and "editor1" in box.inner_text()
    assert box.bounding_box()["y"] < officer.locator("article.text").bounding_box()["y"]  # above the text
    screenshot(officer, "officer-returned-comment-top")

    follow(officer, "[data-testid=returned-box] >> text=修改重报")
    assert officer.url.endswith(f"/briefs/{brief_id}/revise")
    assert officer.input_value("input[name=title]") == draft["title"]
    assert officer.input_value("textarea[name=body]") == draft["body"]
    comment = officer.locator("[data-testid=revise-comment]")
    assert comment.is_visible() and COMMENT in comment.inner_text()
    comment_box, form_box = comment.bounding_box(), officer.locator("form.draft").bounding_box()
    if viewport is DESKTOP:  # beside the draft
        assert comment_box["x"] > form_box["x"] + form_box["width"] - 1
    else:  # above it on a phone, still in view without scrolling past the draft
        assert comment_box["y"] < form_box["y"]
    screenshot(officer, "officer-revise-form")

    added = "截至12月5日已修复2处,剩余1处预计12月8日修复。"
    officer.fill("textarea[name=body]", draft["body"] + added)
    follow(officer, "button:has-text('自查修改稿')")
    assert officer.locator("[data-testid=category]").is_visible()
    assert officer.locator("[data-testid=draft-changes] ins").inner_text() == added
    assert COMMENT in officer.inner_text("[data-testid=revise-comment]")
    screenshot(officer, "officer-revise-checked")

    follow(officer, "button:has-text('重新报送')")
    assert officer.url.endswith(f"/briefs/{brief_id}")
    assert officer.inner_text("[data-testid=status]") == "修改后重报"
    assert officer.locator("[data-testid=changes] details[open] ins").inner_text() == added
    assert officer.locator("[data-testid=returned-box]").count() == 0
    screenshot(officer, "officer-resubmitted-diff")
    assert officer.dialogs == []
    officer.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_browser_mine_shows_levels_points_and_rank(server, browser, officer_a, editor, viewport):
    base, _ = server
    brief_id = officer_a.post("/api/v1/briefs", json=_draft("杏林" + _size(viewport))).json()["id"]
    editor.post(f"/api/v1/briefs/{brief_id}/decisions", json={"action": "adopt", "level": "province"})
    officer = page_in_browser(browser, base, "officer_a", "officer-pass-a", viewport=viewport)
    row = officer.locator(f"tr[data-brief='{brief_id}']")
    assert row.locator("td.level").inner_text() == "省级采用" and row.locator("td.level").is_visible()
    points = editor.get(f"/api/v1/briefs/{brief_id}").json()["points"]["total"]
    assert row.locator("td.points").inner_text() == f"{points:.2f}" and row.locator("td.points").is_visible()
    today = clock.today()
    stats = editor.get("/api/v1/stats/units", params={"from": today.replace(day=1).isoformat(),
                                                      "to": today.isoformat()}).json()["units"]
    mine = next(s for s in stats if s["unit"] == UNIT)
    assert officer.inner_text("[data-testid=month-points]") == f"{mine['points']:.2f}"
    assert officer.inner_text("[data-testid=month-rank]") == str(mine["rank"])
    screenshot(officer, "officer-mine-points-rank")
    officer.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_browser_every_exaggeration_is_marked(server, browser, viewport):
    base, _ = server
    officer = page_in_browser(browser, base, "officer_a", "officer-pass-a", viewport=viewport)
    follow(officer, "nav >> text=自查")
    officer.fill("input[name=title]", BOASTFUL["title"])
    officer.fill("textarea[name=body]", BOASTFUL["body"])
    follow(officer, "button:has-text('开始自查')")
    marks = officer.locator("mark[data-flag=exaggeration]")
    assert [marks.nth(i).inner_text().rstrip("0123456789") for i in range(marks.count())] == SUPERLATIVES
    assert marks.first.is_visible() and marks.last.is_visible()
    listed = officer.locator("ol.flags li[data-flag=exaggeration] [data-testid=occurrences]")
    assert listed.inner_text().startswith("文中 5 处") and listed.locator("a").count() == 5
    screenshot(officer, "officer-all-exaggerations")
    officer.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_browser_form_errors_are_plain_and_keep_the_input(server, browser, viewport):
    base, _ = server
    officer = page_in_browser(browser, base, "officer_a", "officer-pass-a", viewport=viewport)
    follow(officer, "nav >> text=自查")
    follow(officer, "button:has-text('开始自查')")  # nothing typed
    error = officer.locator("[data-testid=form-error]")
    assert error.is_visible() and error.inner_text().startswith("请填写正文")
    assert "draft" not in error.inner_text() and "字段" not in error.inner_text()
    screenshot(officer, "officer-empty-check-error")
    # A refused submission comes back with the text still in the form.
    officer.fill("input[name=title]", "关于春耕备耕物资储备情况")
    officer.fill("textarea[name=body]", "秘密★1年\n全县化肥到位3.2万吨,农药储备充足。")
    follow(officer, "button:has-text('开始自查')")
    follow(officer, "button:has-text('报送此信息')")
    assert "涉密信息严禁通过本系统报送" in officer.inner_text("[data-testid=form-error]")
    assert officer.input_value("input[name=title]") == "关于春耕备耕物资储备情况"
    assert officer.input_value("textarea[name=body]").startswith("秘密★1年")
    screenshot(officer, "officer-refused-submit-kept")
    officer.context.close()

    admin = page_in_browser(browser, base, "admin1", "admin-pass-1", viewport=viewport)
    admin.goto(f"{base}/admin")
    admin.fill("input[name=username]", f"li_{_size(viewport)}")
    admin.fill("input[name=password]", "long-enough-pass")
    admin.select_option("select[name=role]", "officer")
    follow(admin, "button:has-text('添加')")
    error = admin.locator("[data-testid=form-error]")
    assert error.is_visible() and "报送单位" in error.inner_text() and "--unit" not in error.inner_text()
    assert admin.input_value("input[name=username]") == f"li_{_size(viewport)}"
    assert admin.input_value("select[name=role]") == "officer"
    screenshot(admin, "admin-add-user-error")
    admin.context.close()
