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
                                        [--plot bench/out/real_eval.png]

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

    def fit(self, briefs):
        from training.train import DEFAULT_PARAMS, fit_text_models

        self.parts = fit_text_models(list(briefs), {**DEFAULT_PARAMS, **(self.params or {})})
        return self

    def predict(self, X) -> np.ndarray:
        from training.train import predict_text

        probs, _ = predict_text(*self.parts, np.array(X, dtype=object).reshape(len(X), 2))
        return np.array([CATEGORIES[j] for j in probs.argmax(axis=1)])


def rows(briefs):
    """The default model's training rows (every brief, and each titled brief's title alone) and weights."""
    from training.train import DEFAULT_PARAMS, _augmented

    X, y, _, weight = _augmented(briefs, DEFAULT_PARAMS)
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


def fit_all(briefs) -> dict:
    """The default model and the two baselines, fitted on the same briefs."""
    X, y, w = rows(briefs)
    return {"default": Default().fit(briefs), "tfidf+lr": Plain("lr").fit(X, y, w),
            "tfidf+svm": Plain("svm").fit(X, y, w)}


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

    from matplotlib import font_manager

    cjk = [f.name for f in font_manager.fontManager.ttflist if any(k in f.name for k in ("CJK", "WenQuanYi", "Hei"))]
    if cjk:
        plt.rcParams["font.sans-serif"] = cjk[:1] + plt.rcParams["font.sans-serif"]
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
    fig.savefig(path, dpi=110)
    print(f"\nplot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "real_dev.jsonl")
    parser.add_argument("--train", type=Path, default=ROOT / "data_samples" / "briefs.jsonl")
    parser.add_argument("--writers", action="store_true", help="also the cross-writer split of the corpus")
    parser.add_argument("--plot", type=Path, default=ROOT / "bench" / "out" / "real_eval.png")
    parser.add_argument("--json", type=Path, default=None, help="write every figure as JSON here")
    args = parser.parse_args()

    from review.records import load_briefs

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
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
