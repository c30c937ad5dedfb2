"""Category accuracy on real briefs nobody here wrote: the default model against plain baselines.

Every model is trained in this run on the same rows: `data_samples/briefs.jsonl` with each
titled brief also as its title alone (as the default model trains). Then each predicts
the development set of real briefs (`../shared/eval/real_dev.jsonl`, never copied here,
never trained on), read as it arrives (title and body, or body alone) and as its title
alone. Printed per model:

- accepted accuracy (the prediction is the editor's label or one they also accept) and
  strict accuracy (the primary label), overall and by shape: title + body, body only,
  title only;
- recall of each primary class, and the confusion matrix of the arriving texts.

A cross-writer split of the corpus (train on all slices but one, test on that slice,
each slice a different writer; slices are the id prefixes) gives the same figures where
no real set exists.

    .venv/bin/python bench/real_eval.py [--dev ../shared/eval/real_dev.jsonl] [--writers]
                                        [--plot bench/out/real_eval.svg] [--learning-curve]

`--learning-curve` asks how many real decisions it takes to move the model: the dev set is
cut into 5 folds (stratified by label); for k = 0..4 the models are trained on the samples
plus k folds of real briefs (as editors' decisions would add them, each weighing
`retrain.decision_weight` or 1) and tested on the other folds, every rotation of the folds
averaged. The dev briefs are used there as stand-ins for an office's own decisions; the
default model is never trained on them.

Nothing is asserted; the figures go in the README.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from review.brief import CATEGORIES, CATEGORY_NAMES_ZH  # noqa: E402


def read_dev(path: Path) -> list[dict]:
    """The dev set's records: id, title, body, label, also."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def baseline(kind: str):
    """A plain baseline: character 1–3-gram TF-IDF of title + body, then a linear classifier."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    clf = (LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000) if kind == "lr"
           else LinearSVC(C=0.5, class_weight="balanced"))
    return make_pipeline(vec, clf)


class Plain:
    """A baseline over [title, body] rows: the two joined by a space."""

    def __init__(self, kind: str) -> None:
        self.pipe = baseline(kind)

    def fit(self, X, y, weight):
        self.pipe.fit([f"{t} {b}".strip() for t, b in X], y, **{self.pipe.steps[-1][0] + "__sample_weight": weight})
        return self

    def predict(self, X) -> np.ndarray:
        return self.pipe.predict([f"{t} {b}".strip() for t, b in X])


class Default:
    """The default model's text part, trained as `briefs train` trains it."""

    def __init__(self, params: dict | None = None) -> None:
        self.params = params

    def fit(self, briefs, weights: dict | None = None):
        from training.train import DEFAULT_PARAMS, fit_text_models

        self.parts = fit_text_models(list(briefs), {**DEFAULT_PARAMS, **(self.params or {})}, weights=weights)
        return self

    def predict(self, X) -> np.ndarray:
        from training.train import predict_text

        probs, _ = predict_text(*self.parts, np.array(X, dtype=object).reshape(len(X), 2))
        return np.array([CATEGORIES[j] for j in probs.argmax(axis=1)])


def rows(briefs, weights: dict | None = None):
    """The default model's training rows (every brief, and each titled brief's title alone) and weights."""
    from training.train import DEFAULT_PARAMS, _augmented

    X, y, _, weight = _augmented(briefs, DEFAULT_PARAMS, weights)
    return [tuple(x) for x in X], y, weight


def score(pred, items) -> dict:
    """Accepted and strict accuracy, per-class recall and the confusion matrix."""
    label = [it["label"] for it in items]
    ok = [p == it["label"] or p in it.get("also", []) for p, it in zip(pred, items)]
    strict = [p == g for p, g in zip(pred, label)]
    recall = {}
    for c in CATEGORIES:
        idx = [i for i, g in enumerate(label) if g == c]
        recall[c] = round(float(np.mean([ok[i] for i in idx])), 3) if idx else None
    matrix = [[sum(1 for p, g in zip(pred, label) if g == a and p == b) for b in CATEGORIES] for a in CATEGORIES]
    return {"n": len(items), "accepted": round(float(np.mean(ok)), 3) if items else None,
            "strict": round(float(np.mean(strict)), 3) if items else None, "recall": recall, "confusion": matrix}


def evaluate(models: dict, items: list[dict]) -> dict:
    """Each fitted model on the items as they arrive, and on the titles alone."""
    arriving = [(it["title"], it["body"]) for it in items]
    titled = [it for it in items if it["title"]]
    out = {}
    for name, model in models.items():
        pred = list(model.predict(arriving))
        by_shape = {
            "all": score(pred, items),
            "title+body": score([p for p, it in zip(pred, items) if it["title"] and it["body"]],
                                [it for it in items if it["title"] and it["body"]]),
            "body only": score([p for p, it in zip(pred, items) if not it["title"]],
                               [it for it in items if not it["title"]]),
            "title only": score(list(model.predict([(it["title"], "") for it in titled])), titled) if titled else None,
        }
        out[name] = by_shape
    return out


