"""Same-event clusters: online average linkage, batch output's cluster_id, the fullest member and the merged draft."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sklearn.metrics import adjusted_rand_score

from review.brief import SHANGHAI, Brief
from review.clusters import ClusterIndex, cluster_briefs, fullest_member, merge_draft, split_sentences
from review.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(None)
DAY = 86400.0


def test_a_brief_joins_the_cluster_it_matches_best_on_average():
    index = ClusterIndex(window_days=7, threshold=0.3)
    assert index.add("a", 0, {}) == "a" and index.cluster_id("a") is None
    assert index.add("b", 60, {"a": 0.5}) == "a"
    # c is close to a but not to b: the mean over the cluster (0.25) is under the threshold
    assert index.add("c", 120, {"a": 0.5, "b": 0.0}) == "c"
    # d matches both a and b: it joins their cluster, not c's, though c is as close to it
    assert index.add("d", 180, {"a": 0.4, "b": 0.4, "c": 0.4}) == "a"
    assert index.members("a") == ("a", "b", "d") and index.cluster_id("c") is None
    assert index.assignments() == {"a": "a", "b": "a", "d": "a"}


def test_the_window_closes_a_cluster():
    index = ClusterIndex(window_days=7, threshold=0.3)
    index.add("a", 0, {})
    index.add("b", 3 * DAY, {"a": 0.9})
    assert index.add("c", 9 * DAY, {"a": 0.9, "b": 0.9}) == "a"  # b (6 days older) keeps it open
    assert index.add("d", 17 * DAY, {"a": 0.9, "b": 0.9, "c": 0.9}) == "d"  # c is 8 days older: closed
    assert index.members("a") == ("a", "b", "c") and index.cluster_id("d") is None


def test_ties_go_to_the_earlier_cluster():
    index = ClusterIndex(window_days=7, threshold=0.3)
    index.add("x", 0, {})
    index.add("y", 1, {"x": 0.0})
    assert index.add("z", 2, {"y": 0.5, "x": 0.5}) == "x"


def _bench_rows():
    path = ROOT / "bench" / "data" / "same_event_groups.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_hand_written_groups_are_found_and_the_order_given_does_not_matter(model):
    rows = _bench_rows()
    vectors = model.embed([SimpleNamespace(title=r["title"], body=r["body"]) for r in rows]).tocsr()
    times = [datetime.fromisoformat(r["submitted_at"]).timestamp() for r in rows]
    ids = [r["id"] for r in rows]
    found = cluster_briefs(ids, times, vectors, window_days=7, threshold=0.15)
    truth = [r["event"] or r["id"] for r in rows]
    assert adjusted_rand_score(truth, [f or i for f, i in zip(found, ids)]) > 0.9  # 0.955 by the bench
    # every member of one cluster carries the id of its earliest brief
    by_id = dict(zip(ids, found))
    assert by_id["g01-b"] == "g01-b" and by_id["g01-a"] == "g01-b"  # the fire brigade reported first
    reverse = cluster_briefs(ids[::-1], times[::-1], vectors[::-1], window_days=7, threshold=0.15)
    assert dict(zip(ids[::-1], reverse)) == by_id


def brief(bid, unit, title, body, minutes):
    return Brief(id=bid, unit=unit, title=title, body=body,
                 submitted_at=datetime(2026, 6, 2, 10, 0, tzinfo=SHANGHAI) + timedelta(minutes=minutes))


FIRE = [
    brief("s1", "城南街道办事处", "城南街道一居民楼发生火灾",
          "6月2日9时40分许,幸福里小区7号楼一住户家中起火。街道疏散楼内居民46人。火灾造成1名老人受伤,已送医救治。", 70),
    brief("s2", "县消防救援大队", "成功处置幸福里小区住宅火灾",
          "6月2日9时42分,幸福里小区一住宅楼起火。大队调派3车15人到场,10时20分明火被扑灭,过火面积约30平方米。"
          "起火原因是楼道内电动车电池故障。建议开展电动车充电安全专项整治。", 55),
    brief("s3", "县应急管理局", "幸福里小区火灾情况",
          "6月2日9时42分,幸福里小区一住宅楼起火。现场救出被困人员2名。", 90),
]


def test_the_fullest_member_has_the_most_figures_causes_and_proposals():
    best, why = fullest_member(FIRE, CONFIG)
    assert best.id == "s2" and why.causes >= 1 and why.proposals >= 1 and why.figures >= 2
    # on a tie the earliest report wins
    twins = [brief("t1", "甲", "标题", "今天发生一起火情。", 30), brief("t0", "乙", "标题", "今天发生一起火情。", 10)]
    assert fullest_member(twins, CONFIG)[0].id == "t0"


def test_the_merged_draft_is_the_fullest_lead_plus_the_facts_others_add():
    title, sentences = merge_draft(FIRE, CONFIG)
    assert title == "成功处置幸福里小区住宅火灾"
    assert [s.source_id for s in sentences[:4]] == ["s2"] * 4  # the fullest member's own sentences first
    assert sentences[0].text == "6月2日9时42分,幸福里小区一住宅楼起火。"
    added = {s.text: s.source_id for s in sentences[4:]}
    assert added["街道疏散楼内居民46人。"] == "s1" and added["现场救出被困人员2名。"] == "s3"
    # s3's first sentence says what s2 said already: not repeated
    assert [s.text for s in sentences].count("6月2日9时42分,幸福里小区一住宅楼起火。") == 1
    assert all(s.text in next(b.body for b in FIRE if b.id == s.source_id) for s in sentences)


def test_sentences_are_split_at_chinese_punctuation():
    assert split_sentences("起火了。人员已疏散!原因?正在调查；") == ["起火了。", "人员已疏散!", "原因?", "正在调查；"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_batch_scoring_gives_every_review_its_cluster_id(trained_model_dir, config, tmp_path, fmt):
    from models import load_model
    from batch.pipeline import score_stream
    from batch.writers import read_output

    rows = [r for r in _bench_rows() if r["event"] in ("g02", "g09")] + \
        [r for r in _bench_rows() if r["id"] in ("u01", "u14", "u20")]
    rows.sort(key=lambda r: r["submitted_at"])
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "event"}, ensure_ascii=False) + "\n"
                           for r in rows), encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    score_stream(src, out, model=load_model(trained_model_dir), config=config, chunk_size=3)
    got = {line["id"]: line["cluster_id"] for line in read_output(out)}
    # g02-c (the civil affairs bureau's relief supplies for the flood) shares too few words with the
    # other three reports: the one brief of its group the bench's threshold misses.
    assert got == {"u01": None, "u14": None, "u20": None, "g02-a": "g02-a", "g02-b": "g02-a", "g02-c": None,
                   "g02-d": "g02-a", "g09-a": "g09-a", "g09-b": "g09-a", "g09-c": "g09-a", "g09-d": "g09-a"}
