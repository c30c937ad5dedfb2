"""Shared ground of the proofreading checks: the word lists, the roster, and applying fixes.

The checks `wrong_word`, `formulation`, `number_format`, `punctuation` and `name_title`
(one module each in `review.checks`) read their data from here. The lists are data files
(`review/resources/proofreading/*.tsv`, format in their header comments) merged with the
extra files an office names in `[proofreading]`; the roster is `proofreading.leaders` plus
the CSV named by `proofreading.roster_file`. Everything is built once per configuration.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import ahocorasick_rs

from review.brief import Brief
from review.config import ReviewConfig
from review.errors import ConfigError
from review.result import Flag

RESOURCES = Path(__file__).with_name("resources") / "proofreading"
REPO_ROOT = Path(__file__).resolve().parent.parent
# How far a context condition of a rule looks before and after the matched words.
_CONTEXT_CHARS = 12


@dataclass(frozen=True)
class Rule:
    """One entry of a word list: `wrong` is replaced by `right` where the context conditions hold.

    `before` / `after` are regular expressions the text just before (ending at the match) or
    just after (starting at it) must match; a leading "!" means it must not match.
    """

    wrong: str
    right: str
    before: re.Pattern | None = None
    before_negated: bool = False
    after: re.Pattern | None = None
    after_negated: bool = False
    note: str = ""

    def applies(self, text: str, start: int, end: int) -> bool:
        """True when the context conditions hold around text[start:end]."""
        if self.before is not None:
            found = self.before.search(text[max(0, start - _CONTEXT_CHARS):start]) is not None
            if found == self.before_negated:
                return False
        if self.after is not None:
            found = self.after.match(text, end, min(len(text), end + _CONTEXT_CHARS)) is not None
            if found == self.after_negated:
                return False
        return True


def _condition(raw: str, *, anchor_end: bool, where: str) -> tuple[re.Pattern | None, bool]:
    raw = raw.strip()
    if not raw:
        return None, False
    negated = raw.startswith("!")
    body = raw[1:] if negated else raw
    try:
        return re.compile(f"(?:{body})$" if anchor_end else body), negated
    except re.error as exc:
        raise ConfigError(f"{where}：上下文条件“{raw}”不是有效的正则表达式({exc})") from None


def read_rules(path: Path) -> list[Rule]:
    """The rules of one TSV list: wrong, right, before, after, note; '#' starts a comment line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"找不到校对词表：{path}") from None
    rules = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t") + [""] * 4
        wrong, right = cells[0].strip(), cells[1].strip()
        where = f"{path.name} 第 {number} 行"
        if not wrong or not right or wrong == right:
            raise ConfigError(f"{where}：应为“错误写法<Tab>正确写法”，且两者不同")
        before, before_neg = _condition(cells[2], anchor_end=True, where=where)
        after, after_neg = _condition(cells[3], anchor_end=False, where=where)
        rules.append(Rule(wrong, right, before, before_neg, after, after_neg, cells[4].strip()))
    return rules


class RuleSet:
    """A word list compiled into one Aho-Corasick automaton: all its words found in one pass."""

    def __init__(self, rules: Iterable[Rule]):
        self.by_word: dict[str, list[Rule]] = {}
        for rule in rules:
            # Later files come after the shipped list: an office's entry for the same words wins.
            self.by_word.setdefault(rule.wrong, []).insert(0, rule)
        self.words = list(self.by_word)
        self._automaton = ahocorasick_rs.AhoCorasick(
            self.words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest) if self.words else None

    def find(self, text: str) -> list[tuple[int, int, Rule]]:
        """Every (start, end, rule) whose words occur in `text` with their context conditions holding."""
        if self._automaton is None:
            return []
        out = []
        for index, start, end in self._automaton.find_matches_as_indexes(text):
            for rule in self.by_word[self.words[index]]:
                if rule.applies(text, start, end):
                    out.append((start, end, rule))
                    break
        return out


@dataclass(frozen=True)
class Role:
    """One line of the roster: `name` held `title` in `unit` from `since` to `until` (inclusive)."""

    name: str
    unit: str
    title: str
    since: date
    until: date | None = None

    def held_on(self, day: date) -> bool:
        """True when the role was held on `day`."""
        return self.since <= day and (self.until is None or day <= self.until)


def _day(value, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}：日期“{value}”应为 YYYY-MM-DD") from None


def _role(entry: Mapping, where: str) -> Role:
    try:
        name, unit, title = (str(entry[k]).strip() for k in ("name", "unit", "title"))
    except KeyError as exc:
        raise ConfigError(f"{where}：缺少 {exc.args[0]}(应有 name、unit、title、from、to)") from None
    since = _day(entry.get("from"), where)
    if not name or not title or since is None:
        raise ConfigError(f"{where}：姓名、职务和任职起始日期(from)不能为空")
    return Role(name, unit, title, since, _day(entry.get("to"), where))


def roster_role(entry: Mapping, where: str) -> Role:
    """One roster entry (name, unit, title, from, to) checked; `ConfigError` naming `where` otherwise."""
    return _role(entry, where)


