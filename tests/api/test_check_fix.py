"""POST /api/v1/check?fix=true over HTTP on both databases: the review with the draft corrected;
and "全部采纳" on the self-check page in Chromium at desktop and phone sizes."""

import pytest

from tests.api.conftest import DESKTOP, PHONE, follow, page_in_browser, screenshot

DRAFT = {"title": "二0二四年我县放管服改革进展",
         "body": "截止5月底,副县长赵志刚带队督查了12个乡镇。。村民说：“办事方便多了", "unit": "清河县农业农村局"}


def test_check_with_fix_returns_the_corrected_draft_and_the_review(officer_a):
    r = officer_a.post("/api/v1/check", params={"fix": "true"}, json=DRAFT)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["fixed"] == {"title": "二〇二四年我县“放管服”改革进展",
                            "body": "截至5月底，县长赵志刚带队督查了12个乡镇。村民说：“办事方便多了", "applied": 6}
    by_code = {}
    for flag in out["flags"]:
        by_code.setdefault(flag["code"], []).append(flag)
    assert set(by_code) >= {"number_format", "formulation", "wrong_word", "punctuation", "name_title"}
    name = by_code["name_title"][0]
    assert name["suggestion"] == "县长" and name["evidence"] == "副县长" and "赵志刚" in name["message"]
    text = DRAFT["title"] + "\n" + DRAFT["body"]
    assert text[name["span"][0]:name["span"][1]] == "副县长"
    # The unmatched quote has no certain fix: it is reported, not guessed at.
    quote = [f for f in by_code["punctuation"] if f["evidence"] == "“"]
    assert quote and "suggestion" not in quote[0] and "没有配对" in quote[0]["message"]
    half = [f for f in by_code["punctuation"] if f["evidence"] == ","]
    assert [fix["text"] for fix in half[0]["fixes"]] == ["，"]


def test_check_without_fix_has_suggestions_but_no_corrected_draft(officer_a):
    out = officer_a.post("/api/v1/check", json=DRAFT).json()
    assert "fixed" not in out
    assert {f["code"]: f.get("suggestion") for f in out["flags"] if f["code"] == "wrong_word"} == {"wrong_word": "截至"}


def test_a_roster_name_is_left_as_written_by_the_fix(officer_a):
    draft = {"title": "县农业农村局局长陈晓明调研春耕", "body": "陈晓明强调,要抓好春耕备耕。"}
    out = officer_a.post("/api/v1/check", params={"fix": "true"}, json=draft).json()
    assert out["fixed"]["title"] == draft["title"] and out["fixed"]["body"] == "陈晓明强调，要抓好春耕备耕。"
    assert "name_title" not in [f["code"] for f in out["flags"]]


def test_a_bad_fix_value_is_a_chinese_422(officer_a):
    r = officer_a.post("/api/v1/check", params={"fix": "maybe"}, json=DRAFT)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert any("\u4e00" <= c <= "\u9fff" for c in r.json()["message"])


def checked_draft(server, browser, viewport):
    """The officer's self-check page with DRAFT checked."""
    base, _ = server
    page = page_in_browser(browser, base, "officer_a", "officer-pass-a", viewport=viewport)
    page.goto(f"{base}/check")
    page.fill("input[name=title]", DRAFT["title"])
    page.fill("textarea[name=body]", DRAFT["body"])
    follow(page, "button:has-text('开始自查')")
    return page


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_officer_adopts_all_suggestions_on_the_self_check_page(server, browser, viewport):
    page = checked_draft(server, browser, viewport)
    adopt = page.locator(".adopt-all")
    assert adopt.is_visible() and "截止 → 截至" in adopt.inner_text() and "副县长 → 县长" in adopt.inner_text()
    screenshot(page, "check-fix-suggestions")
    follow(page, "button:has-text('全部采纳')")
    assert "已采纳 6 处修改建议" in page.inner_text(".flash")
    assert page.input_value("input[name=title]") == "二〇二四年我县“放管服”改革进展"
    assert page.input_value("textarea[name=body]").startswith("截至5月底，县长赵志刚带队")
    # Only the unmatched quote is left, and it has nothing to adopt.
    codes = [li.get_attribute("data-flag") for li in page.locator("ol.flags li").all()]
    assert "wrong_word" not in codes and "name_title" not in codes and "punctuation" in codes
    assert page.locator(".adopt-all").count() == 0
    screenshot(page, "check-fix-adopted")
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_officer_adopts_one_suggestion_and_keeps_the_others(server, browser, viewport):
    page = checked_draft(server, browser, viewport)
    before = page.locator("form.fix-one").count()
    button = page.locator("button[aria-label='采纳:截止 改为 截至']")
    assert button.is_visible()
    follow(page, "button[aria-label='采纳:截止 改为 截至']")
    assert "已采纳 1 处修改建议" in page.inner_text(".flash")
    assert page.input_value("input[name=title]") == DRAFT["title"]  # the other suggestions are left alone
    assert page.input_value("textarea[name=body]") == DRAFT["body"].replace("截止", "截至", 1)
    codes = [li.get_attribute("data-flag") for li in page.locator("ol.flags li").all()]
    assert "wrong_word" not in codes and "name_title" in codes and "number_format" in codes
    assert page.locator("form.fix-one").count() == before - 1
    assert page.locator("button[aria-label='采纳:副县长 改为 县长']").is_visible()
    screenshot(page, "check-fix-one")
    page.context.close()
