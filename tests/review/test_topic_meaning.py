"""约稿 by meaning: the concept list, its weights and its refusals of a bad file."""

from __future__ import annotations

import pytest

from review.config import load_config
from review.errors import ConfigError
from review.topic_meaning import lexicon, read_concepts

BARS = {"min_share": 0.6, "min_words": 3}


def test_the_concept_a_topic_stresses_decides():
    concepts = lexicon(load_config())
    topic = concepts.concepts_in("农村饮水安全与冬季供水保障")
    assert set(topic) == {"rural", "water_supply", "winter_cold"} and topic["water_supply"] == {"饮水", "供水"}
    frozen = concepts.concepts_in("寒潮过后村里水管冻裂,群众吃水困难,已调来送水车")
    hit = concepts.match(topic, frozen, **BARS)
    # water (2 of the topic's 4 words) + winter (1) + rural (1, 村里): all of it
    assert hit is not None and hit.share == 1.0 and hit.concepts == ("供水饮水", "冬季防寒防冻", "农村农民")
    assert {"水管", "冻裂", "寒潮", "吃水", "送水"} <= set(hit.words)
    # winter in villages without water: 2 of 4 words, under 0.6
    fire = concepts.concepts_in("入冬以来村民野外用火增多,冬季山区村防火压力大")
    assert concepts.match(topic, fire, **BARS) is None
    # the right concepts (3 of 4 words) but only two words of them in the brief: not enough
    assert concepts.match(topic, concepts.concepts_in("冬季供水正常"), **BARS) is None
    assert concepts.match({}, frozen, **BARS) is None  # a topic touching no concept matches nothing by meaning


def test_an_office_list_replaces_the_shipped_one(tmp_path):
    path = tmp_path / "concepts.tsv"
    path.write_text("# 本地主题\nbamboo\t竹产业\t竹笋 毛竹 竹林 竹材\n", encoding="utf-8")
    config = load_config(overrides={"topics": {"concepts_file": str(path)}})
    concepts = lexicon(config)
    assert list(concepts.concepts) == ["bamboo"]
    hit = concepts.match(concepts.concepts_in("毛竹竹林产业"), concepts.concepts_in("春笋上市,竹笋、毛竹、竹材价格回升"),
                         **BARS)
    assert hit is not None and hit.concepts == ("竹产业",)


@pytest.mark.parametrize("line, message", [
    ("water\t供水", "第1行应为"),
    ("water\t供水\t水", "词语至少两个字"),
    ("water\t供水\t \t", "第1行应为"),
])
def test_a_bad_concept_file_is_refused_with_its_line(tmp_path, line, message):
    path = tmp_path / "concepts.tsv"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_concepts(path)
    with pytest.raises(ConfigError, match="找不到约稿主题词表"):
        lexicon(load_config(overrides={"topics": {"concepts_file": str(tmp_path / "missing.tsv")}}))
