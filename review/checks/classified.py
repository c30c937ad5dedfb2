"""Markers of classified or restricted content."""

from review.checks.base import Check, register


@register
class Classified(Check):
    code = "classified"
    severity = "error"
    name_zh = "涉密提示"
    penalty = 0.0
    description = "含有涉密或不宜公开内容的标记"

    def check(self, brief, context):
        found = context.analysis.classified
        if not found:
            return []
        words = "、".join(dict.fromkeys(m.text for m in found))
        return [self.flag(f"文中出现“{words}”,可能含有涉密或不宜公开的内容。涉密信息严禁通过非涉密渠道报送,"
                          "请删除相关内容或改走涉密渠道,并经单位负责人审签。", matches=found)]
