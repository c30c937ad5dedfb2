"""Time as people write it: parts of months, festivals (lunar ones by the calendar), offsets,
and the construction that makes a month an event or a data period. Reference: Friday 25 July 2025."""

from datetime import date, datetime, timedelta

import pytest

from review.brief import SHANGHAI, Brief
from review.timeparse import event_time, find_times

REF = datetime(2025, 7, 25, 10, 0, tzinfo=SHANGHAI)


def _one(text):
    found = [m for m in find_times(text, REF) if not m.plan]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text,begin,until", [
    ("今年5月中旬", date(2025, 5, 11), date(2025, 5, 21)),
    ("5月上旬", date(2025, 5, 1), date(2025, 5, 11)),
    ("6月下旬", date(2025, 6, 21), date(2025, 7, 1)),
    ("6月初", date(2025, 6, 1), date(2025, 6, 11)),
    ("去年12月中旬", date(2024, 12, 11), date(2024, 12, 21)),
    ("二〇二五年三月下旬", date(2025, 3, 21), date(2025, 4, 1)),
    ("端午节期间", date(2025, 5, 31), date(2025, 6, 3)),
    ("端午", date(2025, 5, 31), date(2025, 6, 3)),
    ("端午节当天", date(2025, 5, 31), date(2025, 6, 1)),
    ("春节前夕", date(2025, 1, 21), date(2025, 1, 29)),
    ("春节期间", date(2025, 1, 28), date(2025, 2, 4)),
    ("春节假期", date(2025, 1, 28), date(2025, 2, 4)),
    ("元宵节", date(2025, 2, 12), date(2025, 2, 13)),
    ("元宵", date(2025, 2, 12), date(2025, 2, 13)),
    ("清明节期间", date(2025, 4, 4), date(2025, 4, 7)),
    ("五一假期", date(2025, 5, 1), date(2025, 5, 6)),
    ("五一小长假", date(2025, 5, 1), date(2025, 5, 6)),
    ("劳动节期间", date(2025, 5, 1), date(2025, 5, 6)),
    ("元旦", date(2025, 1, 1), date(2025, 1, 2)),
    ("国庆期间", date(2024, 10, 1), date(2024, 10, 8)),  # this year's is still ahead: last year's
    ("国庆节前夕", date(2024, 9, 24), date(2024, 10, 2)),
    ("中秋节", date(2024, 9, 17), date(2024, 9, 20)),
    ("中秋节前后", date(2024, 9, 10), date(2024, 9, 27)),
    ("去年春节", date(2024, 2, 9), date(2024, 2, 16)),
    ("去年端午节", date(2024, 6, 10), date(2024, 6, 13)),
    ("2024年国庆期间", date(2024, 10, 1), date(2024, 10, 8)),
    ("2023年中秋", date(2023, 9, 29), date(2023, 10, 2)),
    ("今年春节", date(2025, 1, 28), date(2025, 2, 4)),
    ("大前天", date(2025, 7, 22), date(2025, 7, 23)),
    ("前天", date(2025, 7, 23), date(2025, 7, 24)),
    ("上上周", date(2025, 7, 7), date(2025, 7, 14)),
    ("上周", date(2025, 7, 14), date(2025, 7, 21)),
    ("上上个月", date(2025, 5, 1), date(2025, 6, 1)),
])
def test_interval_of_expression(text, begin, until):
    m = _one(text)
    assert m.text == text
    assert (m.begin.date(), m.until.date()) == (begin, until)


@pytest.mark.parametrize("text,days", [
    ("三天前", 3), ("3天前", 3), ("两天前", 2), ("五天前", 5), ("十天前", 10), ("15天前", 15), ("二十天前", 20),
    ("一周前", 7), ("两周前", 14), ("三周前", 21), ("一个星期前", 7), ("两个星期前", 14),
    ("一个月前", 30), ("两个月前", 61), ("三个月前", 91), ("3个月前", 91), ("四个月以前", 122), ("五个月之前", 152),
    ("半个月前", 15), ("半年前", 183), ("一年前", 365), ("两年前", 730), ("十二天前", 12), ("八天前", 8),
    ("七个月前", 213), ("6个月前", 183), ("20天以前", 20), ("九天之前", 9),
])
def test_offset_contains_that_many_days_before(text, days):
    m = _one(text)
    target = REF - timedelta(days=days)
    assert m.begin <= target <= m.until and m.until <= REF and m.event


