"""No concrete figures where they are expected."""

from review.brief import CATEGORY_NAMES_ZH
from review.checks.base import Check, register


@register
class VagueFigures(Check):
    code = "vague_figures"
    severity = "info"
    name_zh = "缺少数据"
    penalty = 0.15
    description = "缺少具体数字(该类信息通常需要数据支撑)"
    thresholds = ("figures.expected_in", "figures.min_count", "figures.min_body_chars")

    def check(self, brief, context):
        cfg = context.config.section("figures")
        a = context.analysis
        if context.category not in cfg["expected_in"] or a.body_chars < cfg["min_body_chars"]:
            return []
        if len(a.figures) >= cfg["min_count"]:
            return []
        kind = CATEGORY_NAMES_ZH.get(context.category, "")
        return [self.flag(f"{kind}类信息没有具体数字。请用准确的数据(数量、金额、比例、同比变化)说明情况,"
                          "不能只写“较多”“明显”“大幅”。")]
