"""Title over the configured length."""

from review.checks.base import Check, register


@register
class TitleTooLong(Check):
    code = "title_too_long"
    severity = "warning"
    name_zh = "标题过长"
    penalty = 0.0
    description = "标题超过配置的字数上限"
    thresholds = ("length.title_max",)

    def check(self, brief, context):
        limit = int(context.config.section("length")["title_max"])
        chars = context.analysis.title_chars
        if chars <= limit:
            return []
        return [self.flag(f"标题有 {chars} 字,超过 {limit} 字的上限。请压缩标题,只保留核心事实或观点。",
                          brief.title)]
