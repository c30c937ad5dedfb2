"""A problem stated with no cause, scope or figures."""

from review.checks.base import Check, register


@register
class NoAnalysis(Check):
    code = "no_analysis"
    severity = "warning"
    name_zh = "缺少分析"
    penalty = 0.2
    description = "反映问题但没有原因、范围或数据"

    def check(self, brief, context):
        problem_like = context.category in ("problem", "trend") or context.category_scores.get("problem", 0) >= 0.35
        if not problem_like or not brief.body:
            return []
        a = context.analysis
        if a.analysis_cues > 0 or a.figures:
            return []
        return [self.flag("反映了问题,但没有写明原因、涉及范围或具体数据。"
                          "请说清问题的前因后果、涉及多少人/户/企业、发生在哪里,并尽量附上数据。")]
