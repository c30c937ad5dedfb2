"""Empty body (a title alone)."""

from review.checks.base import Check, register


@register
class BodyMissing(Check):
    code = "body_missing"
    severity = "warning"
    name_zh = "缺少正文"
    penalty = 0.3
    description = "只有标题,没有正文"

    def check(self, brief, context):
        if brief.body:
            return []
        return [self.flag("只有标题,没有正文。请补充事情的时间、地点、范围、数据,以及原因分析和建议。")]
