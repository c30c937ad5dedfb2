"""Each check fires on the cases it should and stays quiet on clean briefs."""

from datetime import datetime

import pytest

from review.analysis import analyse
from review.brief import CATEGORIES, SHANGHAI, Brief
from review.checks import CheckContext, load_checks, run_checks
from review.config import load_config
from review.result import DuplicateMatch

CONFIG = load_config(None)
SUBMITTED = datetime(2026, 5, 20, 16, 0, tzinfo=SHANGHAI)

CLEAN_PROBLEM = Brief(
    id="p1", unit="清河县农业农村局", title="我县部分高标准农田灌溉设施损毁闲置问题应引起重视",
    body=("5月中旬，县农业农村局对2019年至2021年建成的12个高标准农田项目区开展回头看，抽查灌溉机井146眼，"
          "能正常使用的只有97眼，占66.4%；地下管道破损、出水口被埋的有23处。究其原因，一是管护主体不明确，"
          "项目移交村集体后没有落实管护经费；二是部分设施建设标准偏低。5月18日，柳集镇又有群众反映机井无法抽水，"
          "涉及耕地约1800亩。"),
    submitted_at=SUBMITTED)

CLEAN_ROUTINE = Brief(
    id="r1", unit="安平县应急管理局", title="安平县开展危化品企业安全检查",
    body=("5月19日至20日，县应急管理局组织专家对全县14家危化品企业开展安全检查，共发现隐患41处，"
          "已当场整改29处，其余12处下达整改通知，限期整改。检查中对2家企业主要负责人进行了约谈。"
          "本次检查企业隐患数量比去年同期下降23%。"),
    submitted_at=SUBMITTED)


def context(brief, category="problem", urgent=False, duplicates=(), config=CONFIG):
    scores = {c: (0.9 if c == category else 0.025) for c in CATEGORIES}
    return CheckContext(config=config, analysis=analyse(brief, config), category=category,
                        category_scores=scores, urgent=urgent, duplicates=tuple(duplicates))


def codes(brief, **kw):
    return [f.code for f in run_checks(brief, context(brief, **kw))]


def with_(brief, **changes):
    return Brief(**{**brief.__dict__, **changes})


def test_every_check_has_a_stable_code_description_and_severity():
    checks = load_checks()
    assert {c.code for c in checks} >= {"title_missing", "title_too_long", "title_mismatch", "body_missing",
                                         "too_short", "too_long", "stale", "late_urgent", "duplicate",
                                         "routine_news", "no_analysis", "vague_figures", "exaggeration",
                                         "classified"}
    for check in checks:
        assert check.severity in ("info", "warning", "error") and check.description


@pytest.mark.parametrize("brief,category", [(CLEAN_PROBLEM, "problem"), (CLEAN_ROUTINE, "routine")])
def test_clean_briefs_have_no_flags(brief, category):
    assert codes(brief, category=category) == []


def test_title_checks():
    assert "title_missing" in codes(with_(CLEAN_PROBLEM, title=""))
    long_title = "关于" + "我县部分高标准农田灌溉设施损毁闲置" * 3 + "的问题"
    titled = with_(CLEAN_PROBLEM, title=long_title)
    flags = run_checks(titled, context(titled))
    assert [f.code for f in flags] == ["title_too_long"] and flags[0].evidence == long_title
    mismatch = with_(CLEAN_PROBLEM, title="县教育局召开中小学校长暑期培训会")
    assert "title_mismatch" in codes(mismatch)


def test_title_too_long_threshold_is_configurable():
    cfg = load_config(None, overrides={"length": {"title_max": 10}})
    assert "title_too_long" in [f.code for f in run_checks(CLEAN_PROBLEM, context(CLEAN_PROBLEM, config=cfg))]


def test_body_checks():
    assert codes(with_(CLEAN_PROBLEM, body="")) == ["body_missing"]
    assert "too_short" in codes(with_(CLEAN_PROBLEM, body="5月18日柳集镇机井无法抽水,涉及耕地1800亩。"))
    long_body = CLEAN_PROBLEM.body * 8
    assert "too_long" in codes(with_(CLEAN_PROBLEM, body=long_body))
    # the limit is per category: the same length is fine for a problem and too long for routine
    mid = CLEAN_ROUTINE.body * 6
    assert "too_long" in codes(with_(CLEAN_ROUTINE, body=mid), category="routine")
    assert "too_long" not in codes(with_(CLEAN_ROUTINE, body=mid), category="problem")


def test_stale_from_the_text():
    old = with_(CLEAN_ROUTINE, body=CLEAN_ROUTINE.body.replace("5月19日至20日", "4月28日"))
    flags = run_checks(old, context(old, category="routine"))
    stale = [f for f in flags if f.code == "stale"]
    assert stale and stale[0].evidence == "4月28日"
    assert old.text[stale[0].span[0]:stale[0].span[1]] == "4月28日"
    # routine window is 3 days: 2 days old is fresh, 5 days old is stale
    assert "stale" not in codes(with_(CLEAN_ROUTINE, body="5月18日," + CLEAN_ROUTINE.body[10:]), category="routine")
    assert "stale" in codes(with_(CLEAN_ROUTINE, body="5月15日," + CLEAN_ROUTINE.body[10:]), category="routine")


def test_stale_relative_expressions():
    body = "上周,县应急管理局组织专家对全县14家危化品企业开展安全检查,共发现隐患41处,已整改29处,比去年同期下降23%。"
    friday = datetime(2026, 5, 22, 16, 0, tzinfo=SHANGHAI)
    wednesday = datetime(2026, 5, 20, 16, 0, tzinfo=SHANGHAI)
    # "last week" ended on Monday 00:00: on Friday that is over 3 days ago, on Wednesday not
    assert "stale" in codes(with_(CLEAN_ROUTINE, body=body, submitted_at=friday), category="routine")
    assert "stale" not in codes(with_(CLEAN_ROUTINE, body=body, submitted_at=wednesday), category="routine")
    assert "stale" not in codes(with_(CLEAN_ROUTINE, body=body.replace("上周", "昨天"), submitted_at=friday),
                                category="routine")


