"""约稿 matching by words and by meaning over the sample briefs: what meaning adds, for reading.

    PYTHONPATH=. python bench/topic_match.py --model var/models/default [--show 12]

Ten topics of the kind an office publishes (written for this bench) are matched against
every brief of data_samples/briefs.jsonl as the service matches them (api/topics.py):
by words (cosine of the model's `embed` vectors at least topics.min_similarity) and by
meaning (cosine at least topics.min_similarity_with_meaning and the topic's concepts
shared, review/topic_meaning.py). Prints per topic how many briefs words find, how many
meaning adds, and the added briefs' titles, best first, so that a reader judges them.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from api.topics import match
from models import load_model
from review.config import load_config

ROOT = Path(__file__).resolve().parent.parent
TOPICS = [
    ("农村饮水安全与冬季供水保障", "入冬以来农村集中供水工程运行、管网防冻和应急送水情况"),
    ("汛期防汛备汛和地质灾害防范情况", ""),
    ("安全生产隐患排查整治情况", ""),
    ("优化营商环境、助企纾困的做法", ""),
    ("农民工工资支付和欠薪治理", ""),
    ("基层减负与整治形式主义", ""),
    ("养老服务与老年人助餐", ""),
    ("秋粮收获和秋冬种进展", ""),
    ("冬季燃气安全和取暖防一氧化碳中毒", ""),
    ("文旅消费与假日旅游", ""),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "var" / "models" / "default")
    parser.add_argument("--data", type=Path, default=ROOT / "data_samples" / "briefs.jsonl")
    parser.add_argument("--show", type=int, default=12, help="added briefs listed per topic")
    args = parser.parse_args()

    config = load_config()
    model = load_model(args.model)
    briefs = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    when = datetime(2025, 1, 1)
    topics = [{"id": i, "title": t, "description": d, "deadline": "2099-12-31T00:00:00"}
              for i, (t, d) in enumerate(TOPICS)]
    texts = [f"{b['title']}\n{b['body']}" for b in briefs]
    hits = match(topics, texts, [when] * len(texts), model=model, config=config)
    total_words = total_meaning = 0
    for topic in topics:
        found = [(b, h) for b, row in zip(briefs, hits) for h in row if h["id"] == topic["id"]]
        words = [x for x in found if x[1]["by"] == "words"]
        meaning = sorted((x for x in found if x[1]["by"] == "meaning"), key=lambda x: -x[1]["score"])
        total_words, total_meaning = total_words + len(words), total_meaning + len(meaning)
        print(f"{topic['title']}: 字面 {len(words)} 篇,意思另加 {len(meaning)} 篇")
        for brief, hit in meaning[:args.show]:
            print(f"    + {hit['score']:.3f} {brief['id']} {brief['title'] or brief['body'][:30]}"
                  f"  [{'、'.join(hit['concepts'])}]")
    print(f"合计:字面 {total_words} 篇,意思另加 {total_meaning} 篇({len(briefs)} 篇样例,{len(topics)} 个约稿)")


if __name__ == "__main__":
    main()