MEETING = "，县里召开推进会议，安排部署下一阶段工作。"

EVENT_EXPRESSIONS = [
    "今年5月中旬", "5月中旬", "5月上旬", "6月初", "6月上旬", "4月下旬", "去年12月", "今年一季度", "年初",
    "端午节期间", "端午节前夕", "春节前夕", "春节期间", "元宵节", "清明节前后", "五一假期", "劳动节期间",
    "元旦", "去年国庆期间", "去年中秋节", "三个月前", "两个月前", "半年前", "四个月前", "上上个月",
    "去年春节", "2024年12月", "今年3月", "5月份", "今年2月下旬",
]


@pytest.mark.parametrize("expr", EVENT_EXPRESSIONS)
def test_a_meeting_dated_by_any_expression_gives_an_event(expr):
    ev = event_time("", expr + MEETING, REF)
    assert ev.latest is not None and ev.latest.text == expr and ev.latest.until <= REF


DATA_PERIODS = [
    "1至6月，全县规上工业增加值同比增长5.2%。", "1—6月，全市社会消费品零售总额同比增长4.1%。",
    "截至6月底，全县累计发放贷款3.2亿元。", "今年以来，全县累计受理投诉1200件。", "上半年，全区财政收入同比下降3%。",
    "今年一季度，全县GDP同比增长4.8%。", "2024年，全县粮食总产量达到52万吨。", "去年全年，共接待游客300万人次。",
    "截至5月末，存款余额同比增长7%。", "1至5月，进出口总额同比下降2.1%。",
]


@pytest.mark.parametrize("text", DATA_PERIODS)
def test_data_periods_are_not_events(text):
    ev = event_time("", text, REF)
    assert ev.latest is None or ev.latest.until == REF  # none, or a span running up to the writing
    assert ev.dated


def _brief(body, submitted_at, title=""):
    return Brief(id="t", unit="某县政府办", title=title, body=body, submitted_at=submitted_at)


@pytest.mark.parametrize("expr", ["5月中旬", "端午节期间", "三个月前"])
def test_meeting_reported_late_july_is_stale(expr):
    from review.checks import run_checks
    from tests.review.test_checks import context

    late_july = datetime(2025, 7, 25, 9, 0, tzinfo=SHANGHAI)
    brief = _brief(expr + "，县政府召开全县安全生产工作会议，传达上级会议精神，安排部署下一阶段工作。会议要求各乡镇压实责任。",
                   late_july)
    flags = [f for f in run_checks(brief, context(brief, category="routine")) if f.code == "stale"]
    assert flags and flags[0].evidence == expr


def test_first_half_figures_on_5_july_are_not_stale():
    from review.checks import run_checks
    from tests.review.test_checks import context

    brief = _brief("1至6月，全县规模以上工业增加值同比增长5.2%，比一季度回落1.3个百分点。从行业看，装备制造业增长较快，"
                   "建材行业受房地产市场影响下降明显。下半年稳增长压力较大，建议加大重点项目投资力度。",
                   datetime(2025, 7, 5, 10, 0, tzinfo=SHANGHAI))
    codes = [f.code for f in run_checks(brief, context(brief, category="trend"))]
    assert "stale" not in codes


def test_urgent_lateness_is_still_measured_from_the_hour():
    ev = event_time("", "7月24日22时许，某镇一民房发生火灾，未造成人员伤亡。", REF)
    assert ev.first is not None and ev.first.begin == datetime(2025, 7, 24, 22, 0, tzinfo=SHANGHAI)


def _at(month, day, hour=0, year=2025):
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


