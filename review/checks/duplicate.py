"""A near-duplicate of an earlier brief (resubmission, several units, copied text)."""

from review.checks.base import Check, register


@register
class Duplicate(Check):
    code = "duplicate"
    severity = "warning"
    name_zh = "疑似重复"
    penalty = 0.6
    description = "与此前报送的信息高度相似(重复报送、多单位同报或改头换面照抄)"
    thresholds = ("duplicates.threshold",)

    def check(self, brief, context):
        flags = []
        for match in context.duplicates[:3]:
            same_unit = match.unit == brief.unit
            who = "本单位此前" if same_unit else f"{match.unit}"
            if match.kind == "same_event":
                flags.append(self.flag(
                    f"与{who}近日报送的信息 {match.id} 内容相近(相似度 {match.similarity:.0%}),可能反映的是同一事件。"
                    "请核实:如是同一事件,应只写本单位掌握的新情况、新进展,避免多头重复报送。", match.id))
                continue
            flags.append(self.flag(
                f"与{who}报送的信息 {match.id} 高度相似(相似度 {match.similarity:.0%})。"
                + ("如是续报,请在标题中注明“续报”并只写新进展;不要重复报送。" if same_unit
                   else "请核实是否为同一事件或照抄他人材料;信息应反映本单位掌握的一手情况。"),
                match.id))
        return flags
