"""Body over the per-category maximum."""

from review.brief import CATEGORY_NAMES_ZH
from review.checks.base import Check, register


@register
class TooLong(Check):
    code = "too_long"
    severity = "warning"
    name_zh = "篇幅过长"
    penalty = 0.1
    description = "正文字数超过该类信息的上限"
    thresholds = ("length.body_max",)

    def check(self, brief, context):
        limit = int(context.config.per_category("length", "body_max", context.category))
        chars = context.analysis.body_chars
        if chars <= limit:
            return []
        kind = CATEGORY_NAMES_ZH.get(context.category, "")
        return [self.flag(f"正文有 {chars} 字,超过{kind}类信息 {limit} 字的上限。"
                          "请删去背景铺陈和套话,一则信息只集中反映一个主题,言简意赅。")]
