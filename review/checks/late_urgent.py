"""An urgent incident submitted later than the configured deadline after it happened."""

from review.analysis import Match
from review.checks.base import Check, register


@register
class LateUrgent(Check):
    code = "late_urgent"
    severity = "error"
    description = "紧急突发事件超过报送时限(默认事发后 2 小时)才报送"
    thresholds = ("freshness.urgent_deadline_hours",)

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
        deadline = float(context.config.section("freshness")["urgent_deadline_hours"])
        # Measured from the END of the stated time: "3日" counts from midnight, so only a
        # report that is late whatever the hour of the event is flagged.
        delay = (brief.submitted_at - until).total_seconds() / 3600
        if delay <= deadline:
            return []
        return [self.flag(f"突发事件发生于{evidence},报送时已过去至少 {delay:.1f} 小时,超过事发后 {deadline:g} "
                          "小时内报送的要求。紧急情况应先电话报告,再在时限内书面报送,并及时续报处置进展。",
                          evidence, match)]
