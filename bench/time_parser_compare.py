"""Our time parser against JioNLP's `parse_time` on the same expressions.

The expressions are those of `tests/review/test_time_expressions.py` whose interval is
checked against the calendar (dates and hours, reference Friday 25 July 2025, 10:00 in
Shanghai). For each parser it counts:

- **read**: it returns a time at all;
- **end right**: the interval ends on the expected day (or hour, for the hour cases).
  Staleness and lateness are judged from the end of the interval, so this is what
  decides a flag;
- **exact**: begin and end both as expected.

The expected intervals follow this project's conventions where people's usage is loose
(中旬 is the 11th to the 20th, 前夕 the week before, 前后 a week each side, a festival
still ahead this year is last year's), so "exact" favours our parser; "end right" and
"read" much less so.

JioNLP is not a dependency of the project. Install it apart and point to it:

    python3.11 -m venv var/jio && var/jio/bin/pip install jionlp
    .venv/bin/python bench/time_parser_compare.py --jio-python var/jio/bin/python

Nothing is asserted; the figures go in docs/engine.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from review.brief import SHANGHAI  # noqa: E402
from review.timeparse import find_times  # noqa: E402

# Runs under the interpreter that has JioNLP: one JSON line in per expression, one out.
JIO_SCRIPT = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import jionlp
base = float(sys.argv[1])
for line in sys.stdin:
    text = json.loads(line)
    try:
        r = jionlp.parse_time(text, time_base=base)
        out = r.get("time") if isinstance(r, dict) else None
        kind = r.get("type") if isinstance(r, dict) else None
    except Exception as exc:  # the library raises on what it cannot read
        out, kind = None, type(exc).__name__
    print(json.dumps({"time": out, "type": kind}, ensure_ascii=False), flush=True)
"""


def cases() -> list[tuple[str, datetime, datetime, bool]]:
    """(expression, begin, until, to the hour) from the parametrised interval tests."""
    import tests.review.test_time_expressions as t

    out = []
    for test, hourly in ((t.test_interval_of_expression, False), (t.test_interval_to_the_hour, True)):
        (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
        for text, begin, until in mark.args[1]:
            if isinstance(begin, date) and not isinstance(begin, datetime):
                begin = datetime.combine(begin, datetime.min.time(), SHANGHAI)
                until = datetime.combine(until, datetime.min.time(), SHANGHAI)
            out.append((text, begin, until, hourly))
    return out


def ours(text: str, ref: datetime) -> tuple[datetime, datetime] | None:
    found = [m for m in find_times(text, ref) if not m.plan]
    return (found[0].begin, found[0].until) if found else None


def jio(texts: list[str], ref: datetime, python: str) -> list[tuple[datetime, datetime] | None]:
    """JioNLP's intervals: [start, end] with an inclusive end second, made exclusive here."""
    proc = subprocess.run([python, "-c", JIO_SCRIPT, str(ref.timestamp())], capture_output=True, text=True,
                          input="".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts), check=True)
    out = []
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue  # the library's banner
        r = json.loads(line)
        span = r["time"]
        if not span or not isinstance(span, list) or len(span) != 2 or not all(isinstance(s, str) for s in span):
            out.append(None)
            continue
        try:
            begin = datetime.fromisoformat(span[0].replace(" ", "T")).replace(tzinfo=SHANGHAI)
            end = datetime.fromisoformat(span[1].replace(" ", "T")).replace(tzinfo=SHANGHAI)
        except ValueError:
            out.append(None)
            continue
        out.append((begin, end + timedelta(seconds=1)))
    return out


def judge(got, begin: datetime, until: datetime, hourly: bool) -> tuple[bool, bool, bool]:
    if got is None:
        return False, False, False
    g_begin, g_until = got
    if hourly:
        end_right = abs((g_until - until).total_seconds()) < 3600
        exact = end_right and abs((g_begin - begin).total_seconds()) < 3600
    else:
        end_right = (g_until - timedelta(seconds=1)).date() == (until - timedelta(seconds=1)).date()
        exact = end_right and g_begin.date() == begin.date()
    return True, end_right, exact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jio-python", default=sys.executable, help="an interpreter with jionlp installed")
    parser.add_argument("--show", action="store_true", help="print every expression either parser gets wrong")
    args = parser.parse_args()
    ref = datetime(2025, 7, 25, 10, 0, tzinfo=SHANGHAI)
    items = cases()
    theirs = jio([c[0] for c in items], ref, args.jio_python)
    assert len(theirs) == len(items), "JioNLP 的输出行数与表达式数不一致"
    totals = {"ours": [0, 0, 0], "jionlp": [0, 0, 0]}
    for (text, begin, until, hourly), their in zip(items, theirs):
        mine = judge(ours(text, ref), begin, until, hourly)
        other = judge(their, begin, until, hourly)
        for name, verdict in (("ours", mine), ("jionlp", other)):
            totals[name] = [a + b for a, b in zip(totals[name], verdict)]
        if args.show and (not mine[1] or not other[1]):
            print(f"{text:<14} expected {begin:%m-%d %H}..{until:%m-%d %H}  ours end {'ok' if mine[1] else 'WRONG'}"
                  f"  jionlp {their[0]:%Y-%m-%d %H}..{their[1]:%Y-%m-%d %H}" if their else
                  f"{text:<14} expected {begin:%m-%d %H}..{until:%m-%d %H}  ours end {'ok' if mine[1] else 'WRONG'}"
                  f"  jionlp: not read")
    n = len(items)
    print(f"{n} expressions (reference {ref:%Y-%m-%d %H:%M} Asia/Shanghai)")
    print(f"{'parser':<8}{'read':>14}{'end right':>14}{'exact':>14}")
    for name, (read, end_right, exact) in totals.items():
        print(f"{name:<8}{read:>8} {read / n:.2f}{end_right:>8} {end_right / n:.2f}{exact:>8} {exact / n:.2f}")


if __name__ == "__main__":
    main()
