"""The 通报's ranks with ties, its groups of units and its months and periods in words."""

from datetime import date

import pytest

from review.config import ConfigError, load_config
from review.periods import chinese_date, ended_months, month_ranges, period_words
from review.standings import competition_ranks, group_units, rank_label


def test_equal_points_share_a_rank_and_the_next_rank_skips():
    assert competition_ranks([9.5, 8.0, 8.0, 4.0, 4.0, 4.0, 0.5]) == [
        (1, False), (2, True), (2, True), (4, True), (4, True), (4, True), (7, False)]
    assert competition_ranks([]) == [] and competition_ranks([0.0]) == [(1, False)]
    assert [rank_label(*r) for r in competition_ranks([3.0, 2.0, 2.0, 1.0])] == ["1", "并列第2", "并列第2", "4"]


def test_units_go_to_the_listed_group_first_then_by_suffix_then_other():
    groups = load_config().section("report")["groups"]
    found = group_units(["清河县农业农村局", "城关镇", "东关街道办事处", "清河县人民政府", "柳林乡"], groups, "其他单位")
    assert found == {"乡镇街道": ["城关镇", "东关街道办事处", "柳林乡"], "县直部门": ["清河县农业农村局"],
                     "其他单位": ["清河县人民政府"]}
    custom = [{"name": "重点单位", "units": ["清河县人民政府"]}, {"name": "部门", "suffixes": ["局"]}]
    assert group_units(["清河县人民政府", "清河县农业农村局", "城关镇"], custom, "其他") == {
        "重点单位": ["清河县人民政府"], "部门": ["清河县农业农村局"], "其他": ["城关镇"]}


def test_report_groups_are_checked_when_the_configuration_loads():
    with pytest.raises(ConfigError, match="report.groups 第 1 项"):
        load_config(overrides={"report": {"groups": [{"suffixes": ["局"]}]}})
    with pytest.raises(ConfigError, match="suffixes"):
        load_config(overrides={"report": {"groups": [{"name": "部门", "suffixes": "局"}]}})
    config = load_config(overrides={"report": {"groups": [{"name": "部门", "units": ["甲单位"]}]}})
    assert [g["name"] for g in config.section("report")["groups"]] == ["部门"]


def test_the_running_month_is_not_counted_until_it_ends():
    months = ["2026-10", "2026-11", "2026-12", "2027-01"]
    assert ended_months(months, date(2026, 12, 3)) == ["2026-10", "2026-11"]
    assert ended_months(months, date(2027, 2, 1)) == months


def test_months_are_written_as_ranges():
    assert month_ranges(["2026-01", "2026-02", "2026-03", "2026-05"]) == "2026年1—3月、5月"
    assert month_ranges(["2026-04", "2025-11", "2026-01", "2025-12"]) == "2025年11月—2026年1月、4月"
    assert month_ranges(["2026-07"]) == "2026年7月" and month_ranges([]) == ""


def test_periods_in_words():
    assert period_words(date(2026, 11, 1), date(2026, 11, 30)) == "2026年11月"
    assert period_words(date(2026, 1, 1), date(2026, 12, 31)) == "2026年"
    assert period_words(date(2026, 4, 1), date(2026, 6, 30)) == "2026年第二季度"
    assert period_words(date(2026, 2, 1), date(2026, 3, 31)) == "2026年2—3月"
    assert period_words(date(2026, 11, 1), date(2026, 11, 15)) == "2026年11月1日至15日"
    assert period_words(date(2026, 11, 20), date(2026, 12, 5)) == "2026年11月20日至12月5日"
    assert period_words(date(2026, 12, 20), date(2027, 1, 5)) == "2026年12月20日至2027年1月5日"
    assert period_words(date(2026, 12, 3), date(2026, 12, 3)) == "2026年12月3日"
    assert chinese_date(date(2026, 12, 3)) == "2026年12月3日"
