"""Routine meeting/activity/inspection news with no result, problem or proposal."""

from review.checks.base import Check, register


@register
class RoutineNews(Check):
    code = "routine_news"
    severity = "warning"
    name_zh = "一般动态"
    penalty = 0.3
    description = "会议、活动、检查类一般动态,没有成效、问题或建议"
    thresholds = ("routine_news.min_routine_probability",)

    def check(self, brief, context):
        threshold = context.config.section("routine_news")["min_routine_probability"]
        if context.category != "routine" or context.category_scores.get("routine", 0.0) < threshold:
            return []
        a = context.analysis
        body_figures = [start for start in a.figures if start >= a.body_offset]
        if a.result_cues > 0 or len(body_figures) >= 3:
            return []
        return [self.flag("这是一条开会、部署、活动类的一般动态,没有写出取得的成效、发现的问题或提出的建议,"
                          "被采用的可能性很低。请补充具体成效和数据、存在的问题或下一步建议。",
                          matches=a.meeting_verbs_in_title)]
