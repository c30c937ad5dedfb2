"""Chinese date and time expressions, resolved against the submission time.

Every expression found becomes a `TimeMention`: the matched text, its offsets, and the
interval of time it denotes, `[begin, until)`, with its granularity. "3月5日" is the
whole day; "5日上午10时许" the hour from 10:00; "今年一季度" January to March; "上周"
last Monday to this Monday; "近日" a vague recent span ending at submission; "6月以来"
from June 1 up to submission. Intervals let callers reason conservatively: a brief is
stale only if even the END of the interval is too old, an urgent report late only if
even the END of the incident's interval is too long before submission.

Nothing is guessed: a text with no expression gives no mention, and `event_time` then
returns None. Expressions inside a plan ("计划于12月底前完成", "预计明年") are marked as
plans and are not taken as the event.

One thing, kept in one module past the usual 500 lines: one grammar of time expressions,
whose patterns are tried in an order that matters (a longer construction before the parts
it contains); splitting it would spread that order over several files.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date, datetime, timedelta

GRANULARITY_RANK = {"minute": 0, "hour": 1, "part_of_day": 2, "day": 3, "week": 4, "month": 5,
                    "quarter": 6, "year": 7, "vague": 8}

_FULLWIDTH = str.maketrans("０１２３４５６７８９：", "0123456789:")
_HAS_FULLWIDTH = re.compile("[０-９：]")
_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}


class TimeMention(NamedTuple):
    """One time expression in a text and the interval it denotes."""

    text: str
    start: int
    end: int
    begin: datetime
    until: datetime
    granularity: str
    plan: bool = False
    # An event by its construction ("5月中旬召开", "端午节期间", "三个月前"), not a data period,
    # even at month or coarser granularity.
    event: bool = False

    @property
    def is_point(self) -> bool:
        """True for a day or anything finer: an event can be placed on it."""
        return GRANULARITY_RANK[self.granularity] <= GRANULARITY_RANK["day"]


def cn_number(text: str) -> int | None:
    """'15', '十五', '二十三', '二〇二五', '两' as an int; None if it is not a number."""
    text = text.translate(_FULLWIDTH)
    if text.isdigit():
        return int(text)
    if not text:
        return None
    if "十" not in text:
        if all(ch in _DIGITS for ch in text):
            value = 0
            for ch in text:
                value = value * 10 + _DIGITS[ch]
            return value
        return None
    tens, _, ones = text.partition("十")
    if tens and (len(tens) > 1 or tens not in _DIGITS):
        return None
    if ones and (len(ones) > 1 or ones not in _DIGITS):
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


_N = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"
_Y = r"(?:\d{4}|[〇零○一二三四五六七八九]{4})"
_TOD = r"(?P<tod>凌晨|清晨|早晨|早上|上午|中午|午间|下午|傍晚|晚上|晚间|夜间|夜里|深夜|半夜|午夜|晚|早|夜)"
_CLOCK = (r"(?:(?P<hh>\d{1,2}):(?P<mi>\d{2})"
          r"|(?P<h>" + _N + r")\s*[时点](?:(?P<half>半)|(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*分)?)"
          r"(?:许|左右|前后)?")
# Optional suffix after a date: a part of day, a clock time, or both (may match empty).
_TIME = _TOD + r"?\s*(?:" + _CLOCK + r")?"

_PATTERNS: list[tuple[str, str]] = [
    ("ymd", r"(?P<y>" + _Y + r"\s*年|今年|去年|前年|上年|本年)\s*(?P<mo>" + _N + r")\s*月\s*(?P<d>" + _N + r")\s*[日号]"),
    ("iso", r"(?<!\d)(?P<y>\d{4})[-./](?P<mo>\d{1,2})[-./](?P<d>\d{1,2})(?!\d)"),
    ("ym_range", r"(?P<y>" + _Y + r"|今年|去年|前年|上年)\s*(?:年\s*)?(?P<mo>" + _N + r")\s*(?:-|—|－|~|～|至|到)\s*(?P<mo2>" + _N + r")\s*月"),
    ("yq", r"(?P<y>" + _Y + r"\s*年|今年|去年|前年|上年|本年)?\s*(?P<q>第?[一二三四1-4]季度|上半年|下半年|前三季度|前两季度|全年|年初|年底|年末|年中)"),
    ("ym", r"(?P<y>" + _Y + r"\s*年|今年|去年|前年|上年|本年)\s*(?P<mo>" + _N + r")\s*(?:月份|月)(?P<part>上旬|中旬|下旬|初|底|末|中)?"),
    ("md", r"(?<![\d年])(?P<mo>" + _N + r")\s*月\s*(?P<d>" + _N + r")\s*[日号](?!内|以内)"),
    ("m_range", r"(?<![\d年])(?P<mo>" + _N + r")\s*(?:-|—|－|~|～|至|到)\s*(?P<mo2>" + _N + r")\s*月(?!\s*[日号\d])"),
    ("m_only", r"(?<![\d年])(?P<mo>" + _N + r")\s*(?:月份|月)(?P<part>上旬|中旬|下旬|初|底|末|中)?(?![日号\d])"),
    ("year", r"(?<!\d)(?P<y>" + _Y + r")\s*年(?!\s*[\d一二三四五六七八九十]+\s*月)(?!代|级|度)"),
    ("same_day", r"(?P<same>当天|当日|当晚|同日|次日)"),
    ("rel_day", r"(?P<rel>今天|今日|今晨|今早|今晚|今夜|昨天|昨日|昨晚|昨夜|前天|前日|明天|明日|后天)"),
    ("weekday", r"(?P<wk>上|本|这)个?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"),
    ("rel_period", r"(?P<relp>今年|去年|前年|上年|本月|当月|上月|上个月|本周|这周|上周|上星期|上个星期|本季度|上季度)"
                   r"(?:(?<=月)(?P<rpart>上旬|中旬|下旬|初|底|末))?"),
    ("festival", r"(?:(?P<fy>" + _Y + r"\s*年|今年|去年|上年)\s*)?(?P<fest>春节|元宵节|元宵|清明节|清明|五一|劳动节|端午节|端午|"
                 r"中秋节|中秋|国庆节|国庆|十一(?=小长假|长假|假期|期间|黄金周)|元旦|除夕|小年|腊八节|腊八|七夕节|七夕|"
                 r"重阳节|重阳|冬至|儿童节|建党节|建军节|妇女节|教师节|植树节)"
                 r"(?P<fpart>小长假|长假|黄金周|假期|期间|前夕|前后|当天|当日)?"),
    ("offset", r"(?P<on>\d{1,2}|[一二两三四五六七八九十]{1,3}|半|几)\s*(?P<ou>天|日|周|个星期|星期|个月|年)多?(?:前|以前|之前)"),
    ("offset_word", r"(?P<ow>上上周|上上星期|上上个月|上上月|大前天)"),
    ("vague", r"(?P<vague>近日|日前|近期|连日来|近几天|近两天|近来|前不久|最近)"),
    ("d_only", r"(?<![\d月年])(?P<d>" + _N + r")\s*[日号](?!内|以内|以上|以下|起|之内|来|报|电)"),
    ("clock", r"(?<![\d:])" + _TOD + r"?\s*" + _CLOCK),
]

# The characters a pattern's match can begin with. A leading `(?=[...])` on them lets the
# regex engine reject most positions at once: a search of a lead is several times faster.
_NUMERAL = r"\d一二两三四五六七八九十"
_YEAR = r"\d〇零○一二三四五六七八九"
_FIRST = {"ymd": _YEAR + "今去前上本", "weekday": "上本这", "iso": r"\d", "ym_range": _YEAR + "今去前上", "yq": _YEAR + r"今去前上本\s第下全年",
          "ym": _YEAR + "今去前上本", "md": _NUMERAL, "m_range": _NUMERAL, "m_only": _NUMERAL, "year": _YEAR,
          "same_day": "当同次", "rel_day": "今昨前明后", "rel_period": "今去前上本当这",
          "festival": _YEAR + "今去上春元清五劳端中国十除小腊七重冬儿建妇教植", "offset": _NUMERAL + "半几", "offset_word": "上大", "vague": "近日连前最",
          "d_only": _NUMERAL, "clock": _NUMERAL + r"\s凌清早上中午下傍晚夜深半"}

_COMPILED = [(name, re.compile(f"(?=[{_FIRST[name]}])" + (
    f"{pattern}(?:\\s*{_TIME})?" if name in ("ymd", "iso", "md", "d_only", "rel_day", "same_day", "weekday") else pattern)))
    for name, pattern in _PATTERNS]
# Any pattern's match starts where this one matches (the patterns, without group names, as
# alternatives): one search finds the next position where some expression begins.
_UNNAMED = [re.sub(r"[(][?]P<[a-z0-9]+>", "(?:", regex.pattern) for _, regex in _COMPILED]
_ANY = re.compile(f"(?=[{''.join(_FIRST.values())}])(?:" + "|".join(f"(?:{p})" for p in _UNNAMED) + ")")

_PLAN_BEFORE = re.compile(r"(?:(?:计划|预计|预期|将|力争|争取|拟|定|要求|确保|务必|下一步|截止日期|期限)(?:于|在|到|至)?|明年)\s*$")
_PLAN_AFTER = re.compile(r"^\s*(前|之前|以前|前后完成|完成|底前|开工|竣工|投用|投产|建成|到期|截止|起施行|起实施|将)")
# "以来" closing the same clause: "6月以来", "10月15日进入防火期以来".
_SINCE_AFTER = re.compile(r"^(?:\s*(?:以来|至今|起至今|来)|[^，,。；;：:！!？?\d]{1,10}?以来)")
_UNTIL_BEFORE = re.compile(r"(截至|截止到|截止|到)\s*$")
# What makes a month, quarter or year an event rather than a data period is the construction:
# an event verb in the clause after it ("5月召开", "今年3月,某镇发生"), a part of a month
# ("5月中旬"), a festival or an offset. A range ("1至6月"), "截至6月底" or "以来" is a period.
_EVENT_AFTER = re.compile(r"^[^。；;！!？?\n]{0,12}?(?:召开|举行|举办|发生|开展了|组织了|启动|爆发|遭遇|出现了|"
                          r"印发|出台|召集|主持召开|主持|检查|调研|视察|开幕|闭幕|签约|签订|通报了|部署)")
_EVENT_PARTS = ("上旬", "中旬", "下旬", "初")


def _is_event(name: str, m: re.Match, before: str, after: str) -> bool:
    if name in ("festival", "offset", "offset_word"):
        return True
    if name not in ("ym", "m_only", "yq", "year", "rel_period") or _UNTIL_BEFORE.search(before) or _SINCE_AFTER.search(after):
        return False
    if name in ("ym", "m_only") and m.groupdict().get("part") in _EVENT_PARTS:
        return True
    if name == "rel_period" and m.groupdict().get("rpart") in _EVENT_PARTS:
        return True
    return bool(_EVENT_AFTER.search(after))


def _day_start(day: date, tz) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _month_interval(year: int, month: int, part: str | None, tz) -> tuple[datetime, datetime, str]:
    last = calendar.monthrange(year, month)[1]
    start_day, end_day, gran = 1, last, "month"
    if part == "上旬" or part == "初":
        start_day, end_day = 1, 10
    elif part == "中旬" or part == "中":
        start_day, end_day = 11, 20
    elif part in ("下旬", "底", "末"):
        start_day, end_day = 21, last
    begin = datetime(year, month, start_day, tzinfo=tz)
    until = datetime(year, month, end_day, tzinfo=tz) + timedelta(days=1)
    return begin, until, gran


def _year_of(token: str | None, ref: datetime) -> int | None:
    if not token:
        return None
    token = token.strip()
    if token in ("今年", "本年"):
        return ref.year
    if token in ("去年", "上年"):
        return ref.year - 1
    if token == "前年":
        return ref.year - 2
    value = cn_number(token.rstrip("年").strip())
    if value is None or not 1949 <= value <= 2100:
        return None
    return value


def _apply_clock(m: re.Match, day: date, tz) -> tuple[datetime, datetime, str] | None:
    groups = m.groupdict()
    tod = groups.get("tod") or ("晚" if groups.get("same") == "当晚" else None)
    hour = minute = None
    if groups.get("hh"):
        hour, minute = int(groups["hh"]), int(groups["mi"])
    elif groups.get("h"):
        hour = cn_number(groups["h"])
        if groups.get("half"):
            minute = 30
        elif groups.get("m"):
            minute = cn_number(groups["m"])
    if hour is None:
        if not tod:
            return None
        spans = {"凌晨": (0, 6), "清晨": (5, 8), "早晨": (5, 9), "早上": (6, 9), "上午": (6, 12), "中午": (11, 14),
                 "午间": (11, 14), "下午": (12, 18), "傍晚": (17, 20), "晚上": (18, 24), "晚间": (18, 24),
                 "夜间": (19, 24), "夜里": (20, 24), "深夜": (22, 24), "半夜": (23, 24), "午夜": (23, 24),
                 "晚": (18, 24), "早": (5, 9), "夜": (19, 24)}
        lo, hi = spans[tod]
        begin = _day_start(day, tz) + timedelta(hours=lo)
        return begin, _day_start(day, tz) + timedelta(hours=hi), "part_of_day"
    if hour > 24 or (minute is not None and minute > 59):
        return None
    if tod in ("下午", "傍晚", "晚上", "晚间", "夜间", "夜里", "深夜", "晚", "夜") and hour < 12:
        hour += 12
    elif tod in ("中午", "午间") and hour < 6:
        hour += 12
    elif tod in ("半夜", "午夜") and hour == 12:
        hour = 0
    hour = min(hour, 23) if hour != 24 else 23
    begin = _day_start(day, tz) + timedelta(hours=hour, minutes=minute or 0)
    if minute is None:
        return begin, begin + timedelta(hours=1), "hour"
    return begin, begin + timedelta(minutes=1), "minute"


def _valid_day(year: int, month: int | None, day: int | None) -> date | None:
    if month is None or day is None or not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _resolve_year_for(month: int, day: int, ref: datetime) -> int:
    """The year of a month-day with no year: this year, or last year when that would be
    more than two months in the future (a January brief about "12月28日")."""
    candidate = _valid_day(ref.year, month, min(day, 28))
    if candidate and _day_start(candidate, ref.tzinfo) > ref + timedelta(days=60):
        return ref.year - 1
    return ref.year


class _Context:
    """The last explicit year and month seen, so '5日' after '3月2日' means March 5."""

    def __init__(self, ref: datetime) -> None:
        self.ref = ref
        self.year: int | None = None
        self.month: int | None = None
        self.day: date | None = None


def _resolve(name: str, m: re.Match, ctx: _Context) -> tuple[datetime, datetime, str] | None:
    ref, tz = ctx.ref, ctx.ref.tzinfo
    g = m.groupdict()
    if name in ("ymd", "iso", "md", "d_only"):
        if name == "d_only":
            month = ctx.month or ref.month
            year = ctx.year or ref.year
            day_value = cn_number(g["d"])
            # A bare day with no month context that lies ahead of submission is last month's.
            if ctx.month is None and day_value is not None and day_value > ref.day:
                month -= 1
                if month == 0:
                    month, year = 12, year - 1
            range_end = m.start() > 0 and m.string[m.start() - 1] in "至到-—~～－"
            if not g.get("tod") and not g.get("h") and not g.get("hh") and not range_end:
                return None  # "5日" alone is too often "5日内", a count; need a time of day or a range
        else:
            month = cn_number(g["mo"])
            day_value = cn_number(g["d"])
            year = _year_of(g.get("y"), ref) if g.get("y") else None
            if g.get("y") and year is None:
                return None
            if year is None and month is not None and day_value is not None:
                year = ctx.year if ctx.year else _resolve_year_for(month, day_value, ref)
        day = _valid_day(year, month, day_value) if year else None
        if day is None:
            return None
        ctx.year, ctx.month, ctx.day = day.year, day.month, day
        clock = _apply_clock(m, day, tz)
        return clock or (_day_start(day, tz), _day_start(day, tz) + timedelta(days=1), "day")
    if name == "rel_day":
        offsets = {"今天": 0, "今日": 0, "今晨": 0, "今早": 0, "今晚": 0, "今夜": 0, "昨天": -1, "昨日": -1,
                   "昨晚": -1, "昨夜": -1, "前天": -2, "前日": -2, "明天": 1, "明日": 1, "后天": 2}
        rel = g["rel"]
        day = (ref + timedelta(days=offsets[rel])).date()
        ctx.day = day
        clock = _apply_clock(m, day, tz)
        if clock:
            return clock
        if rel in ("今晨", "今早"):
            return _day_start(day, tz) + timedelta(hours=5), _day_start(day, tz) + timedelta(hours=9), "part_of_day"
        if rel in ("今晚", "今夜", "昨晚", "昨夜"):
            return _day_start(day, tz) + timedelta(hours=18), _day_start(day, tz) + timedelta(days=1), "part_of_day"
        return _day_start(day, tz), _day_start(day, tz) + timedelta(days=1), "day"
    if name in ("clock", "same_day"):
        # A bare clock ("22时30分明火被扑灭", "当日22时") belongs to the last dated day.
        day = ctx.day or ref.date()
        if g.get("same") == "次日":
            day = day + timedelta(days=1)
        clock = _apply_clock(m, day, tz)
        if clock is None and name == "same_day":
            if g.get("same") == "当晚":
                return _day_start(day, tz) + timedelta(hours=18), _day_start(day, tz) + timedelta(days=1), "part_of_day"
            return _day_start(day, tz), _day_start(day, tz) + timedelta(days=1), "day"
        return clock
    if name in ("ym", "m_only"):
        month = cn_number(g["mo"])
        if month is None or not 1 <= month <= 12:
            return None
        if name == "ym":
            year = _year_of(g["y"], ref)
            if year is None:
                return None
        else:
            year = ctx.year or (ref.year if month <= ref.month + 2 else ref.year - 1)
        ctx.year, ctx.month = year, month
        return _month_interval(year, month, g.get("part"), tz)
    if name in ("ym_range", "m_range"):
        lo, hi = cn_number(g["mo"]), cn_number(g["mo2"])
        if lo is None or hi is None or not 1 <= lo <= hi <= 12:
            return None
        year = _year_of(g.get("y"), ref) if g.get("y") else (ctx.year or ref.year)
        if year is None:
            return None
        begin = datetime(year, lo, 1, tzinfo=tz)
        until = _month_interval(year, hi, None, tz)[1]
        return begin, until, "month"
    if name == "yq":
        year = _year_of(g.get("y"), ref) if g.get("y") else (ctx.year or ref.year)
        if year is None:
            return None
        q = g["q"].lstrip("第")
        if q == "全年" and not g.get("y"):
            return None  # "全年共接待……" is a count over a year, not a date
        ranges = {"一季度": (1, 3), "1季度": (1, 3), "二季度": (4, 6), "2季度": (4, 6), "三季度": (7, 9),
                  "3季度": (7, 9), "四季度": (10, 12), "4季度": (10, 12), "上半年": (1, 6), "下半年": (7, 12),
                  "前三季度": (1, 9), "前两季度": (1, 6), "全年": (1, 12), "年初": (1, 2), "年底": (11, 12),
                  "年末": (11, 12), "年中": (6, 7)}
        lo, hi = ranges[q]
        return datetime(year, lo, 1, tzinfo=tz), _month_interval(year, hi, None, tz)[1], "quarter"
    if name == "year":
        year = _year_of(g["y"], ref)
        if year is None:
            return None
        return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz), "year"
    if name == "rel_period":
        rel = g["relp"]
        today = _day_start(ref.date(), tz)
        # A period that contains the present is the whole period; "今年以来" and the like
        # are cut at the time of writing by the caller.
        if rel in ("今年",):
            return datetime(ref.year, 1, 1, tzinfo=tz), datetime(ref.year + 1, 1, 1, tzinfo=tz), "year"
        if rel in ("去年", "上年"):
            return datetime(ref.year - 1, 1, 1, tzinfo=tz), datetime(ref.year, 1, 1, tzinfo=tz), "year"
        if rel == "前年":
            return datetime(ref.year - 2, 1, 1, tzinfo=tz), datetime(ref.year - 1, 1, 1, tzinfo=tz), "year"
        if rel in ("本月", "当月"):
            return _month_interval(ref.year, ref.month, g.get("rpart"), tz)
        if rel in ("上月", "上个月"):
            y, mth = (ref.year, ref.month - 1) if ref.month > 1 else (ref.year - 1, 12)
            return _month_interval(y, mth, g.get("rpart"), tz)
        monday = today - timedelta(days=ref.weekday())
        if rel in ("本周", "这周"):
            return monday, monday + timedelta(days=7), "week"
        if rel in ("上周", "上星期", "上个星期"):
            return monday - timedelta(days=7), monday, "week"
        q_start_month = 3 * ((ref.month - 1) // 3) + 1
        q_start = datetime(ref.year, q_start_month, 1, tzinfo=tz)
        if rel == "本季度":
            return q_start, _month_interval(ref.year, q_start_month + 2, None, tz)[1], "quarter"
        if rel == "上季度":
            prev = q_start - timedelta(days=1)
            return datetime(prev.year, 3 * ((prev.month - 1) // 3) + 1, 1, tzinfo=tz), q_start, "quarter"
        return None
    if name == "weekday":  # 上周五, 本周一, 这个星期天: one day of this or last week
        monday = ref.date() - timedelta(days=ref.weekday()) - timedelta(days=7 if g["wk"] == "上" else 0)
        day = monday + timedelta(days="一二三四五六日".find(g["wd"]) if g["wd"] in "一二三四五六日"
                                 else 6 if g["wd"] == "天" else int(g["wd"]) - 1)
        ctx.year, ctx.month, ctx.day = day.year, day.month, day
        return _apply_clock(m, day, tz) or (_day_start(day, tz), _day_start(day + timedelta(days=1), tz), "day")
    if name == "vague":
        return ref - timedelta(days=10), ref, "vague"
    if name == "festival":
        return _festival(g, ref)
    if name in ("offset", "offset_word"):
        return _offset(g, ref)
    return None


# Festivals: (lunar?, month, day, days of the holiday from that day). Lunar dates come from
# the lunardate package; 清明 is taken as 4 April (it falls on 4 or 5 April).
# 除夕 is the day before 春节 (the lunar year's last day, the 29th or 30th); 冬至 is taken as
# 21 December (it falls on the 21st or 22nd); 小年 as the northern 12/23. "十一" counts only
# before 期间/假期/黄金周…, so "十一个" stays a number.
_FESTIVALS = {"春节": (True, 1, 1, 7), "元宵": (True, 1, 15, 1), "清明": (False, 4, 4, 3), "五一": (False, 5, 1, 5),
              "劳动节": (False, 5, 1, 5), "端午": (True, 5, 5, 3), "中秋": (True, 8, 15, 3), "国庆": (False, 10, 1, 7),
              "十一": (False, 10, 1, 7), "元旦": (False, 1, 1, 1), "除夕": (True, 0, 0, 1), "小年": (True, 12, 23, 1),
              "腊八": (True, 12, 8, 1), "七夕": (True, 7, 7, 1), "重阳": (True, 9, 9, 1), "冬至": (False, 12, 21, 1),
              "儿童节": (False, 6, 1, 1), "建党节": (False, 7, 1, 1), "建军节": (False, 8, 1, 1),
              "妇女节": (False, 3, 8, 1), "教师节": (False, 9, 10, 1), "植树节": (False, 3, 12, 1)}


def _festival_day(name: str, year: int) -> date | None:
    lunar, month, day, _ = _FESTIVALS[name]
    if not lunar:
        return date(year, month, day)
    from lunardate import LunarDate

    try:
        if name == "除夕":  # the eve of the next lunar year's first day
            return LunarDate(year + 1, 1, 1).to_solar_date() - timedelta(days=1)
        return LunarDate(year, month, day).to_solar_date()
    except ValueError:  # outside the package's table (1900–2099)
        return None


def _festival(g: dict, ref: datetime) -> tuple[datetime, datetime, str] | None:
    tz = ref.tzinfo
    name = g["fest"] if g["fest"] in _FESTIVALS else g["fest"].removesuffix("节")
    part = g.get("fpart") or ""
    year = _year_of(g.get("fy"), ref) if g.get("fy") else None
    if g.get("fy") and year is None:
        return None
    candidates = [year] if year else [ref.year, ref.year - 1]
    for y in candidates:
        day = _festival_day(name, y)
        if day is None:
            return None
        holiday = _FESTIVALS[name][3]
        if name == "春节":
            start = day - timedelta(days=1)  # 除夕 is part of the holiday
        else:
            start = day
        if part == "前夕":
            begin, until = start - timedelta(days=7), start + timedelta(days=1)
        elif part == "前后":
            begin, until = start - timedelta(days=7), start + timedelta(days=holiday + 7)
        elif part in ("当天", "当日"):
            begin, until = day, day + timedelta(days=1)
        else:  # 期间, 假期, or the name alone: the holiday
            begin, until = start, start + timedelta(days=holiday)
        begin_dt, until_dt = _day_start(begin, tz), _day_start(until, tz)
        if year or begin_dt <= ref:
            return begin_dt, until_dt, "day"
    return None


def _offset(g: dict, ref: datetime) -> tuple[datetime, datetime, str] | None:
    """"三天前", "两个月前", "半年前", "上上周", "大前天": a span around that far before `ref`."""
    tz = ref.tzinfo
    today = _day_start(ref.date(), tz)
    word = g.get("ow")
    if word == "大前天":
        return today - timedelta(days=3), today - timedelta(days=2), "day"
    if word in ("上上周", "上上星期"):
        monday = today - timedelta(days=ref.weekday())
        return monday - timedelta(days=14), monday - timedelta(days=7), "week"
    if word in ("上上个月", "上上月"):
        y, mth = ref.year, ref.month - 2
        if mth <= 0:
            y, mth = y - 1, mth + 12
        return _month_interval(y, mth, None, tz)
    unit = g["ou"]
    n = 0.5 if g["on"] == "半" else (3 if g["on"] == "几" else cn_number(g["on"]))
    if not n:
        return None
    days = {"天": 1, "日": 1, "周": 7, "个星期": 7, "星期": 7, "个月": 30.4, "年": 365.25}[unit] * n
    # "几" and rounded spans are loose: a quarter of the span either side, at least a day.
    slack = max(1.0, days / 4) if g["on"] != "几" else days
    begin = today - timedelta(days=round(days + slack))
    until = today - timedelta(days=max(0, round(days - slack))) + timedelta(days=1 if unit in ("天", "日") else 0)
    return begin, until, "day" if unit in ("天", "日") else "week" if days < 28 else "month"


_BY_FIRST: dict[str, tuple[tuple[str, re.Pattern], ...]] = {}


def _starting_with(char: str) -> tuple[tuple[str, re.Pattern], ...]:
    """The patterns (in order) whose matches may begin with `char`: only these are tried there."""
    found = _BY_FIRST.get(char)
    if found is None:
        found = _BY_FIRST[char] = tuple((name, regex) for name, regex in _COMPILED
                                        if re.match(f"[{_FIRST[name]}]", char))
    return found


def _expressions(norm: str):
    """(pattern name, match) of each time expression in `norm`, left to right, not overlapping.

    At the earliest position where some pattern matches, the longest match wins (the first
    pattern on a tie); the scan goes on after it.
    """
    pos = 0
    while (found := _ANY.search(norm, pos)) is not None:
        at = found.start()
        best = None
        for name, regex in _starting_with(norm[at]):
            m = regex.match(norm, at)
            if m is not None and m.end() > at and (best is None or m.end() > best[1].end()):
                best = (name, m)
        if best is None:  # cannot happen: the search matched one of them here
            return
        yield best
        pos = best[1].end()


def find_times(text: str, ref: datetime, offset: int = 0) -> list[TimeMention]:
    """All time expressions in `text`, in order, resolved against `ref` (the submission time).

    Mention offsets are counted from `offset` (where `text` starts in a longer text).
    """
    norm = text.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(text) else text
    ctx = _Context(ref)
    out: list[TimeMention] = []
    for name, m in _expressions(norm):
        resolved = _resolve(name, m, ctx)
        if resolved is not None:
            begin, until, gran = resolved
            before = norm[max(0, m.start() - 6):m.start()]
            after = norm[m.end():m.end() + 14]
            plan = bool(_PLAN_BEFORE.search(before) or _PLAN_AFTER.search(after)) and not _UNTIL_BEFORE.search(before)
            if _SINCE_AFTER.search(after):
                # "6月以来", "今年以来": the span runs up to the time of writing.
                until, plan = ref, False
            out.append(TimeMention(text=text[m.start():m.end()], start=m.start() + offset, end=m.end() + offset,
                                   begin=begin, until=until, granularity=gran,
                                   plan=plan or begin > ref + timedelta(hours=1),
                                   event=_is_event(name, m, before, after)))
    return out


@dataclass(frozen=True)
class EventTime:
    """When the brief's event happened, as far as the text says.

    `latest` is the newest datable mention: a day or finer, a week ("上周"), a span
    running up to the time of writing ("今年以来", "近日"), or a coarser one that the
    construction makes an event ("5月中旬召开", "端午节期间", "三个月前"). Other months,
    quarters and years wholly in the past are data periods ("截至2024年底", "1至6月……同比"),
    not events, and an analysis built on them is not stale; they only set `dated`. `first` is the first point mention
    of the lead: an incident's time, from which urgency lateness is measured.
    """

    latest: TimeMention | None
    first: TimeMention | None
    dated: bool = False


_SENTENCE_END = re.compile(r"[。！？!?\n；;]")


def lead_span(body: str, sentences: int) -> int:
    """Character offset where the first `sentences` sentences of the body end."""
    count = 0
    for m in _SENTENCE_END.finditer(body):
        count += 1
        if count >= sentences:
            return m.end()
    return len(body)


def event_time(title: str, body: str, ref: datetime, *, lead_sentences: int = 3) -> EventTime:
    """The event time of a brief from its title and the lead of its body; None parts if unknown.

    Mention offsets are into the brief's full text (title, newline, body), as `Brief.text`.
    """
    lead = body[: lead_span(body, lead_sentences)]
    body_offset = len(title) + 1 if title and body else 0
    lead_mentions = [m for m in find_times(lead, ref, body_offset) if not m.plan and m.begin <= ref]
    title_mentions = [m for m in find_times(title, ref) if not m.plan and m.begin <= ref]
    past = title_mentions + lead_mentions
    if not past:
        return EventTime(latest=None, first=None, dated=False)
    datable = [m for m in past if m.is_point or m.granularity == "week" or m.until == ref or m.event]
    latest = max(datable, key=lambda m: (m.until, -GRANULARITY_RANK[m.granularity])) if datable else None
    points = [m for m in lead_mentions if m.is_point] or [m for m in title_mentions if m.is_point]
    return EventTime(latest=latest, first=points[0] if points else None, dated=True)
