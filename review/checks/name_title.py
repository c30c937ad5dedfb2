"""Names and titles of leaders against the roster on the brief's date (任职名单)."""

import re

from review.checks.base import Check, register
from review.proofread import Role, brief_day, resources
from review.result import Flag

# "原县长", "时任副县长", "原县交通运输局局长": a past title written as such (the marker may
# stand before the unit: anywhere in the words before the title since the last mark).
_PAST = re.compile(r"(?:原|时任|前任|老)[^，。；：、,;:\s“”]{0,12}$")
_UNIT_PREFIX = re.compile(r"^(?:中共)?[\u4e00-\u9fff]{1,4}?[县市区](?=[\u4e00-\u9fff])")
_UNIT_END = set("局委办镇乡区市省院厅部")


def title_fits(held: str, written: str) -> bool:
    """True when the written title names the held one ("书记" for 县委书记; not "县长" for 副县长)."""
    if held == written:
        return True
    return held.endswith(written) and not held[:len(held) - len(written)].endswith("副")


def _cjk(text: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in text)


def _unit_fits(role: Role, text: str, title_start: int) -> bool:
    """The unit is written just before the title, or the title itself names a county-level post."""
    before = text[max(0, title_start - 14):title_start]
    core = _UNIT_PREFIX.sub("", role.unit)
    if core and (core in before or core.replace("人民政府", "政府") in before):
        return True
    return "县" in role.title and not (before and before[-1] in _UNIT_END)


@register
class NameTitle(Check):
    code = "name_title"
    severity = "error"
    name_zh = "姓名职务有误"
    penalty = 0.1
    description = "领导姓名、职务与任职名单(proofreading.leaders / roster_file)在信息日期不符"
    thresholds = ("proofreading.leaders", "proofreading.roster_file", "proofreading.titles")

    def check(self, brief, context):
        res = resources(context.config)
        text = brief.text
        day = brief_day(brief)
        names = res.roster_names_in(text)
        titles = res.titles_in(text)
        by_end = {e: (s, t) for s, e, t in titles}
        by_start = {s: (e, t) for s, e, t in titles}
        flags, named_titles = [], set()
        for start, end, name in names:
            for ts, te, written in self._adjacent(by_end, by_start, start, end):
                named_titles.add(ts)
                if _PAST.search(text, max(0, min(ts, start) - 14), min(ts, start)):
                    continue
                flag = self._title_flag(res.roster.roles_of(name), name, written, ts, te, day)
                if flag is not None:
                    flags.append(flag)
        roster_names = res.roster.names
        for ts, te, written in titles:
            if ts in named_titles:
                continue
            flag = self._name_flag(res.roster.roles, roster_names, text, ts, te, written, day)
            if flag is not None:
                flags.append(flag)
        return flags

    @staticmethod
    def _adjacent(by_end, by_start, start, end):
        """The title written right before the name ("县长赵志刚") or right after it ("赵志刚县长")."""
        if start in by_end:
            s, t = by_end[start]
            return [(s, start, t)]
        if end in by_start:
            e, t = by_start[end]
            return [(end, e, t)]
        return []

    def _title_flag(self, roles, name, written, ts, te, day):
        current = [r for r in roles if r.held_on(day)]
        if any(title_fits(r.title, written) for r in current):
            return None
        when = day.isoformat()
        if current:
            held = "、".join(f"{r.title}（{r.unit}）" for r in current)
            fixed = current[0].title if len(current) == 1 else None
            return Flag(self.code, self.severity,
                        f"据领导名单，{name}在{when}的职务是{held}，不是“{written}”。请核对职务。",
                        written, (ts, te), fixed, ((ts, te, fixed),) if fixed else ())
        past = [r for r in roles if title_fits(r.title, written)]
        if past:
            left = max((r.until for r in past if r.until), default=None)
            return Flag(self.code, self.severity,
                        f"据领导名单，{name}已于{left}卸任{past[0].title}，{when}不再担任此职；"
                        "如指当时的职务，请写作“时任”或“原”。", written, (ts, te))
        return Flag(self.code, self.severity, f"据领导名单，{name}在{when}没有任职记录，请核对姓名和职务。",
                    written, (ts, te))

    def _name_flag(self, roles, roster_names, text, ts, te, written, day):
        """A name one character off a roster name whose holder has this title on the day."""
        if _PAST.search(text, max(0, ts - 14), ts):
            return None
        found = {}
        for role in roles:
            if not role.held_on(day) or not title_fits(role.title, written):
                continue
            size = len(role.name)
            for a, b in ((te, te + size), (ts - size, ts)):
                cand = text[max(0, a):b]
                if (len(cand) == size and a >= 0 and cand not in roster_names and _cjk(cand)
                        and sum(x != y for x, y in zip(cand, role.name)) == 1 and _unit_fits(role, text, ts)):
                    found[(a, b)] = role
                    break
        if len(found) != 1 or len({r.name for r in found.values()}) != 1:
            return None
        (a, b), role = next(iter(found.items()))
        return Flag(self.code, self.severity,
                    f"“{text[a:b]}”疑为“{role.name}”之误（据领导名单，{role.title}（{role.unit}）为{role.name}）。",
                    text[a:b], (a, b), role.name, ((a, b, role.name),))