def fit_all(briefs, weights: dict | None = None) -> dict:
    """The default model and the two baselines, fitted on the same briefs (and weights)."""
    X, y, w = rows(briefs, weights)
    return {"default": Default().fit(briefs, weights), "tfidf+lr": Plain("lr").fit(X, y, w),
            "tfidf+svm": Plain("svm").fit(X, y, w)}


def as_briefs(items: list[dict]):
    """Dev items as labelled briefs, the way an editor's decision would add them to a snapshot."""
    from datetime import datetime

    from review.brief import Brief, Labels

    when = datetime.fromisoformat("2026-06-01T09:00:00+08:00")
    return [Brief(id=f"dev-{it['id']}", unit="(真实信息)", title=it["title"] or "", body=it["body"] or "",
                  submitted_at=when, labels=Labels(categories=(it["label"], *[c for c in it.get("also", [])
                                                                              if c != it["label"]])))
            for it in items]


def learning_curve(briefs, dev: list[dict], weights_to_try: list[float], folds: int = 5) -> dict:
    """Accepted and strict accuracy on held-out dev folds against the number of real briefs added."""
    from sklearn.model_selection import StratifiedKFold

    labels = [it["label"] for it in dev]
    parts = [test for _, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(dev)), labels)]
    curve: dict = {}
    for weight in weights_to_try:
        for k in range(folds):
            rotations = [0] if k == 0 else range(folds)
            sums: dict = {}
            added = []
            for r in rotations:
                train_idx = sorted(i for j in range(k) for i in parts[(r + j) % folds])
                test_idx = sorted(set(range(len(dev))) - set(train_idx))
                extra = as_briefs([dev[i] for i in train_idx])
                models = fit_all(list(briefs) + extra, {b.id: weight for b in extra})
                result = evaluate(models, [dev[i] for i in test_idx])
                for name, shapes in result.items():
                    acc = sums.setdefault(name, {"accepted": [], "strict": [], "problem": []})
                    acc["accepted"].append(shapes["all"]["accepted"])
                    acc["strict"].append(shapes["all"]["strict"])
                    acc["problem"].append(shapes["all"]["recall"]["problem"])
                added.append(len(train_idx))
            point = {name: {key: round(float(np.mean([v for v in vals if v is not None])), 3)
                            for key, vals in acc.items()} for name, acc in sums.items()}
            curve.setdefault(str(weight), []).append({"added": int(np.mean(added)), **point})
            print(f"  weight {weight:g}, {int(np.mean(added))} real briefs added: "
                  + ", ".join(f"{n} {p['accepted']:.3f}/{p['strict']:.3f}" for n, p in point.items()), flush=True)
    return curve


def plot_curve(curve: dict, path: Path) -> None:
    """Accepted accuracy on the held-out folds against real briefs added, per weight and model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _cjk_font(plt)
    fig, ax = plt.subplots(figsize=(7, 4))
    for weight, points in curve.items():
        xs = [p["added"] for p in points]
        for name, style in (("default", "-"), ("tfidf+lr", ":")):
            ax.plot(xs, [p[name]["accepted"] for p in points], style, marker="o",
                    label=f"{'默认模型' if name == 'default' else '字符 TF-IDF 基线'},每条决定权重 {float(weight):g}")
    ax.set_xlabel("加入训练的真实信息条数(代替编辑的决定)")
    ax.set_ylabel("其余真实信息上的可接受准确率")
    ax.set_title("编辑决定对模型的作用(学习曲线)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    print(f"plot: {path}")


def _cjk_font(plt) -> None:
    """Chinese labels without a CJK font on this machine: the plots are SVG with their text kept
    as text (`svg.fonttype = none`) naming CJK fonts, so the browser that opens them draws the
    characters; matplotlib's own metrics (DejaVu) only place them."""
    import warnings

    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "DejaVu Sans"]
    warnings.filterwarnings("ignore", message="Glyph .* missing from font")


def print_table(title: str, results: dict) -> None:
    print(f"\n{title}")
    names = ["all", "title+body", "body only", "title only"]
    print(f"{'model':<12}" + "".join(f"{n + ' acc/strict':>24}" for n in names)
          + "".join(f"{'R_' + c[:5]:>9}" for c in CATEGORIES))
    for model, shapes in results.items():
        cells = []
        for n in names:
            s = shapes.get(n)
            cells.append(f"{s['accepted']:.3f}/{s['strict']:.3f} (n={s['n']})" if s and s["n"] else "-")
        recall = shapes["all"]["recall"]
        print(f"{model:<12}" + "".join(f"{c:>24}" for c in cells)
              + "".join(f"{recall[c]:>9.3f}" if recall[c] is not None else f"{'-':>9}" for c in CATEGORIES))


