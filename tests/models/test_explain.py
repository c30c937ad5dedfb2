"""`category_evidence`: the phrases behind a category are in the text, at their offsets, and
they move with what the text says."""

from __future__ import annotations

import numpy as np

from review import clock
from review.brief import CATEGORIES, Brief
from review.engine import review_briefs

PROBLEM = ("清河县部分村级光伏电站运维缺位 发电收益下降",
           ("今年以来,我县38个村级光伏扶贫电站中有11个出现组件积灰、逆变器故障未及时维修等问题,"
            "1至10月发电量同比下降23%。主要原因是运维合同到期后未续签,村级缺乏专业人员。"))
MEETING = ("我县召开秋冬季安全生产工作推进会",
           "11月5日,县政府召开全县秋冬季安全生产工作推进会,副县长出席并讲话,各乡镇主要负责人作表态发言。")


def _category(model, title, body):
    probs, _ = model.predict_proba(np.array([[title, body]], dtype=object))
    return CATEGORIES[int(np.argmax(probs[0]))]


def test_phrases_are_found_in_the_text_at_their_offsets(model):
    for title, body in (PROBLEM, MEETING):
        category = _category(model, title, body)
        evidence = model.category_evidence(title, body, category)
        text = f"{title}\n{body}"
        assert 1 <= len(evidence) <= 6
        for e in evidence:
            assert text[e["start"]:e["end"]] == e["text"] and len(e["text"]) >= 2 and "\n" not in e["text"]
        weights = [e["weight"] for e in evidence]
        # Shares of the push, each rounded to 3 decimals: their sum is 1 give or take the rounding.
        assert weights == sorted(weights, reverse=True) and 0 < sum(weights) <= 1 + 0.0005 * len(weights)


def test_evidence_follows_what_the_text_says(model):
    assert _category(model, *MEETING) == "routine" and _category(model, *PROBLEM) == "problem"
    meeting = " ".join(e["text"] for e in model.category_evidence(*MEETING, "routine"))
    problem = " ".join(e["text"] for e in model.category_evidence(*PROBLEM, "problem"))
    assert "召开" in meeting or "推进会" in meeting
    assert "召开" not in problem
    assert any(cue in problem for cue in ("问题", "原因", "缺位", "下降")), problem
    # asked why it would be another category, the phrases differ
    assert model.category_evidence(*MEETING, "problem") != model.category_evidence(*MEETING, "routine")


def test_reviews_carry_evidence_only_when_asked(model, config):
    brief = Brief(id="b1", unit="清河县", title=MEETING[0], body=MEETING[1], submitted_at=clock.now())
    plain = review_briefs([brief], model, config=config)[0]
    explained = review_briefs([brief], model, config=config, explain=True)[0]
    assert plain.to_dict()["category_evidence"] == []
    assert explained.to_dict()["category_evidence"] == model.category_evidence(*MEETING, explained.category)
