"""Body under the per-category minimum."""

from review.brief import CATEGORY_NAMES_ZH
from review.checks.base import Check, register


@register
class TooShort(Check):
    code = "too_short"
    severity = "warning"
    name_zh = "篇幅过短"
    penalty = 0.15
    description = "正文字数少于该类信息的下限"
    thresholds = ("length.body_min",)

    def check(self, brief, context):
        if not brief.body:
            return []
        limit = int(context.config.per_category("length", "body_min", context.category))
        chars = context.analysis.body_chars
        if chars >= limit:
            return []
        kind = CATEGORY_NAMES_ZH.get(context.category, "")
        return [self.flag(f"正文只有 {chars} 字,{kind}类信息一般不少于 {limit} 字。"
                          "请补充具体情况、数据和分析,避免空洞肤浅的“豆腐块”。")]