def print_confusion(name: str, matrix) -> None:
    print(f"\nconfusion ({name}; rows = editor's label, columns = predicted):")
    print(" " * 12 + "".join(f"{c[:9]:>11}" for c in CATEGORIES))
    for c, row in zip(CATEGORIES, matrix):
        print(f"{c:<12}" + "".join(f"{v:>11}" for v in row))


def as_items(briefs) -> list[dict]:
    return [{"title": b.title, "body": b.body, "label": b.labels.category,
             "also": list(b.labels.categories[1:])} for b in briefs]


def writers(briefs) -> dict:
    """Leave one writer's slice out: predictions of every brief from models that never saw its writer."""
    slices = sorted({b.id.split("-")[0] for b in briefs})
    preds: dict[str, list] = {}
    items = []
    for s in slices:
        train = [b for b in briefs if not b.id.startswith(s + "-")]
        test = [b for b in briefs if b.id.startswith(s + "-")]
        models = fit_all(train)
        test_items = as_items(test)
        items += test_items
        for name, model in models.items():
            preds.setdefault(name, []).extend(model.predict([(it["title"], it["body"]) for it in test_items]))
        print(f"  slice {s}: {len(test)} briefs", flush=True)
    return {name: {"all": score(p, items)} for name, p in preds.items()}


def plot(results: dict, path: Path) -> None:
    """Accepted accuracy by shape and per-class recall, one bar group per model (labels in Chinese)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _cjk_font(plt)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    shapes = [("all", "全部"), ("title+body", "有标题和正文"), ("body only", "仅正文"), ("title only", "仅标题")]
    width = 0.8 / len(results)
    for j, (model, r) in enumerate(results.items()):
        left.bar([i + j * width for i in range(len(shapes))], [(r[s] or {}).get("accepted") or 0 for s, _ in shapes],
                 width, label=model)
        right.bar([i + j * width for i in range(len(CATEGORIES))],
                  [r["all"]["recall"][c] or 0 for c in CATEGORIES], width, label=model)
    left.set_xticks([i + 0.4 - width / 2 for i in range(len(shapes))], [z for _, z in shapes])
    right.set_xticks([i + 0.4 - width / 2 for i in range(len(CATEGORIES))], [CATEGORY_NAMES_ZH[c] for c in CATEGORIES])
    left.set_title("真实信息上的可接受准确率")
    right.set_title("各类召回率(全部)")
    for ax in (left, right):
        ax.set_ylim(0, 1)
        ax.axhline(0.8, color="grey", lw=0.6, ls="--")
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    print(f"\nplot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "real_dev.jsonl")
    parser.add_argument("--train", type=Path, default=ROOT / "data_samples" / "briefs.jsonl")
    parser.add_argument("--writers", action="store_true", help="also the cross-writer split of the corpus")
    parser.add_argument("--plot", type=Path, default=ROOT / "bench" / "out" / "real_eval.svg")
    parser.add_argument("--json", type=Path, default=None, help="write every figure as JSON here")
    parser.add_argument("--learning-curve", action="store_true",
                        help="accuracy on real briefs against the number of real decisions added")
    parser.add_argument("--weights", type=float, nargs="+", default=None,
                        help="decision weights for the learning curve (default: 1 and retrain.decision_weight)")
    args = parser.parse_args()

    from review.readers import load_briefs

    briefs = load_briefs(args.train)
    dev = read_dev(args.dev) if args.dev.is_file() else []
    print(f"training: {args.train.name}, {len(briefs)} briefs; dev: {args.dev} ({len(dev)} real briefs)")
    out = {}
    start = time.monotonic()
    models = fit_all(briefs)
    print(f"fitted 3 models in {time.monotonic() - start:.0f} s")
    if dev:
        out["dev"] = evaluate(models, dev)
        print_table("real dev set (accepted/strict accuracy; recall of each primary class, accepted)", out["dev"])
        for name in models:
            print_confusion(name, out["dev"][name]["all"]["confusion"])
        plot(out["dev"], args.plot)
    if args.writers:
        print("\ncross-writer split of the corpus:")
        out["writers"] = writers(briefs)
        print_table("cross-writer (accepted/strict; recall)", out["writers"])
    if args.learning_curve and dev:
        from review.config import load_config

        configured = float(load_config().section("retrain")["decision_weight"])
        weights = args.weights or sorted({1.0, configured})
        print(f"\nlearning curve (5 folds of the dev set; decision weights {weights}; accepted/strict on the rest):")
        out["learning_curve"] = learning_curve(briefs, dev, weights)
        plot_curve(out["learning_curve"], args.plot.with_name("learning_curve.svg"))
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
