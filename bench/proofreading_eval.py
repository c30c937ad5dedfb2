"""Precision and recall of the proofreading checks on the planted-error set.

    PYTHONPATH=. python bench/proofreading_eval.py [--show]

bench/data/proofreading_errors.txt holds sentences with one known error each (code,
evidence, suggestion), bench/data/proofreading_clean.txt sentences none of the checks may
flag; both are read as the body of a brief dated 2025-06-15 against the demo roster. A
flag is a true positive when its code is the planted one and it covers the planted evidence
(its span or one of its fixes overlaps it); every other flag is a false positive. The
suggestion is right when the flag's fixes over the evidence turn the sentence into the
corrected one. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from review.brief import Brief
from review.checks import proofread
from review.config import load_config
from review.proofread import CODES

DATA = Path(__file__).with_name("data")
DAY = datetime(2025, 6, 15, 10, 0, tzinfo=timezone.utc)


def read_cases() -> list[tuple[str, str | None, str, str]]:
    """(sentence, code or None, evidence, suggestion) of the planted and the clean sentences."""
    cases = []
    for line in (DATA / "proofreading_errors.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, evidence, suggestion, sentence = line.split("|", 3)
            if evidence not in sentence:
                raise ValueError(f"evidence {evidence!r} not in {sentence!r}")
            cases.append((sentence, code, evidence, suggestion))
    for line in (DATA / "proofreading_clean.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cases.append((line, None, "", ""))
    return cases


def _covers(flag, a: int, b: int) -> bool:
    spans = [flag.span] if flag.span else []
    spans += [(s, e) for s, e, _ in flag.fixes]
    return any(s < b and a < e or (s == e == a) for s, e in spans)


def evaluate(show: bool = False) -> dict:
    """Per code: true and false positives, planted errors, right suggestions."""
    config = load_config()
    tp, fp, planted, found, right, with_suggestion = (Counter() for _ in range(6))
    for n, (sentence, code, evidence, suggestion) in enumerate(read_cases()):
        brief = Brief(f"s{n}", "清河县人民政府办公室", "", sentence, DAY)
        flags = proofread(brief, config)
        a = sentence.find(evidence) if code else -1
        b = a + len(evidence)
        if code:
            planted[code] += 1
            if suggestion:
                with_suggestion[code] += 1
        hit = False
        for flag in flags:
            if code == flag.code and _covers(flag, a, b):
                tp[flag.code] += 1
                if not hit and suggestion:
                    fixes = sorted((f for f in flag.fixes if f[0] < b and a < f[1] or f[0] == f[1] == a), reverse=True)
                    text = sentence
                    for s, e, t in fixes:
                        text = text[:s] + t + text[e:]
                    right[code] += text == sentence[:a] + suggestion + sentence[b:]
                hit = True
            else:
                fp[flag.code] += 1
                if show:
                    print(f"FP {flag.code}: {sentence}  [{flag.evidence}] {flag.message}")
        if code and hit:
            found[code] += 1
        elif code and show:
            print(f"FN {code}: {sentence}  [{evidence}]")
    return {c: {"tp": tp[c], "fp": fp[c], "planted": planted[c], "found": found[c],
                "suggestions": with_suggestion[c], "right": right[c]} for c in CODES}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every false positive and negative")
    args = parser.parse_args(argv)
    cases = read_cases()
    clean = sum(1 for c in cases if c[1] is None)
    print(f"{len(cases) - clean} planted errors, {clean} clean sentences")
    print(f"{'code':<14}{'planted':>8}{'found':>7}{'FP':>5}{'precision':>11}{'recall':>8}{'suggestion ok':>15}")
    for code, r in evaluate(show=args.show).items():
        flagged = r["tp"] + r["fp"]
        precision = r["tp"] / flagged if flagged else 1.0
        recall = r["found"] / r["planted"] if r["planted"] else 1.0
        sugg = f"{r['right']}/{r['suggestions']}"
        print(f"{code:<14}{r['planted']:>8}{r['found']:>7}{r['fp']:>5}{precision:>11.3f}{recall:>8.3f}{sugg:>15}")


if __name__ == "__main__":
    sys.exit(main())
