"""An urgent incident submitted later than its severity tier's deadline after it happened."""

from review.analysis import Match
from review.checks.base import Check, register
from review.tiers import estimate_tier, load_tiers


def _duration(minutes: float) -> str:
    """Minutes as said in a message: "60 分钟", "2 小时", "1.5 小时"."""
    if minutes < 120 and minutes != 60:
        return f"{minutes:.0f} 分钟"
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".") + " 小时"


@register
class LateUrgent(Check):
    code = "late_urgent"
    severity = "error"
    name_zh = "紧急信息迟报"
    penalty = 0.0
    description = "紧急突发事件超过其等级的书面报送时限(按伤亡人数等估计等级,一般事件默认事发后 2 小时)才报送"
    thresholds = ("freshness.urgent_deadline_hours", "urgent_tiers.tiers")

    def check(self, brief, context):
        if not context.urgent:
            return []
        first = context.analysis.event.first
        if first is not None:
            until, evidence, match = first.until, first.text, Match(first.text, first.start, first.end)
        elif brief.event_at is not None:
            until, evidence, match = brief.event_at, brief.event_at.isoformat(), None
        else:
            return []
        estimate = estimate_tier(brief.text, load_tiers(context.config))
        deadline = estimate.tier.deadline_minutes
        # Measured from the END of the stated time: "3日" counts from midnight, so only a
        # report that is late whatever the hour of the event is flagged.
        delay = (brief.submitted_at - until).total_seconds() / 60
        if delay <= deadline:
            return []
        why = f",依据:{'、'.join(estimate.reasons)}" if estimate.reasons else ""
        phone = (f"应在事发后 {_duration(estimate.tier.phone_minutes)}内电话报告、"
                 if estimate.tier.phone_minutes is not None else "应先电话报告,")
        return [self.flag(f"突发事件发生于{evidence},报送时已过去至少 {_duration(delay)}。按“{estimate.tier.name}”级事件"
                          f"(读到:{estimate.figures.describe()}{why}),{phone}{_duration(deadline)}内书面报送,"
                          "已超过时限。请及时续报处置进展。", evidence, match)]
