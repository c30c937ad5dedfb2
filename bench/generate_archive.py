"""Synthetic archives for benchmarks ONLY (never for training or evaluation).

Each generated brief keeps the title and lead of a hand-written sample and continues
with sentences drawn from other samples of the same writer's slice; places, units and
figures are varied and the submission time falls anywhere in a ten-year span. A share
of briefs are planted near-duplicates of earlier generated ones (resubmissions and
copies with names swapped), so the duplicate search has real work to do.

    python bench/generate_archive.py 20000 -o bench/out/archive-20k.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data_samples" / "briefs.jsonl"

_COUNTIES = ["清河县", "安平县", "云岭县", "石桥区", "南湖区", "桃源县", "青川县", "白马县", "东山区", "西岭县", "北湖区",
             "临川县", "长宁县", "永安县", "丰乐县", "金沙县", "龙门县", "凤台县", "合水县", "兴隆县"]
_TOWNS = ["柳集镇", "河口镇", "城关镇", "青山乡", "望湖街道", "石门镇", "白岩镇", "龙潭乡", "新华街道", "高桥镇", "马庄乡",
          "王寨镇", "松林乡", "大坪镇", "沙河镇", "杨柳乡"]
_AGENCIES = ["应急管理局", "农业农村局", "生态环境分局", "卫生健康局", "教育局", "信访局", "商务局", "审计局", "民政局",
             "住房和城乡建设局", "交通运输局", "市场监督管理局", "文化和旅游局", "人力资源和社会保障局", "水利局"]
# The place names the hand-written samples use; swapped for others from the lists above.
_SOURCE_PLACES = ["清河县", "安平县", "云岭县", "石桥区", "南湖区", "柳集镇", "城关镇", "青山乡", "望湖街道", "河口镇",
                  "柳湾镇", "峡口镇", "龙潭乡", "王寨镇", "松林乡", "石门镇", "白岩镇"]
_PLACE = re.compile("|".join(_SOURCE_PLACES))
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SENT = re.compile(r"(?<=[。；！？])")


def _load_samples() -> list[dict]:
    with SAMPLES.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _vary_numbers(text: str, rng: random.Random) -> str:
    def repl(m: re.Match) -> str:
        value = float(m.group(0))
        if value >= 1900 and value <= 2100 and "." not in m.group(0):
            return m.group(0)  # a year
        new = value * rng.uniform(0.6, 1.5)
        return f"{new:.1f}" if "." in m.group(0) else str(max(1, int(round(new))))
    return _NUMBER.sub(repl, text)


def _swap_places(text: str, rng: random.Random) -> str:
    mapping: dict[str, str] = {}

    def repl(m: re.Match) -> str:
        name = m.group(0)
        if name not in mapping:
            pool = _TOWNS if name.endswith(("镇", "乡", "街道")) else _COUNTIES
            mapping[name] = rng.choice(pool)
        return mapping[name]
    return _PLACE.sub(repl, text)


def _compose(body: str, pool: list[str], rng: random.Random) -> str:
    """The base brief's lead, then sentences drawn from the slice's pool up to about its length.

    Two generated briefs then share a sentence only by chance, as unrelated briefs of one
    office do, instead of being variants of the same seed (which made every brief a
    near-duplicate of dozens of others).
    """
    sentences = [s for s in _SENT.split(body) if s]
    if not sentences:
        return body
    out = [sentences[0]]
    target = len(body)
    while sum(map(len, out)) < target and pool:
        out.append(rng.choice(pool))
    return "".join(out)


def generate(n: int, *, seed: int = 0, dup_rate: float = 0.03, start: datetime = datetime(2016, 1, 1),
             years: int = 10) -> Iterator[dict]:
    """`n` synthetic brief records (dicts in the input format), in submission-time order."""
    rng = random.Random(seed)
    samples = _load_samples()
    pools: dict[str, list[str]] = {}
    for s in samples:
        pools.setdefault(s["id"].split("-")[0], []).extend(x for x in _SENT.split(s["body"])[1:] if len(x) > 8)
    units = [f"{c}{a}" for c in _COUNTIES for a in _AGENCIES]
    span = years * 365 * 86400
    times = sorted(rng.uniform(0, span) for _ in range(n))
    recent: list[dict] = []
    for i, offset in enumerate(times):
        when = start + timedelta(seconds=offset)
        if recent and rng.random() < dup_rate:
            src = rng.choice(recent)
            body = src["body"]
            if rng.random() < 0.5:
                body = _swap_places(_vary_numbers(body, rng), rng)
                unit = rng.choice(units)
            else:
                unit = src["unit"]
            record = {"id": f"g-{i:07d}", "unit": unit, "title": src["title"], "body": body,
                      "submitted_at": when.isoformat(timespec="seconds"), "planted_duplicate_of": src["id"]}
        else:
            base = rng.choice(samples)
            title = _swap_places(base["title"], rng)
            body = _compose(base["body"], pools[base["id"].split("-")[0]], rng)
            body = _swap_places(_vary_numbers(body, rng), rng)
            record = {"id": f"g-{i:07d}", "unit": rng.choice(units), "title": title, "body": body,
                      "submitted_at": when.isoformat(timespec="seconds")}
        recent.append(record)
        if len(recent) > 2000:
            recent.pop(0)
        yield record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a synthetic archive for benchmarks")
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as fh:
        for record in generate(args.n, seed=args.seed):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {args.n} briefs to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
