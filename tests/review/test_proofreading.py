"""The proofreading checks: each code fires on its errors with the right fix and stays quiet on
tricky clean text; roster names are never "corrected"; fixes apply only what is certain."""

from datetime import datetime

import pytest

from review.brief import SHANGHAI, Brief
from review.checks import flag_penalties, proofread
from review.config import load_config
from review.errors import ConfigError
from review.proofread import apply_fixes

CONFIG = load_config(None)
DAY = datetime(2025, 6, 15, 10, 0, tzinfo=SHANGHAI)


def brief(body, title="", when=DAY, event_at=None):
    return Brief(id="t", unit="清河县人民政府办公室", title=title, body=body, submitted_at=when, event_at=event_at)


def flags(body, config=CONFIG, **kw):
    return proofread(brief(body, **kw), config)


def fixed(body, config=CONFIG, **kw):
    b = brief(body, **kw)
    return apply_fixes(b, proofread(b, config))[1]


@pytest.mark.parametrize("body,code,evidence,corrected", [
    ("二0二四年全县粮食总产量再创新高。", "number_format", "二0二四", "二〇二四年全县粮食总产量再创新高。"),
    ("23年5月，该镇开始试行网格化管理。", "number_format", "23", "2023年5月，该镇开始试行网格化管理。"),
    ("活动期间共接待群众3万5千人次。", "number_format", "3万5千", "活动期间共接待群众3.5万人次。"),
    ("共有三十5名村干部参加。", "number_format", "三十5", "共有35名村干部参加。"),
    ("1-6月，全县完成投资32亿元。", "number_format", "-", "1—6月，全县完成投资32亿元。"),
    ("第4季度将集中开工一批项目。", "number_format", "4", "第四季度将集中开工一批项目。"),
    ("工业增加值增长百分之5。", "number_format", "百分之5", "工业增加值增长5%。"),
    ("6月以来,县里开展了排查。", "punctuation", ",", "6月以来，县里开展了排查。"),
    ("一是加强领导;二是强化督查。", "punctuation", ";", "一是加强领导；二是强化督查。"),
    ("县人社局(以下简称人社局)开展行动。", "punctuation", "(", "县人社局（以下简称人社局）开展行动。"),
    ("目前各项工作正在有序推进。。", "punctuation", "。。", "目前各项工作正在有序推进。"),
    ("群众称赞这是一项\"暖心工程\"。", "punctuation", "\"", "群众称赞这是一项“暖心工程”。"),
    ("我县做法被人民日报头版刊发。", "punctuation", "人民日报", "我县做法被《人民日报》头版刊发。"),
    ("依照中华人民共和国土地管理法予以拆除。", "punctuation", "中华人民共和国土地管理法",
     "依照《中华人民共和国土地管理法》予以拆除。"),
    ("讲解中华人民共和国食品安全法实施条例。", "punctuation", "中华人民共和国食品安全法实施条例",
     "讲解《中华人民共和国食品安全法实施条例》。"),
    ("截止5月底，全县发放补贴3200万元。", "wrong_word", "截止", "截至5月底，全县发放补贴3200万元。"),
    ("申报的截至日期为7月15日。", "wrong_word", "截至日期", "申报的截止日期为7月15日。"),
    ("县委对下半年工作进行了布署。", "wrong_word", "布署", "县委对下半年工作进行了部署。"),
    ("补贴直接打入农户的银行帐户。", "wrong_word", "帐户", "补贴直接打入农户的银行账户。"),
    ("其它乡镇也要参照执行。", "wrong_word", "其它", "其他乡镇也要参照执行。"),
    ("该市持续深化放管服改革。", "formulation", "放管服改革", "该市持续深化“放管服”改革。"),
    ("企业借助一带一路战略开拓市场。", "formulation", "一带一路战略", "企业借助“一带一路”倡议开拓市场。"),
    ("县纪委召开党风廉正建设大会。", "formulation", "党风廉正建设", "县纪委召开党风廉政建设大会。"),
    ("副县长赵志刚带队检查防汛设施。", "name_title", "副县长", "县长赵志刚带队检查防汛设施。"),
    ("县长赵志钢主持召开常务会议。", "name_title", "赵志钢", "县长赵志刚主持召开常务会议。"),
    ("柳林镇镇长杨广辉介绍了情况。", "name_title", "杨广辉", "柳林镇镇长杨光辉介绍了情况。"),
])
def test_each_code_fires_with_a_certain_fix(body, code, evidence, corrected):
    found = [f for f in flags(body) if f.code == code]
    assert len(found) == 1 and found[0].evidence == evidence
    start, end = found[0].span
    assert body[start:end] == evidence and found[0].suggestion is not None
    assert found[0].suggestion in found[0].message  # the Chinese message names the fix
    assert fixed(body) == corrected


