"""No title."""

from review.checks.base import Check, register


@register
class TitleMissing(Check):
    code = "title_missing"
    severity = "warning"
    name_zh = "缺少标题"
    penalty = 0.1
    description = "信息没有标题"

    def check(self, brief, context):
        if brief.title:
            return []
        return [self.flag("信息缺少标题。请加一个简短、点明核心内容的标题,让领导一眼看出要点。")]
