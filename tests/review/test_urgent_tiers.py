"""Urgent incidents measured against the deadline of their severity tier."""

from datetime import datetime

import pytest

from review.analysis import analyse
from review.brief import CATEGORIES, SHANGHAI, Brief
from review.checks import CheckContext, run_checks
from review.config import load_config
from review.errors import ConfigError
from review.tiers import cn_count, estimate_tier, load_tiers, read_casualties

CONFIG = load_config(None)

# One office's table: any death makes an incident 较大, due in writing within 60 minutes.
OFFICE = load_config(None, overrides={"urgent_tiers": {"tiers": [
    {"name": "重大", "min_deaths": 10, "min_injuries": 50, "phone_minutes": 30, "deadline_minutes": 30},
    {"name": "较大", "min_deaths": 1, "min_injuries": 10, "keywords": ["爆炸"], "phone_minutes": 30,
     "deadline_minutes": 60},
    {"name": "一般", "deadline_minutes": 120},
]}})

FIRE = Brief(id="f1", unit="东湖区应急管理局", title="东湖区一民房发生火灾造成2人死亡",
             body="5月20日10时05分,东湖区城南街道一处民房发生火灾,造成2人死亡。消防救援人员10分钟内到场,"
                  "明火于10时40分扑灭,起火原因正在调查。区政府已组织开展善后工作。",
             submitted_at=datetime(2026, 5, 20, 11, 50, tzinfo=SHANGHAI))


def late_flags(brief, config=CONFIG):
    scores = {c: 1 / len(CATEGORIES) for c in CATEGORIES}
    context = CheckContext(config=config, analysis=analyse(brief, config), category="routine",
                           category_scores=scores, urgent=True)
    return [f for f in run_checks(brief, context) if f.code == "late_urgent"]


def at(brief, hour, minute):
    return Brief(**{**brief.__dict__, "submitted_at": datetime(2026, 5, 20, hour, minute, tzinfo=SHANGHAI)})


def test_a_fire_with_two_deaths_is_measured_against_its_tier():
    # The event time read is "5月20日10时05分", measured from the end of that minute.
    assert late_flags(at(FIRE, 11, 0), OFFICE) == []  # 55 minutes: within the 60 of 较大
    flags = late_flags(at(FIRE, 11, 15), OFFICE)
    assert len(flags) == 1
    message = flags[0].message
    assert "“较大”级" in message and "死亡2人" in message and "1 小时内书面报送" in message
    assert "30 分钟内电话报告" in message and "至少 69 分钟" in message and "死亡2人(≥1人)" in message and flags[0].evidence == "5月20日10时05分"
    # Under the default table two deaths are an ordinary (一般) incident: 2 hours.
    assert late_flags(at(FIRE, 11, 15)) == []
    flags = late_flags(at(FIRE, 12, 30))
    assert len(flags) == 1 and "“一般”级" in flags[0].message and "2 小时内书面报送" in flags[0].message


def test_an_ordinary_incident_keeps_the_two_hour_deadline():
    ordinary = Brief(id="o1", unit="南河镇人民政府", title="南河镇一商铺发生火情",
                     body="5月20日9时30分许,南河镇新街一商铺电动车充电起火,1人受轻伤送医,明火很快被扑灭,"
                          "过火面积约20平方米。", submitted_at=datetime(2026, 5, 20, 11, 20, tzinfo=SHANGHAI))
    assert late_flags(ordinary, OFFICE) == [] and late_flags(ordinary) == []  # 110 minutes
    flags = late_flags(at(ordinary, 11, 40))
    assert len(flags) == 1 and "“一般”级" in flags[0].message and "受伤1人" in flags[0].message
    # the ordinary tier's deadline is still freshness.urgent_deadline_hours
    longer = load_config(None, overrides={"freshness": {"urgent_deadline_hours": 3}})
    assert late_flags(at(ordinary, 11, 40), longer) == []


def test_no_casualties_and_event_type_keywords():
    blast = Brief(id="b1", unit="化工园区管委会", title="园区一企业发生爆炸",
                  body="5月20日8时10分,园区一化工企业储罐发生爆炸,经核查无人员伤亡,周边道路已临时管控。",
                  submitted_at=datetime(2026, 5, 20, 9, 30, tzinfo=SHANGHAI))
    figures = read_casualties(blast.text)
    assert (figures.deaths, figures.injuries) == (0, 0) and figures.describe() == "无人员伤亡"
    estimate = estimate_tier(blast.text, load_tiers(OFFICE))
    assert estimate.tier.name == "较大" and estimate.reasons == ("事件类型“爆炸”",)
    flags = late_flags(blast, OFFICE)  # 80 minutes, due in 60 by the keyword
    assert len(flags) == 1 and "无人员伤亡" in flags[0].message and "事件类型“爆炸”" in flags[0].message
    assert late_flags(blast) == []  # no keyword in the default table: 一般, 2 hours


@pytest.mark.parametrize("text,deaths,injuries,affected,tier", [
    ("事故造成二人死亡、三人受伤", 2, 3, None, "一般"),
    ("截至目前,死亡人数升至五人,另有十二人受伤", 5, 12, None, "较大"),
    ("造成2人死亡。截至21日8时,死亡人数已上升至11人", 11, None, None, "重大"),
    ("共造成三十二人遇难、一百零六人受伤", 32, 106, None, "特别重大"),
    ("事故致1人经抢救无效死亡,4人不同程度受伤", 1, 4, None, "一般"),
    ("受伤人数为二十五人", None, 25, None, "较大"),
    ("已紧急转移群众1.2万人,暂未造成人员伤亡", 0, 0, 12000, "重大"),
    ("疏散周边居民三百余人,无人员死亡", 0, None, 300, "一般"),
    ("县城区多处积水,部分群众出行受阻", None, None, None, "一般"),
])
def test_figures_and_tier_from_the_text(text, deaths, injuries, affected, tier):
    estimate = estimate_tier(text, load_tiers(CONFIG))
    assert (estimate.figures.deaths, estimate.figures.injuries, estimate.figures.affected) == (deaths, injuries, affected)
    assert estimate.tier.name == tier


@pytest.mark.parametrize("text,value", [("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("一百零六", 106),
                                        ("三千零五", 3005), ("一百二十", 120), ("27", 27), ("２７", 27), ("人", None)])
def test_chinese_numerals(text, value):
    assert cn_count(text) == value


def test_a_tier_table_with_a_misspelt_key_is_refused():
    bad = load_config(None, overrides={"urgent_tiers": {"tiers": [{"name": "一般", "deadline_minute": 60}]}})
    with pytest.raises(ConfigError, match="deadline_minute"):
        load_tiers(bad)