def test_data_periods_are_not_stale_and_missing_dates_are_said():
    analysis = with_(CLEAN_PROBLEM, body="截至2025年底,全县在岗村医3127人,其中60岁以上1093人,占35%。主要原因是待遇偏低。")
    assert "stale" not in codes(analysis) and "no_event_time" not in codes(analysis)
    undated = with_(CLEAN_PROBLEM, body="全县在岗村医3127人,其中60岁以上1093人,占35%。主要原因是待遇偏低,养老保障不足。")
    flags = run_checks(undated, context(undated))
    assert [f.severity for f in flags if f.code == "no_event_time"] == ["info"]


URGENT = Brief(id="u1", unit="石桥区消防救援大队", title="石桥区一仓库发生火灾",
               body="5月20日10时20分许,石桥区东环路一物流仓库发生火灾,过火面积约300平方米,1人受轻伤送医。目前明火已扑灭,原因正在调查。",
               submitted_at=datetime(2026, 5, 20, 11, 50, tzinfo=SHANGHAI))


def test_late_urgent_from_times_in_the_text():
    assert "late_urgent" not in codes(URGENT, urgent=True)  # 1.5 h after 10:20-11:20
    late = with_(URGENT, submitted_at=datetime(2026, 5, 20, 16, 0, tzinfo=SHANGHAI))
    flags = [f for f in run_checks(late, context(late, urgent=True)) if f.code == "late_urgent"]
    assert flags and flags[0].severity == "error" and flags[0].evidence == "5月20日10时20分许"
    assert "late_urgent" not in codes(late, urgent=False)  # only urgent briefs have the 2-hour deadline
    # a relative time: "昨晚" reported the next afternoon is late whatever the hour
    yesterday = with_(URGENT, body=URGENT.body.replace("5月20日10时20分许", "昨晚"))
    assert "late_urgent" in codes(yesterday, urgent=True)
    # the deadline is configuration
    cfg = load_config(None, overrides={"freshness": {"urgent_deadline_hours": 8}})
    assert "late_urgent" not in [f.code for f in run_checks(late, context(late, urgent=True, config=cfg))]


def test_duplicate_flag_names_the_earlier_brief():
    dup = DuplicateMatch("b-000", "安平县应急管理局", 0.93)
    flags = [f for f in run_checks(CLEAN_ROUTINE, context(CLEAN_ROUTINE, "routine", duplicates=[dup]))
             if f.code == "duplicate"]
    assert flags[0].evidence == "b-000" and "93%" in flags[0].message and "本单位" in flags[0].message


def test_routine_news_fires_on_meetings_without_results():
    meeting = Brief(id="m1", unit="云岭县人民政府办公室", title="云岭县召开安全生产工作会议",
                    body="5月19日,县政府召开全县安全生产工作会议,传达学习上级会议精神,部署下一阶段工作。"
                         "会议强调,各乡镇、各部门要提高思想认识,压实责任,狠抓落实。",
                    submitted_at=SUBMITTED)
    flags = run_checks(meeting, context(meeting, "routine"))
    news = [f for f in flags if f.code == "routine_news"]
    assert news and news[0].evidence == "召开"
    assert "routine_news" not in codes(CLEAN_ROUTINE, category="routine")  # has figures and results
    assert "routine_news" not in codes(meeting, category="problem")


def test_no_analysis_and_vague_figures():
    shallow = with_(CLEAN_PROBLEM, body="近期,群众对农田灌溉设施意见较多,部分机井不能正常使用,影响春灌,"
                                        "有的群众多次打电话反映,情绪比较激动。希望有关部门高度重视,尽快组织力量解决,"
                                        "切实维护群众利益,确保今年粮食丰收,避免矛盾进一步激化,给基层工作带来被动。"
                                        "村干部也表示,灌溉设施年久失修,村里没有能力维修,只能等上级安排。")
    got = codes(shallow)
    assert "no_analysis" in got and "vague_figures" in got
    assert "no_analysis" not in codes(shallow, category="routine")


def test_exaggeration_and_classified():
    boast = with_(CLEAN_ROUTINE, body=CLEAN_ROUTINE.body + "群众满意度空前提高,安全形势发生了翻天覆地的变化。")
    flags = [f for f in run_checks(boast, context(boast, "routine")) if f.code == "exaggeration"]
    assert flags and "空前" in flags[0].message and "翻天覆地" in flags[0].message
    secret = with_(CLEAN_PROBLEM, body="(内部资料 注意保密)" + CLEAN_PROBLEM.body)
    flags = [f for f in run_checks(secret, context(secret)) if f.code == "classified"]
    assert flags and flags[0].severity == "error" and flags[0].evidence == "内部资料"
    # "保密工作会议" names a topic, not classified content; a sentence about secrecy is not a marking
    assert "classified" not in codes(with_(CLEAN_ROUTINE, title="我县召开保密工作会议"), category="routine")
    refusal = with_(CLEAN_PROBLEM, body=CLEAN_PROBLEM.body + "有关部门常以数据涉密、保护隐私等为由拒绝共享。")
    assert "classified" not in codes(refusal)


def test_flags_are_ordered_by_severity():
    messy = Brief(id="x", unit="某单位", title="", body="(内部资料)群众反映强烈,问题空前严重。", submitted_at=SUBMITTED)
    severities = [f.severity for f in run_checks(messy, context(messy))]
    order = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.get) and severities[0] == "error"
