"""Evaluating the model on labelled briefs: cross-validation, by-unit and by-time splits.

Each split trains on one part and predicts the other, so every figure is out-of-sample.
Reported per split:
- accuracy (primary category) and accepted accuracy (the predicted category is one of
  the brief's labelled categories: what an editor would accept),
- the same on the titles alone (briefs that have a title),
- per-class precision / recall / F1 and the confusion matrix (primary category),
- urgent precision / recall,
- adoption ROC AUC of the adoption probability (adopted at any level vs not).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold

from models.bundle import BriefModel
from review.brief import CATEGORIES, Brief
from review.config import ReviewConfig, default_config
from review.duplicates import find_duplicates
from review.engine import build_reviews, columns, inspect_briefs, review_briefs
from review.ranking import rank_queue
from training.train import DEFAULT_PARAMS, fit_outcome_models, fit_text_models, out_of_fold, predict_text

SCHEMES = ("cv", "unit", "time")


@dataclass
class Predictions:
    """Out-of-sample predictions for a set of briefs (NaN where a brief was not tested)."""

    probs: np.ndarray
    title_probs: np.ndarray
    urgent: np.ndarray
    adoption: np.ndarray
    tested: np.ndarray


@dataclass
class EvaluationResult:
    """Metrics of one split scheme."""

    scheme: str
    n: int
    metrics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"scheme": self.scheme, "n": self.n, **self.metrics}


def _splits(briefs: Sequence[Brief], scheme: str, folds: int, seed: int):
    y = np.array([b.labels.category for b in briefs])
    if scheme == "cv":
        return list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    if scheme == "unit":
        groups = np.array([b.unit for b in briefs])
        return list(GroupKFold(min(folds, len(set(groups)))).split(np.zeros(len(y)), y, groups))
    if scheme == "time":
        order = np.argsort([b.submitted_at.timestamp() for b in briefs], kind="stable")
        cut = int(len(order) * 0.8)
        return [(np.sort(order[:cut]), np.sort(order[cut:]))]
    raise ValueError(f"unknown scheme {scheme}")


def predict_out_of_sample(briefs: Sequence[Brief], *, scheme: str = "cv", folds: int = 5, seed: int = 0,
                          params: dict | None = None, config: ReviewConfig | None = None,
                          progress: Callable[[str], None] | None = None) -> Predictions:
    """Train on each split's training part and predict its test part."""
    params = {**DEFAULT_PARAMS, **(params or {})}
    config = config or default_config()
    n = len(briefs)
    probs = np.full((n, len(CATEGORIES)), np.nan)
    title_probs = np.full((n, len(CATEGORIES)), np.nan)
    urgent = np.full(n, np.nan)
    adoption = np.full(n, np.nan)
    tested = np.zeros(n, dtype=bool)
    splits = _splits(briefs, scheme, folds, seed)
    for k, (train_idx, test_idx) in enumerate(splits, start=1):
        if progress:
            progress(f"{scheme} 第 {k}/{len(splits)} 折")
        train = [briefs[i] for i in train_idx]
        test = [briefs[i] for i in test_idx]
        f, c, u = fit_text_models(train, params, seed)
        p, q = predict_text(f, c, u, columns(test))
        titled = np.array([[b.title, ""] for b in test], dtype=object)
        tp, _ = predict_text(f, c, u, titled)
        # The adoption model of this fold learns from out-of-fold predictions of its own
        # training briefs, exactly as `train_model` does.
        inner_p, inner_u = out_of_fold(train, params, folds=3, seed=seed)
        embed = BriefModel(f, c, u, None, None).embed
        adoption_model, instruction_model = fit_outcome_models(train, inner_p, inner_u, config, embed=embed)
        fold_model = BriefModel(f, c, u, adoption_model, instruction_model, meta={"version": "evaluation"})
        dups = find_duplicates(test, config=config, archive=train, embed=fold_model.embed)
        inspections = inspect_briefs(test, p, q, dups, config)
        reviews = build_reviews(test, p, q, dups, inspections, fold_model, config)
        probs[test_idx], urgent[test_idx] = p, q
        title_probs[test_idx] = tp
        adoption[test_idx] = [r.adoption.probability for r in reviews]
        tested[test_idx] = True
    return Predictions(probs, title_probs, urgent, adoption, tested)


