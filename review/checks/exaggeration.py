"""Superlatives and absolute claims (空前、全面、极大)."""

from review.checks.base import Check, register


@register
class Exaggeration(Check):
    code = "exaggeration"
    severity = "info"
    name_zh = "表述夸大"
    penalty = 0.1
    description = "使用了夸大、绝对化的表述"

    def check(self, brief, context):
        found = context.analysis.superlatives
        if not found:
            return []
        words = "、".join(dict.fromkeys(m.text for m in found))
        return [self.flag(f"使用了“{words}”等夸大或绝对化的表述。信息要实事求是,请改用具体事实和数据说话。",
                          matches=found)]