# Days and hours, weekdays of this and last week, parts of relative months, quarters and
# halves, and the smaller festivals and commemorative days (REF is Friday 25 July 2025;
# lunar dates checked against the calendar: 除夕 28 Jan 2025, 小年 22 Jan, 腊八 7 Jan,
# 七夕 10 Aug 2024, 重阳 11 Oct 2024; a day still ahead this year is last year's).
@pytest.mark.parametrize("text,begin,until", [
    ("2025年7月20日", _at(7, 20), _at(7, 21)),
    ("7月20号", _at(7, 20), _at(7, 21)),
    ("7月20日晚", _at(7, 20, 18), _at(7, 21)),
    ("昨日", _at(7, 24), _at(7, 25)),
    ("昨晚", _at(7, 24, 18), _at(7, 25)),
    ("今天凌晨", _at(7, 25, 0), _at(7, 25, 6)),
    ("前日", _at(7, 23), _at(7, 24)),
    ("去年12月31日", _at(12, 31, year=2024), _at(1, 1)),
    ("今年3月5日上午", _at(3, 5, 6), _at(3, 5, 12)),
    ("前年5月1日", _at(5, 1, year=2023), _at(5, 2, year=2023)),
    ("上周五", _at(7, 18), _at(7, 19)),
    ("本周一", _at(7, 21), _at(7, 22)),
    ("上星期三", _at(7, 16), _at(7, 17)),
    ("上礼拜二", _at(7, 15), _at(7, 16)),
    ("本周三下午", _at(7, 23, 12), _at(7, 23, 18)),
    ("上周五晚8时", _at(7, 18, 20), _at(7, 18, 21)),
    ("6月15日上午9时", _at(6, 15, 9), _at(6, 15, 10)),
    ("24日凌晨3时", _at(7, 24, 3), _at(7, 24, 4)),
    ("7月22日下午", _at(7, 22, 12), _at(7, 22, 18)),
    ("23日晚8时许", _at(7, 23, 20), _at(7, 23, 21)),
    ("上月底", _at(6, 21), _at(7, 1)),
    ("上月中旬", _at(6, 11), _at(6, 21)),
    ("本月初", _at(7, 1), _at(7, 11)),
    ("上个月下旬", _at(6, 21), _at(7, 1)),
    ("上个月", _at(6, 1), _at(7, 1)),
    ("今年上半年", _at(1, 1), _at(7, 1)),
    ("去年下半年", _at(7, 1, year=2024), _at(1, 1)),
    ("去年四季度", _at(10, 1, year=2024), _at(1, 1)),
    ("今年二季度", _at(4, 1), _at(7, 1)),
    ("2024年11月", _at(11, 1, year=2024), _at(12, 1, year=2024)),
    ("二〇二四年十二月", _at(12, 1, year=2024), _at(1, 1)),
    ("六月", _at(6, 1), _at(7, 1)),
    ("去年年底", _at(11, 1, year=2024), _at(1, 1)),
    ("今年年初", _at(1, 1), _at(3, 1)),
    ("前年", _at(1, 1, year=2023), _at(1, 1, year=2024)),
    ("除夕", _at(1, 28), _at(1, 29)),
    ("小年", _at(1, 22), _at(1, 23)),
    ("腊八节", _at(1, 7), _at(1, 8)),
    ("七夕", _at(8, 10, year=2024), _at(8, 11, year=2024)),
    ("重阳节", _at(10, 11, year=2024), _at(10, 12, year=2024)),
    ("冬至", _at(12, 21, year=2024), _at(12, 22, year=2024)),
    ("儿童节", _at(6, 1), _at(6, 2)),
    ("建党节", _at(7, 1), _at(7, 2)),
    ("建军节", _at(8, 1, year=2024), _at(8, 2, year=2024)),
    ("妇女节", _at(3, 8), _at(3, 9)),
    ("教师节", _at(9, 10, year=2024), _at(9, 11, year=2024)),
    ("植树节", _at(3, 12), _at(3, 13)),
    ("十一期间", _at(10, 1, year=2024), _at(10, 8, year=2024)),
    ("十一黄金周", _at(10, 1, year=2024), _at(10, 8, year=2024)),
    ("国庆黄金周", _at(10, 1, year=2024), _at(10, 8, year=2024)),
    ("重阳节当天", _at(10, 11, year=2024), _at(10, 12, year=2024)),
    ("冬至前后", _at(12, 14, year=2024), _at(12, 29, year=2024)),
])
def test_interval_to_the_hour(text, begin, until):
    m = _one(text)
    assert m.text == text
    assert (m.begin, m.until) == (begin, until)


@pytest.mark.parametrize("text", ["十一个乡镇", "小区", "冬季", "教师", "建设", "儿童", "腊肉", "重要"])
def test_words_that_only_look_like_days_are_not_times(text):
    assert find_times(text, REF) == []


@pytest.mark.parametrize("expr", ["上月中旬", "上周五", "去年12月31日", "重阳节期间"])
def test_more_meetings_reported_late_july_are_stale(expr):
    test_meeting_reported_late_july_is_stale(expr)
