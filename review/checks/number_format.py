"""Numbers against GB/T 15835-2011 出版物上数字用法 (二0二0年, 20年3月, 3万5千, 1-6月, 第4季度)."""

import re
from datetime import date

from review.checks.base import Check, register
from review.proofread import brief_day, overlaps, resources
from review.result import Flag

_ZH_DIGITS = "〇一二三四五六七八九"
_TO_ARABIC = str.maketrans({c: str(n) for n, c in enumerate("〇一二三四五六七八九")})
_ZERO_LIKE = str.maketrans({"0": "〇", "０": "〇", "○": "〇", "O": "〇", "Ｏ": "〇"})

# One pass: every kind is one named alternative of a single pattern.
_PATTERN = re.compile("|".join([
    # A year in Chinese numerals with an Arabic zero (or a circle, a letter O) among them.
    r"(?<![0-9０一二三四五六七八九〇○零])(?P<year_zero>(?=[一二三四五六七八九〇○零0０OＯ]{4}年)"
    r"(?=[^年]{0,3}[0０○OＯ])(?=[^年]{0,3}[一二三四五六七八九零])[一二三四五六七八九〇○零0０OＯ]{4})(?=年)",
    # A two-digit year before a month ("20年3月"): a year, not a duration ("近20年", "20年3个月").
    r"(?<![0-9.．\-/年第近约超满逾了达共余多历经用花过长])(?P<short_year>\d{2})(?=年\d{1,2}月)",
    # Arabic and Chinese numerals in one figure: "3万5千" (3.5万), "三十5" (35), "百分之5" (5%).
    r"(?<![0-9.])(?P<wan_qian>(?P<wan>\d{1,4})万(?P<qian>[1-9])千)(?![0-9百])",
    r"(?<![一二三四五六七八九十百千万亿零〇第])(?P<shi_digit>(?P<tens>[一二三四五六七八九])?十(?P<ones>[0-9]))(?![0-9.])",
    r"(?P<percent>百分之(?P<pct>\d+(?:\.\d+)?))(?![0-9])",
    # A range of dates with a hyphen: "1-6月", "2021-2025年" (the range mark is "—" or "至").
    r"(?<![A-Za-z0-9\-－/.:])(?P<range>(?P<lo>\d{1,4})(?P<dash>[-－])(?P<hi>\d{1,4}))(?=[年月日号]|月份)",
    # Fixed terms written with Chinese numerals: 一季度 / 第四季度, 三中全会.
    r"(?<![0-9.．\-－—~～])(?P<quarter>[1-4])(?=季度)",
    r"(?<![0-9.．\-－—~～])(?P<plenum>[1-9])(?=中全会)",
]))


def _hundred_year(yy: int, today: date) -> int | None:
    """The full year a two-digit year stands for, or None when it is too far to be sure."""
    now = today.year % 100
    if yy <= now + 1:
        return 2000 + yy
    if yy >= 80:
        return 1900 + yy
    return None


@register
class NumberFormat(Check):
    code = "number_format"
    severity = "warning"
    name_zh = "数字用法不规范"
    penalty = 0.05
    description = "数字用法不规范(GB/T 15835-2011)：年份夹用阿拉伯数字 0、年份简写、汉字与阿拉伯数字混用、范围号、固定用语中的数字"

    def check(self, brief, context):
        text = brief.text
        names = resources(context.config).roster_names_in(text)
        day = brief_day(brief)
        flags = []
        for m in _PATTERN.finditer(text):
            found = self._one(m, day)
            if found is None or overlaps(found[0], found[1], names):
                continue
            start, end, suggestion, message = found
            flags.append(Flag(self.code, self.severity, message, text[start:end], (start, end), suggestion,
                              ((start, end, suggestion),)))
        return flags

    @staticmethod
    def _one(m: re.Match, day: date):
        if m.group("year_zero"):
            s, e = m.span("year_zero")
            fixed = m.group("year_zero").translate(_ZERO_LIKE)
            return s, e, fixed, (f"年份“{m.group('year_zero')}年”中混用了阿拉伯数字 0 或圆圈，应写作“{fixed}年”,"
                              f"或全用阿拉伯数字（如“{fixed.translate(_TO_ARABIC)}年”）。")
        if m.group("short_year"):
            year = _hundred_year(int(m.group("short_year")), day)
            if year is None:
                return None
            s, e = m.span("short_year")
            return s, e, str(year), f"年份不应简写：“{m.group('short_year')}年”应写作“{year}年”。"
        if m.group("wan_qian"):
            fixed = f"{m.group('wan')}.{m.group('qian')}万"
            s, e = m.span("wan_qian")
            return s, e, fixed, f"“{m.group('wan_qian')}”汉字与阿拉伯数字混用，应写作“{fixed}”。"
        if m.group("shi_digit"):
            value = (_ZH_DIGITS.index(m.group("tens")) if m.group("tens") else 1) * 10 + int(m.group("ones"))
            s, e = m.span("shi_digit")
            return s, e, str(value), f"“{m.group('shi_digit')}”汉字与阿拉伯数字混用，应写作“{value}”。"
        if m.group("percent"):
            fixed = f"{m.group('pct')}%"
            s, e = m.span("percent")
            return s, e, fixed, f"“{m.group('percent')}”汉字与阿拉伯数字混用，应写作“{fixed}”。"
        if m.group("range"):
            if int(m.group("lo")) >= int(m.group("hi")):
                return None  # not a range ("2023-05")
            s, e = m.span("dash")
            return s, e, "—", (f"表示数值范围应使用一字线“—”或“至”：“{m.group('range')}”应写作"
                               f"“{m.group('lo')}—{m.group('hi')}”或“{m.group('lo')}至{m.group('hi')}”。")
        if m.group("quarter"):
            s, e = m.span("quarter")
            zh = _ZH_DIGITS[int(m.group("quarter"))]
            return s, e, zh, f"季度应使用汉字数字：“{m.group('quarter')}季度”应写作“{zh}季度”。"
        if m.group("plenum"):
            s, e = m.span("plenum")
            zh = _ZH_DIGITS[int(m.group("plenum"))]
            return s, e, zh, f"会议名称中的序数应使用汉字：“{m.group('plenum')}中全会”应写作“{zh}中全会”。"
        return None