def read_roster(path: Path) -> list[Role]:
    """The roles of a roster CSV with the header name,unit,title,from,to (UTF-8, BOM allowed)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [_role(row, f"{path.name} 第 {n} 行") for n, row in enumerate(csv.DictReader(fh), 2)]
    except FileNotFoundError:
        raise ConfigError(f"找不到领导名单文件：{path}") from None


@dataclass(frozen=True)
class Roster:
    """The roles of the roster (leaders in the configuration, then the roster CSV)."""

    roles: tuple[Role, ...]

    @property
    def names(self) -> frozenset[str]:
        """Every name on the roster."""
        return frozenset(r.name for r in self.roles)

    def roles_of(self, name: str) -> list[Role]:
        """The roles one person held, in roster order."""
        return [r for r in self.roles if r.name == name]


@dataclass(frozen=True)
class Resources:
    """Everything the proofreading checks read, built once per configuration."""

    wrong_words: RuleSet
    formulations: RuleSet
    roster: Roster
    titles: tuple[str, ...]
    names_automaton: ahocorasick_rs.AhoCorasick | None
    names: tuple[str, ...]
    titles_automaton: ahocorasick_rs.AhoCorasick | None

    def roster_names_in(self, text: str) -> list[tuple[int, int, str]]:
        """Every occurrence of a roster name in `text`: (start, end, name)."""
        if self.names_automaton is None:
            return []
        return [(s, e, self.names[i]) for i, s, e in self.names_automaton.find_matches_as_indexes(text)]

    def titles_in(self, text: str) -> list[tuple[int, int, str]]:
        """Every title word in `text`, longest at each place: (start, end, title)."""
        if self.titles_automaton is None:
            return []
        return [(s, e, self.titles[i]) for i, s, e in self.titles_automaton.find_matches_as_indexes(text)]


def _path(raw: str) -> Path:
    path = Path(raw)
    return path if path.is_absolute() else REPO_ROOT / path


@lru_cache(maxsize=8)
def _build(wrong_files: tuple[str, ...], formulation_files: tuple[str, ...], other_style: str,
           leaders: tuple[tuple[tuple[str, object], ...], ...], roster_file: str,
           titles: tuple[str, ...]) -> Resources:
    wrong = [r for f in wrong_files for r in read_rules(_path(f))]
    if other_style == "其他":
        wrong.append(Rule("其它", "其他", note="统一用“其他”"))
    elif other_style == "其它":
        wrong.append(Rule("其他", "其它", note="本单位规定事物用“其它”"))
    formulations = [r for f in formulation_files for r in read_rules(_path(f))]
    roles = [_role(dict(entry), f"proofreading.leaders 第 {n} 项") for n, entry in enumerate(leaders, 1)]
    if roster_file:
        roles += read_roster(_path(roster_file))
    names = tuple(dict.fromkeys(r.name for r in roles))
    all_titles = tuple(dict.fromkeys([*titles, *(r.title for r in roles)]))
    kind = ahocorasick_rs.MatchKind.LeftmostLongest
    return Resources(RuleSet(wrong), RuleSet(formulations), Roster(tuple(roles)), all_titles,
                     ahocorasick_rs.AhoCorasick(list(names), matchkind=kind) if names else None, names,
                     ahocorasick_rs.AhoCorasick(list(all_titles), matchkind=kind) if all_titles else None)


def resources(config: ReviewConfig) -> Resources:
    """The lists and the roster of this configuration (built once, then cached)."""
    cfg = config.section("proofreading")
    leaders = tuple(tuple(sorted((k, str(v)) for k, v in entry.items())) for entry in cfg["leaders"])
    return _build((str(RESOURCES / "wrong_words.tsv"), *cfg["extra_wrong_words"]),
                  (str(RESOURCES / "formulations.tsv"), *cfg["extra_formulations"]),
                  cfg["other_style"], leaders, cfg["roster_file"], tuple(cfg["titles"]))


def brief_day(brief: Brief) -> date:
    """The day the roster is read for: the event date when given, else the day of submission."""
    return (brief.event_at or brief.submitted_at).date()


def overlaps(start: int, end: int, spans: Sequence[tuple[int, int, str]]) -> bool:
    """True when [start, end) overlaps any of `spans`."""
    return any(s < end and start < e for s, e, _ in spans)


def apply_fixes(brief: Brief, flags: Iterable[Flag]) -> tuple[str, str, int]:
    """The brief's title and body with every certain fix of `flags` applied, and how many were.

    Fixes are offsets into `Brief.text` (title, line break, body); they are applied from the
    end so earlier offsets stay valid, and a fix overlapping one already applied is skipped.
    """
    edits = sorted({fix for flag in flags for fix in flag.fixes}, key=lambda f: (f[0], f[1]), reverse=True)
    text = brief.text
    limit, applied = len(text) + 1, 0
    for start, end, replacement in edits:
        if end > limit or text[start:end] == replacement:
            continue
        text = text[:start] + replacement + text[end:]
        limit, applied = start, applied + 1
    if brief.title and brief.body:
        # The title holds no line break and no fix spans the one joining title and body.
        title, _, body = text.partition("\n")
        return title, body, applied
    return (text, "", applied) if brief.title else ("", text, applied)


def fixed_draft(brief: Brief, flags: Iterable[Flag]) -> dict:
    """The corrected draft as the API returns it: title, body and the number of fixes applied."""
    title, body, applied = apply_fixes(brief, flags)
    return {"title": title, "body": body, "applied": applied}


CODES = ("name_title", "formulation", "number_format", "punctuation", "wrong_word")
