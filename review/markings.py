"""Secrecy markings (密级标志 and restricted-circulation labels), told apart from mentions.

A marking is how a document is labelled, not what it talks about: "秘密★1年", "机密★",
"密级:秘密", "(内部资料 注意保存)", "【涉密】", or a line that is only such a label. A
sentence about secrecy ("本材料不涉密", "常以数据涉密为由拒绝共享") is not a marking. The
words are configuration (`[classified]` in defaults.toml).
"""

from __future__ import annotations

import re
from typing import Mapping, NamedTuple, Sequence


class Marking(NamedTuple):
    """A marking in a text: the label word and its span."""

    text: str
    start: int
    end: int


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class MarkingFinder:
    """The marking patterns built once from the `[classified]` configuration."""

    def __init__(self, section: Mapping) -> None:
        grades, labels, notices = _alt(section["grades"]), _alt(section["labels"]), _alt(section["notices"])
        marks = _alt(section["grade_marks"])
        self._patterns = [
            # A grade with its star and optional term: 秘密★1年, 机密★长期, 绝密*
            re.compile(rf"(?P<m>{grades})\s*(?:{marks})(?:\s*(?:\d+|[一二三四五六七八九十]+)\s*年|\s*长期)?"),
            # A labelled grade: 密级:秘密
            re.compile(rf"(?P<m>密级\s*[:：]\s*(?:{grades}))"),
            # A label in brackets, alone or with a notice: (内部资料) 【涉密】 (内部资料 注意保存)
            re.compile(rf"[(（【\[〔]\s*(?P<m>{labels}|{grades})\s*(?:[,，、\s]*(?:{notices}))?\s*[)）】\]〕]"),
            # A label followed by a notice: 内部资料 注意保密
            re.compile(rf"(?P<m>{labels})[\s,，、]*(?:{notices})"),
            # A line that is only a label, grade or notice (the heading position)
            re.compile(rf"(?m)^[ \t　]*(?P<m>{labels}|{grades}|{notices})[ \t　。.]*$"),
        ]

    def find(self, text: str) -> list[Marking]:
        """The markings in `text`, in order, overlapping ones once."""
        spans: dict[int, Marking] = {}
        for pattern in self._patterns:
            for found in pattern.finditer(text):
                start, end = found.span("m")
                if not any(m.start <= start < m.end or start <= m.start < end for m in spans.values()):
                    spans[start] = Marking(text[start:end], start, end)
        return [spans[k] for k in sorted(spans)]
