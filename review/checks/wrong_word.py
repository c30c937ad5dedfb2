"""Frequent wrong characters and words of official writing (布署、按排、截止/截至), from a word list."""

from review.checks.base import Check, register
from review.proofread import overlaps, resources
from review.result import Flag


@register
class WrongWord(Check):
    code = "wrong_word"
    severity = "warning"
    name_zh = "错别字"
    penalty = 0.05
    description = "错别字：公文常见错字错词(词表见 review/resources/proofreading/wrong_words.tsv)"
    thresholds = ("proofreading.extra_wrong_words", "proofreading.other_style")

    def check(self, brief, context):
        found = resources(context.config)
        text = brief.text
        names = found.roster_names_in(text)
        flags = []
        for start, end, rule in found.wrong_words.find(text):
            if overlaps(start, end, names):
                continue  # a name on the roster is never "corrected"
            why = f"（{rule.note}）" if rule.note else ""
            flags.append(Flag(self.code, self.severity, f"“{rule.wrong}”应为“{rule.right}”{why}。", rule.wrong,
                              (start, end), rule.right, ((start, end, rule.right),)))
        return flags
