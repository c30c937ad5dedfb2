"""Chinese time expressions resolved against a submission time."""

from datetime import datetime

import pytest

from review.brief import SHANGHAI
from review.timeparse import cn_number, event_time, find_times

REF = datetime(2026, 3, 20, 15, 0, tzinfo=SHANGHAI)  # a Friday afternoon


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text,value", [("15", 15), ("十五", 15), ("二十三", 23), ("三十", 30), ("十", 10),
                                        ("二〇二五", 2025), ("两", 2), ("一百", None), ("abc", None)])
def test_cn_number(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize("text,begin,until,granularity", [
    ("2026年3月5日", at(2026, 3, 5), at(2026, 3, 6), "day"),
    ("2026年3月5日上午10时许", at(2026, 3, 5, 10), at(2026, 3, 5, 11), "hour"),
    ("二〇二五年十一月三日", at(2025, 11, 3), at(2025, 11, 4), "day"),
    ("3月5日", at(2026, 3, 5), at(2026, 3, 6), "day"),
    ("3月18日晚8时", at(2026, 3, 18, 20), at(2026, 3, 18, 21), "hour"),
    ("3月18日22时30分", at(2026, 3, 18, 22, 30), at(2026, 3, 18, 22, 31), "minute"),
    ("12日下午4时左右", at(2026, 3, 12, 16), at(2026, 3, 12, 17), "hour"),
    ("5日上午10时许", at(2026, 3, 5, 10), at(2026, 3, 5, 11), "hour"),
    ("2026-03-01", at(2026, 3, 1), at(2026, 3, 2), "day"),
    ("2026.3.1", at(2026, 3, 1), at(2026, 3, 2), "day"),
    ("14:30左右", at(2026, 3, 20, 14, 30), at(2026, 3, 20, 14, 31), "minute"),
    ("今天凌晨2时", at(2026, 3, 20, 2), at(2026, 3, 20, 3), "hour"),
    ("今天", at(2026, 3, 20), at(2026, 3, 21), "day"),
    ("昨天", at(2026, 3, 19), at(2026, 3, 20), "day"),
    ("昨天下午3点半", at(2026, 3, 19, 15, 30), at(2026, 3, 19, 15, 31), "minute"),
    ("昨晚", at(2026, 3, 19, 18), at(2026, 3, 20), "part_of_day"),
    ("前天上午", at(2026, 3, 18, 6), at(2026, 3, 18, 12), "part_of_day"),
    ("上周", at(2026, 3, 9), at(2026, 3, 16), "week"),
    ("上月", at(2026, 2, 1), at(2026, 3, 1), "month"),
    ("去年", at(2025, 1, 1), at(2026, 1, 1), "year"),
    ("今年一季度", at(2026, 1, 1), at(2026, 4, 1), "quarter"),
    ("2025年上半年", at(2025, 1, 1), at(2025, 7, 1), "quarter"),
    ("去年四季度", at(2025, 10, 1), at(2026, 1, 1), "quarter"),
    ("2025年11月", at(2025, 11, 1), at(2025, 12, 1), "month"),
    ("今年2月份", at(2026, 2, 1), at(2026, 3, 1), "month"),
    ("3月上旬", at(2026, 3, 1), at(2026, 3, 11), "month"),
    ("1-2月", at(2026, 1, 1), at(2026, 3, 1), "month"),
    ("2025年1至9月", at(2025, 1, 1), at(2025, 10, 1), "month"),
    ("2025年", at(2025, 1, 1), at(2026, 1, 1), "year"),
])
def test_single_expression(text, begin, until, granularity):
    found = find_times(text, REF)
    assert len(found) == 1, found
    m = found[0]
    assert (m.begin, m.until, m.granularity) == (begin, until, granularity)
    assert m.text == text and not m.plan


def test_month_day_without_year_in_january_means_last_december():
    ref = datetime(2026, 1, 6, 9, 0, tzinfo=SHANGHAI)
    (m,) = find_times("12月28日", ref)
    assert m.begin == at(2025, 12, 28)


def test_bare_day_follows_the_month_of_the_previous_mention():
    found = find_times("2月27日开始降雨,3日上午8时许水位超警", REF)
    assert [m.begin for m in found] == [at(2026, 2, 27), at(2026, 2, 3, 8)]


def test_bare_clock_belongs_to_the_last_dated_day():
    found = find_times("3月18日20时许起火,22时30分明火被扑灭", REF)
    assert found[1].begin == at(2026, 3, 18, 22, 30)


def test_same_day_words_refer_to_the_last_date():
    found = find_times("3月18日召开会议,当日22时30分散会,次日上午复会", REF)
    assert found[1].begin == at(2026, 3, 18, 22, 30)
    assert found[2].begin == at(2026, 3, 19, 6)


def test_since_extends_the_interval_to_submission():
    (m,) = find_times("今年以来", REF)
    assert m.until == REF and not m.plan
    (m,) = find_times("6月以来", REF)  # June before a March submission is last year's
    assert m.begin == at(2025, 6, 1) and m.until == REF


def test_until_is_a_point_not_a_plan():
    (m,) = find_times("截至2月底", REF)
    assert m.begin == at(2026, 2, 21) and m.until == at(2026, 3, 1) and not m.plan


@pytest.mark.parametrize("text", ["计划于12月底前完成", "预计明年竣工", "将于4月10日开工", "力争6月底建成", "明天上午"])
def test_plans_and_future_are_marked(text):
    assert all(m.plan for m in find_times(text, REF))


@pytest.mark.parametrize("text", ["3日内完成整改", "限15日以内答复", "全年365天", "共12家企业", "没有日期的句子"])
def test_counts_are_not_dates(text):
    assert find_times(text, REF) == []


def test_vague_recent_words_end_at_submission():
    (m,) = find_times("近日,群众反映", REF)
    assert m.granularity == "vague" and m.until == REF


def test_event_time_takes_latest_past_mention_and_first_point():
    title = "我县发生一起火灾"
    body = "3月5日上午9时许,某镇一厂房发生火灾。截至3月6日,无人员伤亡。计划于4月底前完成整改。"
    ev = event_time(title, body, REF)
    assert ev.first.text == "3月5日上午9时许"
    assert ev.latest.text == "3月6日"
    # offsets point into the brief's full text: title, newline, body
    full = f"{title}\n{body}"
    assert full[ev.first.start:ev.first.end] == "3月5日上午9时许"


def test_event_time_reads_only_the_lead():
    body = "群众反映办事难。我们进行了调查。情况如下。2026年3月19日,又有新的反映。"
    assert event_time("", body, REF, lead_sentences=3).latest is None
    assert event_time("", body, REF, lead_sentences=4).latest.text == "2026年3月19日"


def test_no_date_gives_no_event():
    ev = event_time("关于加强农村公路养护的建议", "农村公路养护资金不足,建议设立专项资金。", REF)
    assert ev.latest is None and ev.first is None


def test_expression_scan_equals_the_plain_definition(sample_records):
    """The fast scan (one union search, first-character guards) finds exactly what searching
    every pattern from each position and taking the earliest, then longest, match finds."""
    import random
    import re

    from review.timeparse import _COMPILED, _FIRST, _expressions

    plain = [(name, re.compile(regex.pattern[len(f"(?=[{_FIRST[name]}])"):])) for name, regex in _COMPILED]

    def reference(text):
        pos, out = 0, []
        while True:
            best = None
            for name, regex in plain:
                m = regex.search(text, pos)
                if m is None or m.end() == m.start():
                    continue
                if best is None or m.start() < best[1].start() or (
                        m.start() == best[1].start() and m.end() > best[1].end()):
                    best = (name, m)
            if best is None:
                return out
            out.append((best[0], best[1].span()))
            pos = best[1].end()

    rnd = random.Random(7)
    pieces = list("0123456789年月日号时点分:-./至到季度上下半旬初底末今去前本当同次昨明后近最连晚早午夜凌晨第一二三四五六七八九十两〇零 ，。")
    texts = [r.get("title", "") + "\n" + r.get("body", "") for r in sample_records.values()]
    texts += ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 40))) for _ in range(3000)]
    for text in texts:
        assert [(name, m.span()) for name, m in _expressions(text)] == reference(text), text
