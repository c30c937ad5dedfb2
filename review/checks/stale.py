"""The newest event the brief reports is older than the freshness window (时效)."""

from review.analysis import Match
from review.brief import CATEGORY_NAMES_ZH
from review.checks.base import Check, register


def _fmt_age(days: float) -> str:
    return f"{days:.0f} 天" if days >= 1 else f"{days * 24:.0f} 小时"


@register
class Stale(Check):
    code = "stale"
    severity = "warning"
    name_zh = "时效性差"
    penalty = 0.3
    other_codes = {"no_event_time": "未写明时间"}
    description = "信息反映的事件距报送时间过久(超出时效窗口);正文未写时间时给出提示(no_event_time)"
    thresholds = ("freshness.window_days", "freshness.lead_sentences")

    def check(self, brief, context):
        event = context.analysis.event
        latest = event.latest
        if latest is None:
            if brief.event_at is None:
                if event.dated or not brief.body:
                    # Only past data periods (months, years): an analysis, not an event. A
                    # title alone is already flagged as missing its body.
                    return []
                return [self.flag("正文开头没有写明事件发生的时间,无法判断时效。请写明具体日期(如“3月5日上午”)。",
                                  code="no_event_time", severity="info")]
            until, evidence, match = brief.event_at, brief.event_at.isoformat(), None
        else:
            until, evidence = latest.until, latest.text
            match = Match(latest.text, latest.start, latest.end)
        window = float(context.config.per_category("freshness", "window_days", context.category))
        age_days = (brief.submitted_at - until).total_seconds() / 86400
        if age_days <= window:
            return []
        kind = CATEGORY_NAMES_ZH.get(context.category, "")
        message = (f"信息反映的事件({evidence})距报送已过去约 {_fmt_age(age_days)},"
                   f"超过{kind}类信息 {window:g} 天的时效要求。"
                   "请报送新情况、新进展,或说明为何现在报送;过时的信息领导已无从使用。")
        return [self.flag(message, evidence, match)]
