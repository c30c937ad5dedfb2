"""The engine end to end with a trained model: the review contract, ranking and points."""

from datetime import datetime

import numpy as np
import pytest

from review.brief import CATEGORIES, SHANGHAI, Brief
from review.config import load_config
from review.engine import review_briefs
from review.outcome import expected_points
from review.ranking import rank_queue

NOW = datetime(2026, 6, 12, 16, 30, tzinfo=SHANGHAI)

MEETING = Brief(
    id="meeting", unit="云岭县人民政府办公室", title="云岭县召开2026年防汛工作部署会议",
    body="6月11日上午,县政府召开全县防汛工作部署会议,各乡镇和县直有关部门主要负责人参加。会议传达了全市防汛工作会议精神,"
         "安排部署了今年防汛工作。会议强调,各乡镇、各部门要充分认识防汛工作的重要性,压实责任,加强值班值守,"
         "确保安全度汛。",
    submitted_at=NOW)
WARNING = Brief(
    id="warning", unit="清河县农业农村局", title="小麦赤霉病在我县南部乡镇出现扩散苗头 需抓紧统防统治",
    body="6月10日至11日,县植保站对南部5个乡镇开展病情调查,调查田块86块,发现赤霉病病穗的有31块,占36%,"
         "病穗率最高的达到4.2%,比去年同期明显偏高。据气象部门预报,未来10天我县仍有2至3次降雨过程,"
         "田间湿度大,病害可能进一步扩散,预计全县发生面积将达到15万亩以上。建议县财政安排应急资金120万元,"
         "组织专业化服务组织开展统防统治。",
    submitted_at=NOW)
INCIDENT = Brief(
    id="fire", unit="石桥区消防救援大队", title="石桥区一家具厂发生火灾",
    body="今天14时50分许,石桥区工业园一家具厂喷漆车间发生火灾,区消防救援大队出动12车60人处置,15时40分明火被扑灭。"
         "事故造成2名工人烧伤,已送医救治,无生命危险。过火面积约500平方米,起火原因正在调查。",
    submitted_at=NOW)


@pytest.fixture()
def reviews(model, config):
    return {r.id: r for r in review_briefs([MEETING, WARNING, INCIDENT], model, config=config)}


def test_review_contract(reviews, model):
    for r in reviews.values():
        d = r.to_dict()
        assert set(d) >= {"id", "category", "category_scores", "urgent", "adoption", "priority", "priority_reasons",
                          "flags", "duplicates", "model_version"}
        assert set(d["category_scores"]) == set(CATEGORIES)
        assert abs(sum(r.category_scores.values()) - 1) < 1e-6
        assert r.category == max(r.category_scores, key=r.category_scores.get)
        assert 0 <= r.adoption.probability <= 1 and r.adoption.expected_points >= 0
        assert r.priority == pytest.approx(sum(r.priority_reasons.values()))
        assert d["model_version"] == model.version == "test-model"


def test_categories_and_urgency_of_clear_cases(reviews):
    assert reviews["meeting"].category == "routine" and "routine_news" in reviews["meeting"].flag_codes
    assert reviews["warning"].category in ("trend", "problem", "proposal")
    assert reviews["fire"].urgent and not reviews["meeting"].urgent
    assert "late_urgent" not in reviews["fire"].flag_codes  # 14:50 -> 16:30 is within 2 hours


def test_fresh_warning_with_figures_outranks_a_meeting_report(reviews):
    assert reviews["warning"].priority > reviews["meeting"].priority
    assert reviews["warning"].adoption.probability > reviews["meeting"].adoption.probability
    ranked = [r.id for r in rank_queue(list(reviews.values()))]
    assert ranked[0] == "fire" and ranked.index("warning") < ranked.index("meeting")


def test_batch_and_single_give_the_same_review(model, config):
    single = review_briefs([WARNING], model, config=config)[0].to_dict()
    batch = review_briefs([MEETING, WARNING], model, config=config)[1].to_dict()
    assert single == batch


def test_points_come_from_configuration(model, config):
    doubled = load_config(None, overrides={"points": {
        "adoption": {k: 2 * v for k, v in config.section("points")["adoption"].items()},
        "instruction": {k: 2 * v for k, v in config.section("points")["instruction"].items()}}})
    base = review_briefs([WARNING], model, config=config)[0]
    twice = review_briefs([WARNING], model, config=doubled)[0]
    assert twice.adoption.expected_points == pytest.approx(2 * base.adoption.expected_points)
    assert twice.adoption.probability == base.adoption.probability


def test_expected_points_counts_only_highest_levels(config):
    # one brief: P(city)=0.5, P(county)=0.25, P(none)=0.25; P(批示 city)=0.1
    points = expected_points({"none": 0.25, "county": 0.25, "city": 0.5}, {"none": 0.9, "city": 0.1}, config)
    assert points == pytest.approx(0.25 * 4 + 0.5 * 8 + 0.1 * 15)


def test_title_only_and_duplicates_in_a_batch(model, config):
    title_only = Brief(id="t", unit="某县", title="关于加快农村公路危桥改造的建议", body="", submitted_at=NOW)
    copy = Brief(id="copy", unit="安平县农业农村局", title=WARNING.title.replace("我县", "安平县"),
                 body=WARNING.body.replace("县植保站", "县农技中心").replace("31块", "29块"),
                 submitted_at=NOW.replace(hour=17))
    out = review_briefs([title_only, WARNING, copy], model, config=config)
    assert out[0].category == "proposal" and "body_missing" in out[0].flag_codes
    assert [d.id for d in out[2].duplicates] == ["warning"] and "duplicate" in out[2].flag_codes
    assert out[1].duplicates == ()
    assert out[2].priority < review_briefs([copy], model, config=config)[0].priority  # duplicates rank lower


def test_empty_batch(model, config):
    assert review_briefs([], model, config=config) == []
    probs, urgent = model.predict_proba(np.empty((0, 2), dtype=object))
    assert probs.shape == (0, 5) and urgent.shape == (0,)
