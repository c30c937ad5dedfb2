"""Non-standard forms of fixed political and policy formulations and of document and meeting names."""

from review.checks.base import Check, register
from review.proofread import overlaps, resources
from review.result import Flag


@register
class Formulation(Check):
    code = "formulation"
    severity = "warning"
    name_zh = "提法不规范"
    penalty = 0.1
    description = "提法不规范：政治、政策固定提法和文件、会议名称(提法表见 review/resources/proofreading/formulations.tsv)"
    thresholds = ("proofreading.extra_formulations",)

    def check(self, brief, context):
        found = resources(context.config)
        text = brief.text
        names = found.roster_names_in(text)
        flags = []
        for start, end, rule in found.formulations.find(text):
            if overlaps(start, end, names):
                continue
            if rule.right.startswith("“") and start and text[start - 1] in "“‘\"":
                continue  # already in quotes: "“十四五规划”" is a quotation, not a bare 十四五规划
            why = f"（{rule.note}）" if rule.note else ""
            flags.append(Flag(self.code, self.severity, f"“{rule.wrong}”是不规范的提法，应写作：{rule.right}{why}。",
                              rule.wrong, (start, end), rule.right, ((start, end, rule.right),)))
        return flags
