"""Model briefs (范例) beside the self-check, on both databases and in Chromium: adopted briefs
of the draft's category most like it, never an unadopted one, readable by any officer."""

from __future__ import annotations

from datetime import datetime

import pytest

from review.brief import SHANGHAI, Adoption, Brief, Labels
from tests.api.conftest import DESKTOP, PHONE, page_in_browser, screenshot

# The archive: problem reports, three adopted (one on winter water supply), one on the same
# subject never adopted, written for this test.
ARCHIVE = [
    ("mb-water", "石桥镇", "city", "寒潮致石桥镇部分村供水管网冻裂 3000余人用水困难",
     "1月8日以来,受持续低温影响,石桥镇5个村的入户供水管和水表冻裂,3000余名群众用水困难。主要原因是早年铺设的"
     "管道埋深不足,部分水表裸露在外。镇里已组织抢修,并用送水车每日送水。建议县水利局将农村供水管网防冻改造纳入明年计划。"),
    ("mb-wheat", "柳集镇", "county", "柳集镇部分麦田出现条锈病发病中心 防控压力加大",
     "4月上旬,镇农技站在12个村调查麦田86块,发现条锈病发病中心9个,比去年同期偏多。主要原因是3月以来降雨偏多、气温偏高。"
     "建议县里尽快调拨防治药剂,组织统防统治。"),
    ("mb-wages", "城东街道", "city", "城东街道部分工地拖欠农民工工资问题值得关注",
     "近一个月,街道接到农民工讨薪诉求27件,涉及4个在建项目、工人160余名、金额约380万元。主要原因是部分项目资金链紧张、"
     "总包单位未按月足额支付。建议县住建局开展专项检查,落实工资专用账户制度。"),
    ("mb-water-rejected", "后营乡", "none", "后营乡部分村冬季供水管道冻裂 群众吃水困难",
     "入冬以来,后营乡几个村的供水管道和水表陆续冻裂,群众吃水困难。乡里正在组织抢修。"),
]
DRAFT = {"title": "龙口乡入冬后多个村自来水管冻裂 群众吃水难",
         "body": "12月2日以来,受寒潮影响,龙口乡6个村的入户自来水管和水表大面积冻裂,2400余名群众吃水困难。原因是部分管道"
                 "埋深不够、水表井保温措施不到位。乡里已组织抢修队分片维修,调派送水车送水。建议县里对山区村供水管网"
                 "开展防冻改造。", "unit": "清河县农业农村局"}


@pytest.fixture(scope="module")
def archive(server, editor) -> dict[str, str]:
    """The archive imported with its adoptions; each brief's category as the model gave it."""
    service = server[1].state.service
    service.import_briefs([Brief(id=i, unit=unit, title=title, body=body,
                                 submitted_at=datetime(2025, 1, 10 + n, 9, 0, tzinfo=SHANGHAI),
                                 labels=Labels(("problem",), adoption=Adoption(level)))
                           for n, (i, unit, level, title, body) in enumerate(ARCHIVE)])
    return {i: editor.get(f"/api/v1/briefs/{i}").json()["category"] for i, *_ in ARCHIVE}


def test_the_self_check_offers_the_closest_adopted_briefs_of_its_category(archive, officer_a):
    r = officer_a.post("/api/v1/check", json=DRAFT)
    assert r.status_code == 200, r.text
    out = r.json()
    examples = out["model_briefs"]
    assert examples, "no model brief offered"
    assert all(archive[e["id"]] == out["category"] for e in examples)  # only the draft's category
    assert "mb-water-rejected" not in [e["id"] for e in examples]  # never one the editors did not adopt
    assert archive["mb-water"] == out["category"]
    first = examples[0]
    assert (first["id"], first["unit"], first["level"]) == ("mb-water", "石桥镇", "city")
    assert first["lead"].startswith("1月8日以来") and first["lead"].endswith("。")
    assert [e["similarity"] for e in examples] == sorted((e["similarity"] for e in examples), reverse=True)
    assert all(e["similarity"] >= 0.1 for e in examples)


def test_nothing_is_offered_when_nothing_adopted_is_alike(archive, officer_a):
    draft = {"title": "县图书馆开展少儿绘本共读活动", "body": "6月1日,县图书馆组织少儿绘本共读活动,80组亲子家庭参加。",
             "unit": "清河县农业农村局"}
    out = officer_a.post("/api/v1/check", json=draft).json()
    assert all(archive.get(e["id"]) == out["category"] for e in out["model_briefs"])
    assert all(e["id"] != "mb-water" for e in out["model_briefs"])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_examples_are_shown_beside_the_draft(server, browser, archive, viewport):
    base = server[0]
    page = page_in_browser(browser, base, "officer_b", "officer-pass-b", viewport=viewport)  # another unit
    page.goto(f"{base}/check")
    page.fill("input[name=title]", DRAFT["title"])
    page.fill("textarea[name=body]", DRAFT["body"])
    with page.expect_navigation():
        page.click("button:has-text('开始自查')")
    section = page.locator("[data-testid=examples]")
    assert section.is_visible() and "可参考的采用范例" in section.inner_text()
    first = section.locator("li").first
    assert first.get_attribute("data-brief") == "mb-water"
    assert "寒潮致石桥镇部分村供水管网冻裂" in first.inner_text() and "市级采用" in first.inner_text()
    assert "后营乡部分村冬季供水管道冻裂" not in section.inner_text()
    if viewport is PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, "check-examples")
    assert page.dialogs == []
    page.context.close()
