"""Same-event clustering measured on hand-written groups: adjusted Rand index, pairwise precision/recall.

    PYTHONPATH=. python bench/cluster_eval.py                      # the featurizer fitted on data_samples
    PYTHONPATH=. python bench/cluster_eval.py --model var/models/default --thresholds 0.2,0.3

bench/data/same_event_groups.jsonl holds briefs written by hand for this bench (not in the
training data): groups of 2-5 units' reports of one event or issue, in their own words,
and unrelated briefs (some on similar topics: other fires, other wage arrears). The
vectors are the model's `embed` (character n-gram TF-IDF): with `--model` that of a saved
model, else the same featurizer fitted on data_samples/briefs.jsonl as training does.
Prints, per threshold, the ARI over all briefs and the precision and recall of the pairs
put in one cluster.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from itertools import combinations
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from review.clusters import cluster_briefs
from review.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "same_event_groups.jsonl"


def _embedder(model_dir: str | None):
    if model_dir:
        from models import load_model

        model = load_model(model_dir)
        return lambda titles, bodies: model.embed([_Text(t, b) for t, b in zip(titles, bodies)])
    from models.features import BriefFeaturizer, strip_space
    from review.readers import load_briefs
    from training.train import DEFAULT_PARAMS

    train = load_briefs(ROOT / "data_samples" / "briefs.jsonl")
    featurizer = BriefFeaturizer(**DEFAULT_PARAMS["features"]).fit([[b.title, b.body] for b in train])
    return lambda titles, bodies: featurizer.text_vec_.transform(
        [strip_space(f"{t} {b}") for t, b in zip(titles, bodies)])


class _Text:
    def __init__(self, title: str, body: str) -> None:
        self.title, self.body = title, body


def pair_scores(truth: list, predicted: list) -> tuple[float, float]:
    """Precision and recall of the pairs of briefs put together (truth None: a brief alone)."""
    same_true = same_pred = both = 0
    for i, j in combinations(range(len(truth)), 2):
        t = truth[i] is not None and truth[i] == truth[j]
        p = predicted[i] is not None and predicted[i] == predicted[j]
        same_true += t
        same_pred += p
        both += t and p
    return (both / same_pred if same_pred else 1.0), (both / same_true if same_true else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a saved model directory (default: fit the featurizer on data_samples)")
    parser.add_argument("--thresholds", default="0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.5")
    parser.add_argument("--data", default=str(DATA))
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    window = float(load_config().section("clusters")["window_days"])
    vectors = _embedder(args.model)([r["title"] for r in rows], [r["body"] for r in rows]).tocsr()
    times = [datetime.fromisoformat(r["submitted_at"]).timestamp() for r in rows]
    ids = [r["id"] for r in rows]
    truth = [r["event"] for r in rows]
    # ARI needs a label for every brief: a brief alone is its own cluster.
    truth_labels = [t or f"alone:{i}" for t, i in zip(truth, ids)]
    groups = len({t for t in truth if t})
    print(f"{len(rows)} briefs: {groups} same-event groups ({sum(t is not None for t in truth)} briefs), "
          f"{sum(t is None for t in truth)} unrelated; window {window:g} days")
    print(f"{'threshold':>9}  {'ARI':>6}  {'precision':>9}  {'recall':>6}  {'clusters':>8}")
    for threshold in (float(x) for x in args.thresholds.split(",")):
        predicted = cluster_briefs(ids, times, vectors, window_days=window,
                                   threshold=threshold)
        labels = [p or f"alone:{i}" for p, i in zip(predicted, ids)]
        precision, recall = pair_scores(truth, predicted)
        print(f"{threshold:>9.2f}  {adjusted_rand_score(truth_labels, labels):>6.3f}  {precision:>9.3f}  "
              f"{recall:>6.3f}  {len({p for p in predicted if p}):>8}")


if __name__ == "__main__":
    main()
