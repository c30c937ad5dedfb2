"""Punctuation of Chinese text (GB/T 15834-2011): half-width marks, unmatched pairs, repeated marks,
and a law or a publication named without 书名号.

A name wants 书名号 when it is certainly one: "中华人民共和国…法 / 条例" (a law's full
title), or a newspaper, journal or programme of `proofreading.publications` (人民日报,
not 人民日报社, the organisation). Other document names (…的意见, …方案) are too often
ordinary words to be told apart by rule, and are left alone."""

import re

from review.checks.base import Check, register
from review.result import Flag

_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_PAIRS = {"“": "”", "《": "》", "（": "）", "(": ")", "‘": "’"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_CJK_PUNCT = set("“”‘’《》（）【】、。，；：？！…—「」")
# Runs of one mark ("。。", "，，", ",,"); "……" and "——" are marks of two characters, not repeats.
_REPEATED = re.compile(r"([。，、；：,;])\1+")
# One scan over every mark this check looks at, and the places the half-width ones are not ours.
_MARKS = re.compile(r"[,;:?!()\"“”‘’《》（）]")
_NOT_PROSE = re.compile(r"(?:https?://|ftp://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
                        r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# A list marker "1)" / "一）" at the start of a line or after a mark closes nothing.
_LIST_MARKER = re.compile(r"(?m)(?:^|(?<=[\s　；;。，,：:、]))[0-9a-z一二三四五六七八九十]{1,2}[)）]")


# A law's full title: the shortest name ending in 法 / 条例 after 中华人民共和国; "中华人民共和国成立"
# and names with a particle in them are prose, not a title.
_LAW = re.compile(r"中华人民共和国(?!成立|建国|国)[\u4e00-\u9fff]{1,20}?(?:法实施条例|法实施细则|法典|法|条例)")
_PROSE_IN_NAME = re.compile(r"[的了是在和与及为把被着过就都也]|以来|期间|方法|办法|做法|想法|说法|执法|违法|依法|合法|守法|立法")


def _bare_names(text: str, publications) -> dict[str, list[tuple[int, int]]]:
    """Laws and publications named without 书名号: name -> spans."""
    found: dict[str, list[tuple[int, int]]] = {}
    spans = [(m.start(), m.end()) for m in _LAW.finditer(text)
             if not _PROSE_IN_NAME.search(m.group(0)[len("中华人民共和国"):-1])]
    for name in publications:
        start = text.find(name)
        while start != -1:
            end = start + len(name)
            if text[end:end + 1] not in ("社", "网", "记"):  # 人民日报社 (the organisation); "人民日报记者" (a byline)
                spans.append((start, end))
            start = text.find(name, end)
    for a, b in sorted(spans):
        if text[a - 1:a] == "《" or text[b:b + 1] == "》" or any(x <= a < y for x, y in
                                                                   (s for v in found.values() for s in v)):
            continue
        found.setdefault(text[a:b], []).append((a, b))
    return found


def _chinese(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch in _CJK_PUNCT


@register
class Punctuation(Check):
    code = "punctuation"
    severity = "warning"
    name_zh = "标点有误"
    penalty = 0.05
    description = "标点有误(GB/T 15834-2011)：中文里用了半角标点、引号括号书名号不配对、标点重复"

    def check(self, brief, context):
        text = brief.text
        masked = set()
        for m in _NOT_PROSE.finditer(text):
            masked.update(range(*m.span()))
        for m in _LIST_MARKER.finditer(text):
            masked.add(m.end() - 1)
        flags = []
        repeated = set()
        for m in _REPEATED.finditer(text):
            repeated.update(range(*m.span()))
            single = _FULL.get(m.group(1), m.group(1))
            flags.append(Flag(self.code, self.severity, f"标点“{m.group(0)}”重复，应只保留一个“{single}”。",
                              m.group(0), m.span(), single, ((m.start(), m.end(), single),)))
        half, quotes, open_pairs = [], [], []
        unmatched = []
        line_start = 0
        for m in _MARKS.finditer(text):
            i, ch = m.start(), m.group(0)
            if i in masked:
                continue
            if text.rfind("\n", line_start, i) != -1:
                line_start = text.rfind("\n", 0, i) + 1
                unmatched.extend(open_pairs)
                open_pairs = []
                quotes = self._flush_quotes(quotes, half)
            prev = text[i - 1] if i else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if ch in ",;:?!" and i not in repeated:
                if prev.isdigit() and nxt.isdigit() or not (_chinese(prev) or _chinese(nxt)):
                    continue  # 3,5 / 14:30 / English text
                half.append((i, i + 1, _FULL[ch]))
            elif ch == '"':
                if _chinese(prev) or _chinese(nxt):
                    quotes.append(i)
            elif ch in _PAIRS:
                open_pairs.append((i, ch))
            elif ch in _CLOSERS:
                if open_pairs and open_pairs[-1][1] == _CLOSERS[ch]:
                    start, opener = open_pairs.pop()
                    if opener == "(" and self._chinese_parens(text, start, i):
                        half.extend([(start, start + 1, "（"), (i, i + 1, "）")])
                elif any(o == _CLOSERS[ch] for _, o in open_pairs):
                    while open_pairs[-1][1] != _CLOSERS[ch]:
                        unmatched.append(open_pairs.pop())
                    open_pairs.pop()
                else:
                    unmatched.append((i, ch))
        unmatched.extend(open_pairs)
        self._flush_quotes(quotes, half)
        if half:
            half.sort()
            a, b, fixed = half[0]
            count = len(half)
            flags.append(Flag(self.code, self.severity,
                              f"中文里用了 {count} 处半角标点（如“{text[a:b]}”），应改为全角标点（如“{fixed}”）。",
                              text[a:b], (a, b), fixed, tuple(half)))
        for i, ch in sorted(unmatched):
            other = _PAIRS.get(ch) or _CLOSERS.get(ch)
            flags.append(Flag(self.code, self.severity, f"“{ch}”没有配对的“{other}”，请补齐或删去。", ch, (i, i + 1)))
        publications = context.config.section("proofreading").get("publications", [])
        for name, spans in _bare_names(text, publications).items():
            fixed = f"《{name}》"
            flags.append(Flag(self.code, self.severity, f"法律或报刊名称“{name}”应加书名号：{fixed}。", name, spans[0],
                              fixed, tuple((a, b, fixed) for a, b in spans)))
        return flags

    @staticmethod
    def _chinese_parens(text: str, start: int, end: int) -> bool:
        """Half-width brackets in Chinese prose: Chinese inside them or right around them."""
        before = text[start - 1] if start else ""
        after = text[end + 1] if end + 1 < len(text) else ""
        return any("\u4e00" <= c <= "\u9fff" for c in text[start + 1:end]) or _chinese(before) or _chinese(after)

    @staticmethod
    def _flush_quotes(quotes: list[int], half: list) -> list:
        """Straight quotes of one line in Chinese text: opening and closing in turn when they pair up."""
        if quotes and len(quotes) % 2 == 0:
            half.extend((q, q + 1, "“" if n % 2 == 0 else "”") for n, q in enumerate(quotes))
        return []