@pytest.mark.parametrize("body", [
    "近20年来，全县森林覆盖率提高了12个百分点。",
    "他在基层工作了20年3个月。",
    "上半年全县地区生产总值增长5.8%，高于全市0.6个百分点。",
    "会议定于6月18日14:30召开。",
    "群众可登录https://www.example.gov.cn/a,b;c查询。",
    "企业英文名称为Qinghe Green Farm Co., Ltd.，主营有机蔬菜。",
    "展板上写着“Made in Qinghe, for the world”的标语。",
    "他说：“大家讲的‘最后一公里’问题，我们要一件一件解决。”",
    "县里印发了《关于加快发展农村电子商务的实施意见》。",
    "1)摸清底数；2)分类处置；3)建立长效机制。",
    "2024年全县新建改建农村公路120公里，二〇二四年的目标已经完成。",
    "1—6月和第四季度、一季度、3.5万元、35%，党的二十届三中全会。",
    "申报的截止日期为7月15日，截至目前已有62家企业申报，截止到目前无人退出。",
    "受灾群众住进了帐篷，村里还送去了蚊帐。",
    "县里对照“十四五”规划梳理进度，深化“放管服”改革。",
    "港珠澳大桥通车后，珠江西岸交通更加便利。",
    "县委书记周立新、县长赵志刚、常务副县长孙丽华参加了活动。",
    "原县长何丽娟、时任副县长赵志刚、原县交通运输局局长沈建平都曾在此工作。",
    "县文旅局局长陈晓红介绍了暑期旅游市场情况。",
    "邻县县长王立新一行到我县考察学习，全县长期坚持河长巡河制度。",
    "人民日报社调研组到我县调研，《人民日报》刊发了《小院议事议出大民生》。",
    "在中华人民共和国成立75周年之际，全县学习《中华人民共和国民法典》。",
    "中华人民共和国的基层治理经验被更多国家关注，我们依法执法。",
    "半月谈记者在多地基层采访发现，部分村的改厕问题仍未解决。",
])
def test_tricky_clean_text_is_not_flagged(body):
    assert [(f.code, f.evidence) for f in flags(body)] == []


def test_titles_are_read_on_the_brief_date_or_the_event_date():
    body = "副县长赵志刚带队检查城区防汛设施。"
    assert flags(body, when=datetime(2022, 6, 1, tzinfo=SHANGHAI)) == []  # still 副县长 then
    assert [f.code for f in flags(body)] == ["name_title"]  # 县长 since 2023-03-16
    assert flags(body, event_at=datetime(2023, 3, 1, tzinfo=SHANGHAI)) == []
    left = flags("县交通运输局局长沈建平通报了农村公路建设情况。")
    assert [f.code for f in left] == ["name_title"] and left[0].suggestion is None and "卸任" in left[0].message


def test_names_on_the_roster_are_never_corrected_into_other_names():
    # Two people whose names differ by one character, and a name that holds a listed wrong word.
    leaders = [
        {"name": "赵志刚", "unit": "清河县人民政府", "title": "县长", "from": "2023-03-16", "to": ""},
        {"name": "赵志钢", "unit": "清河县人民政府", "title": "副县长", "from": "2023-01-01", "to": ""},
        {"name": "李按排", "unit": "清河县人民政府", "title": "副县长", "from": "2023-01-01", "to": ""},
    ]
    config = load_config(None, overrides={"proofreading": {"leaders": leaders}})
    body = "县长赵志刚、副县长赵志钢和副县长李按排出席，赵志钢强调，李按排作了部署。"
    assert flags(body, config=config) == []
    assert fixed(body, config=config) == body
    # With the default roster every listed name stays as written in every sentence of the demo.
    for role in CONFIG.section("proofreading")["leaders"]:
        text = f"{role['name']}同志出席会议，{role['name']}强调要抓好落实。"
        assert fixed(text) == text


def test_extra_lists_and_a_roster_csv_come_from_configuration(tmp_path):
    words = tmp_path / "words.tsv"
    words.write_text("# 本单位补充\n清河水厂\t清河县第一水厂\t\t\t全称\n布署\t部署\t\t\t本单位说明\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,unit,title,from,to\n林海峰,清河县财政局,局长,2024-01-01,\n", encoding="utf-8-sig")
    config = load_config(None, overrides={"proofreading": {"extra_wrong_words": [str(words)], "leaders": [],
                                                           "roster_file": str(roster), "other_style": ""}})
    found = proofread(brief("清河水厂布署了检修，县财政局局长林海锋出席，其它单位参加。"), config)
    assert [(f.code, f.suggestion) for f in found] == [("wrong_word", "清河县第一水厂"), ("wrong_word", "部署"),
                                                       ("name_title", "林海峰")]
    assert "本单位说明" in found[1].message  # the office's entry replaces the shipped one
    bad = tmp_path / "bad.tsv"
    bad.write_text("只有一列\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.tsv 第 1 行"):
        proofread(brief("正文"), load_config(None, overrides={"proofreading": {"extra_wrong_words": [str(bad)]}}))


def test_fixes_apply_from_the_end_across_title_and_body_and_skip_uncertain_ones():
    b = brief("截止5月底,全县布署了检修。。村民说：“路修好了", title="二0二四年放管服改革进展")
    found = proofread(b, CONFIG)
    title, body, applied = apply_fixes(b, found)
    assert title == "二〇二四年“放管服”改革进展"
    assert body == "截至5月底，全县部署了检修。村民说：“路修好了"  # the unmatched quote is not guessed at
    assert applied == 6
    unmatched = [f for f in found if f.evidence == "“"]
    assert unmatched and unmatched[0].suggestion is None and unmatched[0].fixes == ()


def test_proofreading_flags_count_into_priority_with_small_penalties():
    penalties = flag_penalties(CONFIG.section("priority")["flag_penalty"])
    for code in ("name_title", "formulation", "number_format", "punctuation", "wrong_word"):
        assert 0 < penalties[code] <= 0.1


def test_a_bare_name_is_one_flag_with_a_fix_for_each_occurrence():
    body = "人民日报刊发了我县经验，人民日报还配发了评论。"
    found = [f for f in flags(body) if f.evidence == "人民日报"]
    assert len(found) == 1 and len(found[0].fixes) == 2
    assert fixed(body) == "《人民日报》刊发了我县经验，《人民日报》还配发了评论。"
    config = load_config(None, overrides={"proofreading": {"publications": []}})
    assert [f for f in flags(body, config) if f.evidence == "人民日报"] == []