def _category_metrics(briefs: Sequence[Brief], probs: np.ndarray) -> dict:
    y_true = [b.labels.category for b in briefs]
    y_pred = [CATEGORIES[int(i)] for i in np.argmax(probs, axis=1)]
    accepted = [p in b.labels.categories for p, b in zip(y_pred, briefs)]
    prec, rec, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=list(CATEGORIES),
                                                             zero_division=0)
    accepted_recall = {}
    for c in CATEGORIES:
        idx = [i for i, t in enumerate(y_true) if t == c]
        accepted_recall[c] = float(np.mean([accepted[i] for i in idx])) if idx else float("nan")
    return {
        "accuracy": float(np.mean([t == p for t, p in zip(y_true, y_pred)])),
        "accepted_accuracy": float(np.mean(accepted)),
        "macro_f1": float(np.mean(f1)),
        "per_class": {c: {"precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]),
                          "accepted_recall": accepted_recall[c], "support": int(support[i])}
                      for i, c in enumerate(CATEGORIES)},
        "confusion": confusion_matrix(y_true, y_pred, labels=list(CATEGORIES)).tolist(),
    }


def metrics_from_predictions(briefs: Sequence[Brief], pred: Predictions) -> dict:
    """All reported metrics over the briefs that were tested."""
    idx = np.flatnonzero(pred.tested)
    tested = [briefs[i] for i in idx]
    out = {"full": _category_metrics(tested, pred.probs[idx])}
    titled = [i for i in idx if briefs[i].title]
    out["title_only"] = _category_metrics([briefs[i] for i in titled], pred.title_probs[titled])
    truth_u = np.array([b.labels.urgent for b in tested])
    pred_u = pred.urgent[idx] >= 0.5
    tp = int(np.sum(truth_u & pred_u))
    out["urgent"] = {"precision": tp / max(1, int(pred_u.sum())), "recall": tp / max(1, int(truth_u.sum())),
                     "support": int(truth_u.sum())}
    known = np.array([b.labels.adoption is not None for b in tested])  # open briefs: outcome unknown
    adopted = np.array([bool(b.labels.adoption and b.labels.adoption.adopted) for b in tested])[known]
    out["adoption_auc"] = (float(roc_auc_score(adopted, pred.adoption[idx][known]))
                           if 0 < adopted.sum() < len(adopted) else float("nan"))
    out["adoption_rate"] = float(adopted.mean()) if len(adopted) else float("nan")
    return out


def evaluate(briefs: Sequence[Brief], *, schemes: Sequence[str] = SCHEMES, folds: int = 5, seed: int = 0,
             params: dict | None = None, config: ReviewConfig | None = None,
             progress: Callable[[str], None] | None = None) -> list[EvaluationResult]:
    """Out-of-sample metrics of the training procedure under each split scheme."""
    results = []
    for scheme in schemes:
        pred = predict_out_of_sample(briefs, scheme=scheme, folds=folds, seed=seed, params=params, config=config,
                                     progress=progress)
        results.append(EvaluationResult(scheme, int(pred.tested.sum()), metrics_from_predictions(briefs, pred)))
    return results


@dataclass
class ModelEvaluation:
    """One trained model on one labelled set: its predictions, reviews and metrics."""

    name: str
    briefs: list
    pred: Predictions
    reviews: list
    metrics: dict

    @property
    def queue_adopted(self) -> np.ndarray:
        """Whether each brief was adopted, in the order of the ranked queue (outcome known only)."""
        adopted = {b.id: b.labels.adoption.adopted for b in self.briefs if b.labels.adoption is not None}
        return np.array([adopted[r.id] for r in rank_queue(self.reviews) if r.id in adopted], dtype=bool)


def precision_at_k(adopted_in_queue_order: np.ndarray, ks: Sequence[int]) -> dict[int, float]:
    """Share of the top k of the queue that were adopted, for each k (k capped at the queue length)."""
    out = {}
    for k in ks:
        k = min(int(k), len(adopted_in_queue_order))
        if k > 0:
            out[k] = float(adopted_in_queue_order[:k].mean())
    return out


def evaluate_model_detail(model, briefs: Sequence[Brief], *, config: ReviewConfig | None = None,
                          name: str = "") -> ModelEvaluation:
    """`evaluate_model` keeping the predictions and reviews (for plots and the queue)."""
    config = config or default_config()
    briefs = list(briefs)
    probs, urgent = model.predict_proba(columns(briefs))
    title_probs, _ = model.predict_proba(np.array([[b.title, ""] for b in briefs], dtype=object))
    reviews = review_briefs(briefs, model, config=config)
    pred = Predictions(probs, title_probs, urgent, np.array([r.adoption.probability for r in reviews]),
                       np.ones(len(briefs), dtype=bool))
    result = ModelEvaluation(name or model.version, briefs, pred, reviews, metrics_from_predictions(briefs, pred))
    result.metrics["precision_at_k"] = precision_at_k(result.queue_adopted, (5, 10, 20, 50))
    return result


def evaluate_model(model, briefs: Sequence[Brief], *, config: ReviewConfig | None = None) -> dict:
    """Metrics of an already-trained model on labelled briefs it did not see (a held-out set)."""
    return evaluate_model_detail(model, briefs, config=config).metrics
