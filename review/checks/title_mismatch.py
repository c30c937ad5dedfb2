"""Title and body about different things (文和题脱节)."""

import re

from review.checks.base import Check, register

_NON_CONTENT = re.compile(r"[\s\W\d_a-zA-Z]+")
_CONTENT = re.compile(r"[^\W\d_a-zA-Z]+")  # what `_NON_CONTENT.sub("", text)` keeps, found faster
# Characters so common in titles that sharing them says nothing about the topic.
_STOP = set("的了和与及在对于是为把被等有中上下我县市区镇乡关于情况工作问题建议开展进一步加强")


def title_overlap(title: str, body: str) -> tuple[float, float] | None:
    """Shares of the title's content characters and bigrams found in the body (None if too short)."""
    chars = [c for c in _NON_CONTENT.sub("", title)]
    bigrams = {a + b for a, b in zip(chars, chars[1:]) if not (a in _STOP and b in _STOP)}
    content = {c for c in chars if c not in _STOP}
    if not bigrams or not content:
        return None
    body_clean = "".join(_CONTENT.findall(body))
    return (sum(1 for c in content if c in body_clean) / len(content),
            sum(1 for bg in bigrams if bg in body_clean) / len(bigrams))


@register
class TitleMismatch(Check):
    code = "title_mismatch"
    severity = "warning"
    name_zh = "文题不符"
    penalty = 0.15
    description = "标题与正文内容不一致"
    thresholds = ("title.max_bigram_overlap", "title.max_char_overlap", "title.min_char_overlap", "title.min_chars")

    def check(self, brief, context):
        cfg = context.config.section("title")
        if not brief.title or not brief.body or context.analysis.title_chars < cfg["min_chars"]:
            return []
        overlap = title_overlap(brief.title, brief.body)
        if overlap is None:
            return []
        chars, bigrams = overlap
        # Titles are often abstractive ("关于……的建议"): a mismatch needs both few shared
        # words and few shared characters, or almost no shared characters at all.
        if not ((bigrams < cfg["max_bigram_overlap"] and chars < cfg["max_char_overlap"])
                or chars < cfg["min_char_overlap"]):
            return []
        return [self.flag(f"标题与正文内容对不上(标题用字在正文中只出现了 {chars:.0%})。"
                          "请按正文的核心内容重拟标题,避免文题脱节。", brief.title)]
