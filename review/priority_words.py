"""Priority in words: why a brief sits where it does in the queue, from the factors that make it.

The priority (review.ranking) is a weighted sum of five components. Editors read a number
badly, so this turns a review's components, category, urgency, adoption estimate, flags
and the count of figures in its text into a short Chinese reason such as
"问题类、有数据、新近发生 → 优先". Thresholds are in the [desk] table of the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

from review.brief import CATEGORY_NAMES_ZH
from review.checks import flag_names_zh, flag_penalties
from review.config import ReviewConfig

VERDICTS = ("优先", "一般", "靠后")


def describe_priority(review: Mapping, config: ReviewConfig, *, figures: int | None = None) -> dict:
    """`{"verdict", "reasons": [{"sign", "text"}], "text", "weights"}` for a stored review (its JSON dict);
    `weights` are the components' full values, to show each against its maximum.

    `sign` is "+" for a factor raising the priority, "-" for one lowering it, "" for the
    category when it is neither. `figures` is how many figures the text states (None: unknown).
    """
    desk, prio = config.section("desk"), config.section("priority")
    weights, components = prio["weights"], review.get("priority_reasons", {})
    if not review:
        return {"verdict": "", "reasons": [], "text": "", "weights": dict(weights)}

    def share(name: str) -> float:
        weight = float(weights.get(name, 0.0))
        return float(components.get(name, 0.0)) / weight if weight else 0.0

    reasons: list[dict] = []
    category = review.get("category")
    if category in CATEGORY_NAMES_ZH:
        value = float(prio["category_value"].get(category, 0.0))
        sign = "+" if value >= 0.7 else ("-" if value <= 0.3 else "")
        reasons.append({"sign": sign, "text": f"{CATEGORY_NAMES_ZH[category]}类"})
    if review.get("urgent"):
        reasons.append({"sign": "+", "text": "紧急"})
    codes = [f.get("code") for f in review.get("flags", [])]
    expected = config.section("figures")["expected_in"]
    if "vague_figures" in codes or (figures == 0 and category in expected):
        reasons.append({"sign": "-", "text": "缺少数据"})
    elif figures:
        reasons.append({"sign": "+", "text": "有数据"})
    probability = float(review.get("adoption", {}).get("probability", 0.0))
    if probability >= float(desk["adoption_high"]):
        reasons.append({"sign": "+", "text": f"采用可能较大({probability:.0%})"})
    elif probability < float(desk["adoption_low"]):
        reasons.append({"sign": "-", "text": f"采用可能小({probability:.0%})"})
    fresh = share("freshness")
    if (review.get("event_time") is None and "freshness" in components
            and abs(fresh - float(prio["unknown_freshness"])) < 1e-3):
        reasons.append({"sign": "", "text": "未写明事件时间"})
    elif fresh >= float(desk["reason_high"]):
        reasons.append({"sign": "+", "text": "新近发生"})
    elif fresh <= float(desk["reason_low"]):
        reasons.append({"sign": "-", "text": "事件已过时效"})
    penalties = flag_penalties(prio["flag_penalty"])
    worst = sorted((c for c in dict.fromkeys(codes) if c in penalties and penalties[c] > 0 and c != "vague_figures"),
                   key=lambda c: -penalties[c])
    if "quality" in components and share("quality") <= float(desk["reason_high"]):
        reasons += [{"sign": "-", "text": flag_names_zh().get(c, c)} for c in worst[:2]]
    priority = float(review.get("priority", 0.0))
    verdict = ("优先" if priority >= float(desk["priority_high"])
               else "靠后" if priority < float(desk["priority_low"]) else "一般")
    return {"verdict": verdict, "reasons": reasons, "text": "、".join(r["text"] for r in reasons) + f" → {verdict}",
            "weights": dict(weights)}
